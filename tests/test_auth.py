from campaign.auth.models import Role
from tests.conftest import PASSWORD


def test_login_page_is_vietnamese(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert "Đăng nhập" in response.get_data(as_text=True)


def test_login_and_logout(client, auth, make_user):
    user = make_user(Role.LEAD, ward=31135)
    response = auth.login(user)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert auth.logout().status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_and_unknown_user_get_the_same_answer(client, auth, make_user):
    user = make_user()
    wrong = auth.login(user, "không-phải-mật-khẩu").get_data(as_text=True)
    unknown = auth.login("khong-co-ai", PASSWORD).get_data(as_text=True)
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in wrong
    assert "Tên đăng nhập hoặc mật khẩu không đúng." in unknown


def test_next_is_followed_only_on_this_site(client, make_user):
    user = make_user()
    data = {"username": user.username, "password": PASSWORD}
    ok = client.post("/login?next=/api/v1/me", data=data)
    assert ok.headers["Location"] == "/api/v1/me"
    client.post("/logout")
    for evil in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/login?next=" + evil, data=data)
        assert response.headers["Location"] == "/", evil
        client.post("/logout")


def test_inactive_user_cannot_log_in(client, auth, make_user):
    user = make_user(active=False)
    auth.login(user)
    assert client.get("/").status_code == 302


def test_api_session_login_me_logout(client, auth, field):
    response = auth.api_login(field.volunteer)
    assert response.status_code == 201
    me = client.get("/api/v1/me").get_json()
    assert me["role"] == "volunteer"
    assert me["scope"]["ward_code"] == 31135
    assert [c["id"] for c in me["campaigns"]] == [field.campaign.id]
    assert client.delete("/api/v1/session").status_code == 204
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_api_bad_credentials_and_bad_bodies(client, auth, make_user):
    user = make_user()
    response = auth.api_login(user, "sai-mat-khau-roi")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "bad_credentials"
    cases = [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"json": [1, 2]}, 400),
        ({"json": {"username": ["a"], "password": {"x": 1}}}, 422),
        ({"json": {}}, 422),
        ({"data": "username=a", "content_type": "application/x-www-form-urlencoded"}, 415),
    ]
    for kwargs, status in cases:
        response = client.post("/api/v1/session", **kwargs)
        assert response.status_code == status, kwargs
        assert response.get_json()["error"]["status"] == status


def test_logout_ends_the_session_server_side(app, auth, client, make_user):
    user = make_user()
    auth.login(user)
    stolen = client.get_cookie("session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get("/api/v1/me").status_code == 401


def test_csrf_is_required_with_protection_on(csrf_client, make_user):
    user = make_user()
    body = {"username": user.username, "password": PASSWORD}
    missing = csrf_client.post("/api/v1/session", json=body, headers={"X-CSRFToken": ""})
    assert missing.status_code == 400
    assert missing.get_json()["error"]["code"] == "csrf"
    assert csrf_client.post("/api/v1/session", json=body).status_code == 201
    html = csrf_client.open("/logout", method="POST")
    assert html.status_code == 400
    assert "mã bảo mật" in html.get_data(as_text=True)
