"""Passwords (length, common list, scrypt), the change-password page, and session lifetime."""

import pytest
import sqlalchemy as sa

from campaign.auth.models import Role, User
from campaign.auth.passwords import common_passwords, password_problem
from tests.conftest import PASSWORD

NEW = "mưa chiều qua cầu Cái Răng"


@pytest.mark.parametrize(
    "password",
    [
        "ngắn-quá",  # 8 characters
        "12345678901",  # 11
        "123456789012",
        "210987654321",
        "abcabcabcabc",
        "xxxxxxxxxxxxxxx",
        "Password1234",
        "QWERTYUIOP12",
        "iloveyou2026!",
        "MatKhau@2026",
        "Mật khẩu 123456",
        "anhyeuem123456",
        "VietNam123456",
        "bluezone2020!!",
        "tnv1-is-my-name",  # contains the username
    ],
)
def test_weak_passwords_are_refused(app, password):
    with app.test_request_context():
        assert password_problem(password, username="tnv1") is not None


@pytest.mark.parametrize(
    "password",
    ["mưa chiều qua cầu Cái Răng", "correct horse battery staple", "Xk8-quạt-trần", "chiến dịch gõ cửa 2026"],
)
def test_long_passwords_need_no_digits_capitals_or_symbols(app, password):
    with app.test_request_context():
        assert password_problem(password, username="tnv1") is None


def test_the_common_list_is_real():
    listed = common_passwords()
    assert len(listed) > 19_000
    assert {"password", "123456", "iloveyou", "matkhau", "anhyeuem", "bluezone"} <= listed


@pytest.mark.real_scrypt
def test_create_user_refuses_a_common_password_and_stores_scrypt(runner, db):
    weak = runner.invoke(
        args=["create-user", "--username", "lan", "--role", "admin", "--password", "Password123456"]
    )
    assert weak.exit_code != 0
    assert "dễ đoán" in weak.output
    ok = runner.invoke(args=["create-user", "--username", "lan", "--role", "admin", "--password", NEW])
    assert ok.exit_code == 0, ok.output
    user = db.session.scalar(sa.select(User).where(User.username == "lan"))
    assert user.password_hash.startswith("scrypt:")
    assert NEW not in user.password_hash


def test_a_new_session_on_login(app, client, make_user):
    """A session planted before sign-in (fixation) is thrown away: nothing from it survives."""
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "attacker"
        session["csrf_token"] = "attacker-knows-this"
    client.post("/login", data={"username": user.username, "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("csrf_token") != "attacker-knows-this"
        assert session["_user_id"] == f"{user.id}:1"


def test_api_logout_ends_the_session_server_side(app, client, auth, make_user):
    user = make_user()
    assert auth.api_login(user).status_code == 201
    stolen = client.get_cookie("session").value
    assert client.delete("/api/v1/session").status_code == 204
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/api/v1/me")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def change(client, current=PASSWORD, new=NEW, confirm=None):
    data = {"current_password": current, "new_password": new, "confirm": confirm or new}
    return client.post("/password", data=data)


def test_change_password_page_is_vietnamese(client, auth, make_user):
    auth.login(make_user(Role.LEAD, ward=31135))
    page = client.get("/password").get_data(as_text=True)
    for text in ("Đổi mật khẩu", "Mật khẩu hiện tại", "Mật khẩu mới", "Nhập lại mật khẩu mới"):
        assert text in page


def test_change_password_ends_every_other_session(app, client, auth, make_user, db):
    user = make_user(Role.VOLUNTEER)
    phone = app.test_client()
    assert (
        phone.post("/api/v1/session", json={"username": user.username, "password": PASSWORD}).status_code
        == 201
    )
    auth.login(user)
    response = change(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/").get_data(as_text=True)
    assert "Đã đổi mật khẩu" in page  # this browser is still signed in
    assert client.get("/api/v1/me").status_code == 200
    assert phone.get("/api/v1/me").status_code == 401  # the phone must sign in again
    fresh = app.test_client()
    assert (
        fresh.post("/api/v1/session", json={"username": user.username, "password": PASSWORD}).status_code
        == 401
    )
    assert fresh.post("/api/v1/session", json={"username": user.username, "password": NEW}).status_code == 201
    db.session.expire_all()
    assert db.session.get(User, user.id).session_version == 2


@pytest.mark.parametrize(
    ("current", "new", "confirm", "message"),
    [
        ("sai-mat-khau-hien-tai", NEW, None, "Mật khẩu hiện tại không đúng."),
        (PASSWORD, "ngắn-quá", None, "ít nhất 12 ký tự"),
        (PASSWORD, "Password123456", None, "quá dễ đoán"),
        (PASSWORD, NEW, "mưa chiều qua cầu Cái Răng!", "không giống nhau"),
        (PASSWORD, PASSWORD, None, "phải khác mật khẩu hiện tại"),
    ],
)
def test_change_password_refusals_change_nothing(client, auth, make_user, db, current, new, confirm, message):
    user = make_user()
    auth.login(user)
    response = change(client, current, new, confirm)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    stored = db.session.get(User, user.id)
    assert stored.check_password(PASSWORD)
    assert stored.session_version == 1
    assert client.get("/api/v1/me").status_code == 200


def test_change_password_needs_a_signed_in_user(client):
    assert client.get("/password").status_code == 302
    assert client.get("/password", headers={"Accept": "application/json"}).status_code == 401


def test_a_new_session_on_api_login_too(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "attacker"
    response = client.post("/api/v1/session", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 201
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:1"


def test_signing_in_again_as_someone_else_drops_the_first_account(client, make_user):
    first, second = make_user(), make_user()
    client.post("/api/v1/session", json={"username": first.username, "password": PASSWORD})
    client.post("/api/v1/session", json={"username": second.username, "password": PASSWORD})
    assert client.get("/api/v1/me").get_json()["user"]["username"] == second.username
