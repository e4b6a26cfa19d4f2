"""The foundation's promises (issue 2), checked from the outside: the command line, the demo,
the secret key, a factory without side effects, and one shape for every error."""

import os
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask import Flask, abort

from campaign import _instance_secret_key, create_app
from campaign.areas.models import Province, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, Team
from campaign.extensions import db as _db
from campaign.i18n import VN_TZ, local_day
from campaign.visits.models import Visit
from tests.conftest import PASSWORD, base_config

DEMO_PASSWORD = "mưa chiều qua cầu Cái Răng"


def run_cli(app, *args):
    with app.app_context():  # `flask` pushes one; the test runner does not
        return app.test_cli_runner().invoke(args=list(args))


def area_counts(app) -> tuple[int, int]:
    with app.app_context():
        provinces = _db.session.scalar(sa.select(sa.func.count()).select_from(Province))
        wards = _db.session.scalar(sa.select(sa.func.count()).select_from(Ward))
        _db.session.remove()
        _db.engine.dispose()
    return provinces, wards


def check_init_twice(url: str) -> None:
    app = create_app(base_config(url))
    first = run_cli(app, "init")
    assert first.exit_code == 0, first.output
    assert "34 provinces, 3321 wards" in first.output
    assert area_counts(app) == (34, 3321)
    second = run_cli(app, "init")
    assert second.exit_code == 0, second.output
    assert "(0 added, 0 renamed)" in second.output
    assert area_counts(app) == (34, 3321)


def test_init_twice_on_a_fresh_sqlite_database(tmp_path):
    check_init_twice(f"sqlite:///{tmp_path / 'fresh.sqlite3'}")


def test_init_twice_on_a_fresh_postgresql_database(scratch_postgres_url):
    check_init_twice(scratch_postgres_url)


def test_demo_users_sign_in_and_see_three_weeks_of_visits_in_can_tho(app, db, runner):
    result = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert result.exit_code == 0, result.output
    for name in ("admin", "coordinator", "lead", "tnv1", "tnv2"):
        assert name in result.output
    assert DEMO_PASSWORD in result.output

    [campaign] = db.session.scalars(sa.select(Campaign).where(Campaign.province_code.is_not(None))).all()
    assert campaign.province_code == 92
    visits = db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
    assert 2000 <= visits <= 10_000
    first, last = db.session.execute(
        sa.select(sa.func.min(Visit.visited_at), sa.func.max(Visit.visited_at))
    ).one()
    span = local_day(last) - local_day(first)
    assert timedelta(days=14) <= span <= timedelta(days=21)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Team)) >= 2
    roles = {u.role for u in db.session.scalars(sa.select(User))}
    assert roles == {Role.ADMIN, Role.COORDINATOR, Role.LEAD, Role.VOLUNTEER}

    for name, role in (
        ("admin", "admin"),
        ("coordinator", "coordinator"),
        ("lead", "lead"),
        ("tnv1", "volunteer"),
    ):
        client = app.test_client()
        response = client.post("/api/v1/session", json={"username": name, "password": DEMO_PASSWORD})
        assert response.status_code == 201, name
        me = client.get("/api/v1/me").get_json()
        assert me["role"] == role
        assert campaign.id in [c["id"] for c in me["campaigns"]], name  # and the national demo
        wrong = app.test_client().post("/api/v1/session", json={"username": name, "password": PASSWORD})
        assert wrong.status_code == 401

    again = runner.invoke(args=["demo", "--password", DEMO_PASSWORD])
    assert again.exit_code == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 2  # Cần Thơ, national
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == visits


@pytest.mark.parametrize("clock", ["00:10", "08:20", "11:00", "23:50"])
def test_the_demo_logs_no_visit_ahead_of_its_clock(app, db, clock):
    """Today's round starts at 8:00 and stops at the clock: at 00:10 today has no visit yet."""
    from campaign.demo import build_demo

    hour, minute = map(int, clock.split(":"))
    now = datetime(2026, 8, 20, hour, minute, tzinfo=VN_TZ)
    build_demo(now=now)
    db.session.flush()
    last = db.session.scalar(sa.select(sa.func.max(Visit.visited_at)))
    received = db.session.scalar(sa.select(sa.func.max(Visit.received_at)))
    assert last <= now and received <= now
    today = db.session.scalar(
        sa.select(sa.func.count()).where(Visit.visited_at >= now.replace(hour=0, minute=0))
    )
    assert (today == 0) == (hour < 8)
    db.session.rollback()


def test_a_volunteer_logs_visits_straight_after_the_demo(app, db, runner):
    """The demo's rows take ids from the database, so the next visit gets a free one (on
    PostgreSQL, explicit ids had left the sequences at 1: the first visit logged was a 500)."""
    assert runner.invoke(args=["demo", "--password", DEMO_PASSWORD]).exit_code == 0
    stored = db.session.scalar(sa.select(sa.func.count()).select_from(Visit))
    if db.engine.dialect.name == "postgresql":  # analyzed, so the planner knows the table's size
        rows = db.session.scalar(sa.text("SELECT reltuples FROM pg_class WHERE relname = 'visit'"))
        assert rows > 0.9 * stored
    client = app.test_client()
    assert (
        client.post("/api/v1/session", json={"username": "tnv1", "password": DEMO_PASSWORD}).status_code
        == 201
    )
    campaigns = client.get("/api/v1/me").get_json()["campaigns"]
    [campaign] = [c for c in campaigns if c["province_code"] == 92]  # not the national demo
    hamlet = campaign["hamlets"][0]
    items = [
        {
            "client_id": str(uuid.uuid4()),
            "campaign_id": campaign["id"],
            "hamlet_id": hamlet["id"],
            "household": label,
            "outcome": "installed",
            "residents": 3,
            "smartphones": 2,
            "installs": {campaign["apps"][0]["code"]: 1},
            "visited_at": datetime.now(UTC).isoformat(),
        }
        for label in (hamlet["households"][0], "Số 999")  # a known household and a new one
    ]
    response = client.post("/api/v1/visits", json={"visits": items})
    assert response.status_code == 200, response.get_json()
    assert [r["status"] for r in response.get_json()["results"]] == ["created", "created"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == stored + 2
    assert runner.invoke(args=["check-totals"]).exit_code == 0


def test_demo_refuses_a_weak_password(runner, db):
    result = runner.invoke(args=["demo", "--password", "12345678"])
    assert result.exit_code != 0
    assert "12 ký tự" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 0


@pytest.fixture
def empty_instance(tmp_path, monkeypatch):
    """create_app() with its instance folder in an empty temporary directory."""
    folder = tmp_path / "instance"
    monkeypatch.setattr(Flask, "auto_find_instance_path", lambda self: str(folder))
    for name in ("SECRET_KEY", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return folder


def test_the_factory_creates_no_database(empty_instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/campaign.sqlite3")
    assert not empty_instance.exists() or list(empty_instance.iterdir()) == []


def test_secret_key_is_generated_once_into_instance_and_reused(empty_instance):
    first = create_app()
    key = first.config["SECRET_KEY"]
    assert len(key) == 64
    assert (empty_instance / "secret_key").read_text().strip() == key
    assert oct((empty_instance / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert create_app().config["SECRET_KEY"] == key
    assert _instance_secret_key(empty_instance) == key
    assert sorted(p.name for p in empty_instance.iterdir()) == ["secret_key"]  # still no database


@pytest.fixture(scope="module")
def error_app(app):
    """The app plus routes that fail on purpose, to see every error answer."""
    failing = create_app(base_config(app.config["SQLALCHEMY_DATABASE_URI"]))

    @failing.get("/api/v1/_forbidden")
    @failing.get("/_forbidden")
    def forbidden():
        abort(403)

    @failing.get("/api/v1/_crash")
    @failing.get("/_crash")
    def crash():
        raise RuntimeError("boom")

    return failing


def error_of(response, status):
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert (
        {"status", "code", "message"} <= set(error) <= {"status", "code", "message", "fields", "request_id"}
    )
    assert error["status"] == status
    assert error["message"] and error["code"]
    return error


def test_api_errors_are_json_in_one_shape(error_app, db):
    client = error_app.test_client()
    assert error_of(client.get("/api/v1/me"), 401)["code"] == "unauthorized"
    assert error_of(client.get("/api/v1/_forbidden"), 403)["code"] == "forbidden"
    assert error_of(client.get("/api/v1/no-such-thing"), 404)["message"] == "Không tìm thấy."
    not_allowed = client.put("/api/v1/session", json={})
    assert error_of(not_allowed, 405)["code"] == "method_not_allowed"
    assert "POST" in not_allowed.headers["Allow"]
    huge = client.post("/api/v1/session", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert error_of(huge, 413)["code"] == "too_large"
    assert error_of(client.post("/api/v1/session", data="{", content_type="application/json"), 400)
    assert error_of(client.post("/api/v1/session", data="a=b"), 415)
    assert "fields" in error_of(client.post("/api/v1/session", json={"username": 1.5}), 422)
    error_app.testing = False  # as in production: the crash is answered, not raised
    try:
        assert error_of(client.get("/api/v1/_crash"), 500)["code"] == "server_error"
        # Outside /api/, a client that asks for JSON gets JSON too.
        assert error_of(client.get("/nope", headers={"Accept": "application/json"}), 404)
    finally:
        error_app.testing = True


@pytest.mark.parametrize(
    ("method", "url", "status", "message"),
    [
        ("GET", "/no-such-page", 404, "Không tìm thấy."),
        ("GET", "/_forbidden", 403, "Bạn không có quyền xem hoặc sửa mục này."),
        ("GET", "/logout", 405, "Thao tác này không được hỗ trợ ở đây."),
        ("POST", "/login", 413, "Dữ liệu gửi lên quá lớn."),
        ("GET", "/_crash", 500, "Đã có lỗi ở máy chủ."),
    ],
)
def test_pages_get_vietnamese_error_pages(error_app, db, method, url, status, message):
    error_app.testing = False
    try:
        client = error_app.test_client()
        data = {"username": "a", "password": "x" * (1024 * 1024 + 10)} if status == 413 else None
        response = client.open(url, method=method, data=data)
    finally:
        error_app.testing = True
    assert response.status_code == status
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert '<html lang="vi">' in page
    assert message in page
    assert "Về trang chủ" in page
    assert "Traceback" not in page and "boom" not in page


def test_instance_secret_key_file_is_not_in_git():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    with open(os.path.join(root, ".gitignore")) as ignore:
        assert "instance/*" in ignore.read().split()
