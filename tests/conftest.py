"""Fixtures: an app on SQLite (or $CAMPAIGN_TEST_DATABASE_URL), a clean database per test,
factories for the domain objects, and a login helper."""

import os
import uuid
from datetime import UTC, date, datetime, timedelta
from functools import cache

import flask_migrate
import pytest
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from campaign import create_app
from campaign.areas.models import Hamlet, HamletKind, Province, Ward
from campaign.areas.services import load_official_areas
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, CampaignApp, OrgKind, Team, TeamHamlet
from campaign.extensions import db as _db

PASSWORD = "đúng-mật-khẩu-dài"
CAN_THO, HA_NOI = 92, 1
# Two wards of Cần Thơ and one of Hà Nội, from the official list.
NINH_KIEU, CAI_KHE = 31135, 31120


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("CAMPAIGN_TEST_DATABASE_URL")
    if url:
        return url
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def base_config(url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        **overrides,
    }


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    return test_database_url(tmp_path_factory)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    app = create_app(base_config(database_url))
    app.instance_path = str(tmp_path_factory.mktemp("instance"))
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        load_official_areas()
        _db.session.commit()
        # The models are the migrations' schema (test_migrations.py checks it): say so, as
        # `flask init` would, so that /healthz answers for the suite's database as it does live.
        flask_migrate.stamp()
    return app


# Tables the per-test cleanup leaves alone: the official areas are loaded once per session.
KEEP_TABLES = {"province", "ward", "alembic_version"}


@pytest.fixture(autouse=True)
def db(app):
    """The database, empty but for the official areas, inside an app context."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        with _db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(f'"{t.name}"' for t in tables)
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.execute(table.delete())
            conn.execute(sa.update(Province).values(population_official=None))
            conn.execute(sa.update(Ward).values(population_official=None))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@cache
def password_hash() -> str:
    """A cheap hash for the fixtures' users: the suite signs in hundreds of times, and scrypt
    costs ~0.26 s per check. What the app stores is tested on its own (test_passwords.py)."""
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(role=Role.VOLUNTEER, *, ward=None, province=None, team=None, username=None, active=True):
        n = next(counter)
        user = User(
            username=username or f"{role.value}{n}",
            display_name=f"{role.value.title()} {n}",
            role=role,
            ward_code=ward,
            province_code=province,
            team_id=team.id if isinstance(team, Team) else team,
            password_hash=password_hash(),
            active=active,
        )
        db.session.add(user)
        db.session.commit()
        return user

    return make


@pytest.fixture
def make_campaign(db):
    def make(province=CAN_THO, *, start=None, deadline=None, target=0.30, apps=("bluezone", "ncovi"), **kw):
        start = start or date.today() - timedelta(days=20)
        campaign = Campaign(
            name=kw.pop("name", "Chiến dịch thử"),
            province_code=province,
            start_date=start,
            deadline=deadline or start + timedelta(days=35),
            target_rate=target,
            **kw,
        )
        campaign.apps = [
            CampaignApp(code=code, name=code.upper() if code == "ncovi" else code.title(), position=i)
            for i, code in enumerate(apps)
        ]
        db.session.add(campaign)
        db.session.commit()
        return campaign

    return make


@pytest.fixture
def make_hamlet(db):
    counter = iter(range(1, 10_000))

    def make(ward=NINH_KIEU, *, name=None, households=100, population=400, lat=None, lon=None):
        hamlet = Hamlet(
            ward_code=ward,
            name=name or f"Khu vực {next(counter)}",
            kind=HamletKind.KHU_PHO,
            households=households,
            population=population,
            lat=lat,
            lon=lon,
        )
        db.session.add(hamlet)
        db.session.commit()
        return hamlet

    return make


@pytest.fixture
def make_team(db):
    counter = iter(range(1, 10_000))

    def make(ward=NINH_KIEU, *, campaign=None, hamlets=(), org_kind=OrgKind.YOUTH_UNION):
        team = Team(ward_code=ward, name=f"Đội {next(counter)}", org_kind=org_kind)
        db.session.add(team)
        db.session.flush()
        for hamlet in hamlets:
            db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
        db.session.commit()
        return team

    return make


@pytest.fixture
def field(make_campaign, make_hamlet, make_team, make_user):
    """A small field: a Cần Thơ campaign, two wards, a team per ward, and one user per role.

    `field.volunteer` logs in Ninh Kiều's hamlet; `field.other_*` belong elsewhere.
    """

    class Field:
        pass

    f = Field()
    f.campaign = make_campaign()
    f.hamlet = make_hamlet(NINH_KIEU, households=100, population=400)
    f.other_hamlet = make_hamlet(CAI_KHE, households=80, population=300)
    f.team = make_team(NINH_KIEU, campaign=f.campaign, hamlets=[f.hamlet])
    f.other_team = make_team(CAI_KHE, campaign=f.campaign, hamlets=[f.other_hamlet])
    f.volunteer = make_user(Role.VOLUNTEER, team=f.team)
    f.other_volunteer = make_user(Role.VOLUNTEER, team=f.other_team)
    f.lead = make_user(Role.LEAD, ward=NINH_KIEU)
    f.other_lead = make_user(Role.LEAD, ward=CAI_KHE)
    f.coordinator = make_user(Role.COORDINATOR, province=CAN_THO)
    f.other_coordinator = make_user(Role.COORDINATOR, province=HA_NOI)
    f.admin = make_user(Role.ADMIN)
    return f


def store_visit(
    campaign,
    hamlet,
    volunteer=None,
    *,
    label="Số 1",
    at=None,
    outcome="installed",
    residents=4,
    smartphones=3,
    already=1,
    installs=None,
    lat=None,
    lon=None,
    note=None,
    corrects=None,
    site_kind="household",
    status=None,
):
    """A visit stored the one way the app stores visits: `submit_visits`, with its rules, its
    summary and its automatic checks; the stored Visit. `installs` by app code (default: one
    of the campaign's first app). `status` then sets a review decision as a review does (inside
    totals.tracking). Without a `volunteer`, one of the team that covers the hamlet logs it."""
    from campaign.coverage import totals
    from campaign.visits.models import Visit
    from campaign.visits.services import submit_visits

    at = at or datetime.now(UTC) - timedelta(hours=1)
    item = {
        "client_id": str(uuid.uuid4()),
        "campaign_id": campaign.id,
        "hamlet_id": hamlet.id,
        "household": label,
        "site_kind": str(site_kind),
        "outcome": str(outcome),
        "residents": residents,
        "smartphones": smartphones,
        "already_installed": already,
        "installs": {campaign.apps[0].code: 1} if installs is None else installs,
        "visited_at": at.isoformat(),
        "lat": lat,
        "lon": lon,
        "note": note,
        "corrects": corrects.client_id if corrects is not None else None,
    }
    volunteer = volunteer or _team_volunteer(campaign, hamlet)
    # Received when it was made (or now), so that a test's chosen day is no "future".
    result = submit_visits(volunteer, [item], now=max(datetime.now(UTC), at))[0]
    assert result["status"] == "created", result
    visit = _db.session.scalar(sa.select(Visit).where(Visit.client_id == item["client_id"]))
    if status is not None and status != visit.review_status:
        with totals.tracking(visit.campaign_id, [visit.household_id]):
            visit.review_status = status
    _db.session.commit()
    return visit


def _team_volunteer(campaign, hamlet) -> User:
    """A volunteer of the team that covers this hamlet in this campaign (made if need be)."""
    team_id = _db.session.scalar(
        sa.select(TeamHamlet.team_id).where(
            TeamHamlet.campaign_id == campaign.id, TeamHamlet.hamlet_id == hamlet.id
        )
    )
    if team_id is None:
        team = Team(ward_code=hamlet.ward_code, name=f"Đội ghi {hamlet.id}", org_kind=OrgKind.YOUTH_UNION)
        _db.session.add(team)
        _db.session.flush()
        _db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
        team_id = team.id
    username = f"ghi-{team_id}"
    user = _db.session.scalar(sa.select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            display_name=f"Người ghi {team_id}",
            role=Role.VOLUNTEER,
            team_id=team_id,
            password_hash=password_hash(),
        )
        _db.session.add(user)
        _db.session.flush()
    return user


@pytest.fixture
def make_visit(db):
    return store_visit


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, user_or_name, password=PASSWORD):
        username = getattr(user_or_name, "username", user_or_name)
        return self.client.post("/login", data={"username": username, "password": password})

    def api_login(self, user_or_name, password=PASSWORD):
        username = getattr(user_or_name, "username", user_or_name)
        return self.client.post("/api/v1/session", json={"username": username, "password": password})

    def logout(self):
        return self.client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture(scope="session")
def csrf_app(app):
    """The same database, with CSRF protection on, as in production."""
    csrf_app = create_app(base_config(app.config["SQLALCHEMY_DATABASE_URI"], WTF_CSRF_ENABLED=True))
    csrf_app.instance_path = app.instance_path
    return csrf_app


@pytest.fixture
def csrf_client(csrf_app):
    """A client that fetches a CSRF token and sends it in the X-CSRFToken header, like the phone."""
    client = csrf_app.test_client()

    class CsrfClient:
        def __getattr__(self, name):
            return getattr(client, name)

        def token(self):
            return client.get("/api/v1/csrf").get_json()["csrf_token"]

        def _send(self, method, url, **kwargs):
            headers = dict(kwargs.pop("headers", {}) or {})
            headers.setdefault("X-CSRFToken", self.token())
            return client.open(url, method=method, headers=headers, **kwargs)

        def post(self, url, **kwargs):
            return self._send("POST", url, **kwargs)

        def delete(self, url, **kwargs):
            return self._send("DELETE", url, **kwargs)

    with csrf_app.app_context():
        yield CsrfClient()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server(app):
    """`gunicorn wsgi:app` (2 workers, production config) on a free port, on the test database."""
    import subprocess
    import sys
    import time
    import urllib.request
    from pathlib import Path

    port = free_port()
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "SECRET_KEY": "live-server-secret",
    }
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = open(Path(app.instance_path) / "gunicorn.log", "w+b")  # noqa: SIM115 (lives as long as the server)
    process = subprocess.Popen(
        [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=root,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/login", timeout=2)
            break
        except OSError as error:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log.seek(0)
                raise RuntimeError("gunicorn did not start: " + log.read().decode()[-2000:]) from error
            time.sleep(0.2)
    yield url
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def scratch_postgres_url():
    """A new, empty PostgreSQL database beside the suite's (named after it), dropped afterwards.
    Skips unless the suite runs on PostgreSQL."""
    import uuid

    suite_url = os.environ.get("CAMPAIGN_TEST_DATABASE_URL", "")
    if not suite_url.startswith("postgres"):
        pytest.skip("runs in the PostgreSQL pass (CAMPAIGN_TEST_DATABASE_URL)")
    url = sa.engine.make_url(suite_url.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"{url.database}_{uuid.uuid4().hex[:8]}"
    server = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()
