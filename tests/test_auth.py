import socket
import threading
from datetime import UTC

import pytest
import sqlalchemy as sa

from campaign import create_app
from campaign.auth.models import Role
from campaign.auth.services import load_user
from tests.conftest import PASSWORD, base_config


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


def test_the_loaded_user_has_its_columns_python_values(db, make_user):
    """load_user reads the row on the pool's DBAPI connection (database.read_once) and converts
    each column as the ORM would: the role is a Role, the times are aware UTC datetimes."""
    user = make_user()
    expected = {
        column: getattr(user, column) for column in ("id", "username", "role", "created_at", "active")
    }
    user_id, version = user.id, user.session_version
    db.session.commit()
    db.session.expunge_all()  # the loader reads the row itself, as in a new request
    loaded = load_user(f"{user_id}:{version}")
    assert loaded is not None and loaded is not user
    assert {column: getattr(loaded, column) for column in expected} == expected
    assert type(loaded.role) is Role and loaded.active is True
    assert loaded.created_at.tzinfo is UTC
    db.session.expunge_all()
    assert load_user(f"{user_id}:{version + 1}") is None and load_user("999999:1") is None


def test_connections_the_server_dropped_fail_one_load_and_the_next_one_works(db, make_user):
    """The user load raises SQLAlchemy's error (which the app's handlers know) with the driver's
    own cause, and a server that dropped its connections (a restart) costs one request: the
    pool's other connections go too, and the next load connects afresh."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server that drops its connections is PostgreSQL's")
    user = make_user()
    user_id, expected_id = f"{user.id}:{user.session_version}", user.id
    db.session.commit()
    db.session.close()
    db.engine.dispose()
    pooled = [db.engine.raw_connection() for _ in range(2)]  # the pool then holds these two
    pids = []
    for connection in pooled:
        with connection.driver_connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pids.append(cursor.fetchone()[0])
        connection.close()
    with sa.create_engine(db.engine.url).connect() as other:
        for pid in pids:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    db.session.expunge_all()
    with pytest.raises(sa.exc.OperationalError) as dropped:
        load_user(user_id)
    assert dropped.value.connection_invalidated
    assert dropped.value.orig.sqlstate == "57P01"  # admin_shutdown: the cause, not a later symptom
    db.session.expunge_all()
    assert load_user(user_id).id == expected_id


def test_a_database_that_cannot_be_reached_is_sqlalchemys_error(database_url, tmp_path):
    """When the pool cannot connect at all, the user load raises SQLAlchemy's error too."""
    if database_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path / 'no-such-folder' / 'campaign.sqlite3'}"
    else:
        unreachable = "postgresql://postgres@127.0.0.1:1/test"
    app = create_app(base_config(unreachable))
    with app.app_context(), pytest.raises(sa.exc.OperationalError):
        load_user("1:1")


def test_a_database_server_that_never_answers_fails_the_user_load_in_seconds():
    """A PostgreSQL address that accepts the connection and never answers (a hung server, a
    half-open firewall): the connect timeout (2 s, libpq's least) ends the request with
    SQLAlchemy's error instead of holding the worker until gunicorn kills it."""
    failed = []

    def load(app):
        with app.app_context():
            try:
                load_user("1:1")
            except sa.exc.OperationalError as error:
                failed.append(error)

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)  # the kernel completes the handshake; nobody reads or answers
        url = f"postgresql://postgres@127.0.0.1:{silent.getsockname()[1]}/test"
        worker = threading.Thread(
            target=load, args=(create_app(base_config(url, DATABASE_CONNECT_TIMEOUT_S=2)),)
        )
        worker.daemon = True  # without the timeout it would wait for ever: the test fails instead
        worker.start()
        worker.join(timeout=8)
    assert failed and "timeout" in str(failed[0].orig)
