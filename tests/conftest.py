"""Fixtures: an app on SQLite (or $CAMPAIGN_TEST_DATABASE_URL), a clean database per test,
factories for the domain objects, and a login helper.

Import what this module offers as `from tests.conftest import ...` (tests/ is a package)."""

import copy
import importlib
import importlib.abc
import importlib.util
import os
import shutil
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

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
from campaign.i18n import VN_TZ

PASSWORD = "đúng-mật-khẩu-dài"
CAN_THO, HA_NOI = 92, 1
# Two wards of Cần Thơ and one of Hà Nội, from the official list.
NINH_KIEU, CAI_KHE = 31135, 31120
# What the suite stores passwords with: scrypt costs ~0.26 s per hash or check, and the suite
# signs in hundreds of times. A test marked `real_scrypt` gets the app's own method.
CHEAP_HASH = "pbkdf2:sha256:1"


# Nothing the suite writes needs to survive a power cut, and every commit used to wait for a
# disk flush (~5 ms here): PostgreSQL sessions (the suite's, gunicorn's, `flask` subprocesses'
# through libpq) commit without waiting, and temporary files (SQLite databases) live in RAM.
os.environ["PGOPTIONS"] = f"{os.environ.get('PGOPTIONS', '')} -c synchronous_commit=off".strip()
RAM = Path("/dev/shm")
RAM_BASETEMP = pytest.StashKey[str]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    if config.option.basetemp is None and RAM.is_dir() and os.access(RAM, os.W_OK):
        config.option.basetemp = tempfile.mkdtemp(prefix="campaign-tests-", dir=RAM)
        config.stash[RAM_BASETEMP] = config.option.basetemp


def pytest_unconfigure(config):
    if basetemp := config.stash.get(RAM_BASETEMP, None):
        shutil.rmtree(basetemp, ignore_errors=True)


def test_database_url(tmp_path_factory) -> str:
    url = os.environ.get("CAMPAIGN_TEST_DATABASE_URL")
    if url:
        return worker_database(url)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


def worker_database(url: str) -> str:
    """Under pytest-xdist (`make test` runs a worker per core) each worker gets a database of its
    own beside the named one, `<name>_gw0` and so on, made anew: every test empties the tables
    it wrote to, so two workers must never share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    named = sa.engine.make_url(url)
    name = f"{named.database}_{worker}"
    server = sa.create_engine(
        named.set(drivername="postgresql+psycopg", database="postgres"), isolation_level="AUTOCOMMIT"
    )
    with server.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    server.dispose()
    return named.set(database=name).render_as_string(hide_password=False)


def base_config(url: str, **overrides) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
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


class Cleanup:
    """Empties what a test left behind, and only that: one query asks which tables hold rows
    (and, on PostgreSQL, which id sequences moved), then those are emptied and restarted. The
    database ends as TRUNCATE … RESTART IDENTITY left it, whoever wrote (this process, gunicorn or
    a subprocess), at the cost of one query for a test that wrote nothing."""

    def __init__(self, engine):
        self.dialect = engine.dialect
        self.tables = [t for t in reversed(_db.metadata.sorted_tables) if t.name not in KEEP_TABLES]
        columns = [
            sa.exists().where(Province.population_official.is_not(None)),
            sa.exists().where(Ward.population_official.is_not(None)),
            *(sa.exists().select_from(t) for t in self.tables),
        ]
        self.sequences = {}  # name in pg_sequences: qualified name
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                for table in self.tables:
                    for column in table.primary_key.columns:
                        name = conn.scalar(sa.select(sa.func.pg_get_serial_sequence(table.name, column.name)))
                        if name:
                            self.sequences[name.split(".")[-1].strip('"')] = name
            names = ", ".join(f"'{name}'" for name in self.sequences)
            columns.append(
                sa.literal_column(
                    "(SELECT coalesce(array_agg(sequencename::text), '{}') FROM pg_sequences WHERE "
                    f"schemaname = current_schema() AND last_value IS NOT NULL AND sequencename IN ({names}))"
                )
            )
        self.probe = sa.select(*columns)

    def state(self, conn) -> tuple[bool, bool, list, list]:
        """Whether provinces and wards have populations set, the tables that hold rows, and the
        id sequences that moved (PostgreSQL)."""
        row = conn.execute(self.probe).one()
        holding = row[2 : 2 + len(self.tables)]
        tables = [table for table, any_row in zip(self.tables, holding, strict=True) if any_row]
        moved = list(row[-1]) if self.sequences else []
        return row[0], row[1], tables, moved

    def is_clean(self, conn) -> bool:
        provinces, wards, tables, moved = self.state(conn)
        return not (provinces or wards or tables or moved)

    def run(self, conn, statements: list) -> None:
        """The statements in one round trip on PostgreSQL (none has parameters)."""
        if self.dialect.name == "postgresql" and statements:
            conn.exec_driver_sql(
                ";\n".join(
                    str(statement.compile(dialect=self.dialect, compile_kwargs={"literal_binds": True}))
                    for statement in statements
                )
            )
        else:
            for statement in statements:
                conn.execute(statement)

    def __call__(self, engine) -> None:
        for attempt in range(4):
            try:
                self._empty(engine, everything=attempt > 0)
                return
            except (sa.exc.IntegrityError, sa.exc.OperationalError):
                # A server still writing (a phone's late send) added a row after the probe
                # looked, referencing one being deleted, or deadlocked with the deletes
                # (PostgreSQL): wait for it, then empty every table.
                if attempt == 3:
                    raise
                time.sleep(0.2)

    def _empty(self, engine, everything: bool) -> None:
        with engine.begin() as conn:
            provinces, wards, tables, moved = self.state(conn)
            if everything:
                tables, moved = self.tables, list(self.sequences)
            statements = [table.delete() for table in tables]
            if provinces:
                statements.append(sa.update(Province).values(population_official=None))
            if wards:
                statements.append(sa.update(Ward).values(population_official=None))
            statements += self.setval({self.sequences[name]: (1, False) for name in moved})
            self.run(conn, statements)

    @staticmethod
    def setval(values: dict) -> list:
        """One SELECT that sets these sequences (qualified name: (last_value, is_called))."""
        if not values:
            return []
        calls = ", ".join(
            f"setval('{name}', {int(last)}, {'true' if called else 'false'})"
            for name, (last, called) in values.items()
        )
        return [sa.text(f"SELECT {calls}")]


class Snapshot:
    """Every row a world wrote (the official areas' populations included), the id sequences and
    the factories' numbers, taken once and put back into an empty database by plain INSERTs."""

    def __init__(self, cleanup: "Cleanup", conn, counters: "Counters"):
        self.cleanup = cleanup
        provinces, wards, tables, _moved = cleanup.state(conn)
        self.rows = {
            table: [
                dict(row) for row in conn.execute(sa.select(table).order_by(*table.primary_key)).mappings()
            ]
            for table in reversed(tables)  # parents first
        }
        self.populations = [
            sa.update(model).where(model.code == code).values(population_official=population)
            for model, wanted in ((Province, provinces), (Ward, wards))
            if wanted
            for code, population in conn.execute(
                sa.select(model.code, model.population_official).where(model.population_official.is_not(None))
            )
        ]
        self.sequences = {}
        for name in cleanup.sequences.values():
            last_value, is_called = conn.execute(sa.text(f"SELECT last_value, is_called FROM {name}")).one()
            if is_called:
                self.sequences[name] = (last_value, is_called)
        self.counters = dict(counters.next)

    def restore(self, conn, counters: "Counters") -> None:
        for table, rows in self.rows.items():
            conn.execute(table.insert(), rows)
        self.cleanup.run(conn, [*self.populations, *self.cleanup.setval(self.sequences)])
        counters.next = dict(self.counters)


@dataclass(frozen=True)
class _Stored:
    """A row of a cached world, found again by its class and primary key."""

    model: type
    identity: tuple


def _freeze(value):
    """A cached world's value with its model instances replaced by `_Stored` keys."""
    state = sa.inspect(value, raiseerr=False)
    if isinstance(state, sa.orm.InstanceState):
        if state.identity is None:
            raise TypeError(f"a cached world holds {value!r}, which is not stored")
        return _Stored(state.class_, state.identity)
    if isinstance(value, dict):
        return {key: _freeze(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_freeze(item) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if _holds_rows(value):
        frozen = copy.copy(value)
        for name, item in vars(value).items():
            setattr(frozen, name, _freeze(item))
        return frozen
    return value


def _thaw(value, session):
    if isinstance(value, _Stored):
        return _stored_instance(session, value)
    if isinstance(value, dict):
        return {key: _thaw(item, session) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_thaw(item, session) for item in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)
    if _holds_rows(value):
        thawed = copy.copy(value)
        for name, item in vars(value).items():
            setattr(thawed, name, _thaw(item, session))
        return thawed
    return value


def _stored_instance(session, stored: _Stored):
    """The session's instance of a stored row, made from its key alone with nothing loaded (no
    query): every other attribute loads on first use, as after a commit."""
    key = session.identity_key(stored.model, stored.identity)
    if (instance := session.identity_map.get(key)) is not None:
        return instance
    mapper = sa.inspect(stored.model)
    instance = mapper.class_manager.new_instance()
    for column, value in zip(mapper.primary_key, stored.identity, strict=True):
        setattr(instance, mapper.get_property_by_column(column).key, value)
    sa.orm.make_transient_to_detached(instance)
    session.add(instance)
    return instance


def _holds_rows(value) -> bool:
    """An object of the tests' own classes (a World, a Field), whose attributes may be rows."""
    return (
        hasattr(value, "__dict__")
        and not isinstance(value, type)
        and type(value).__module__.startswith("tests.")
    )


@pytest.fixture(scope="session")
def _worlds() -> dict:
    return {}


@pytest.fixture
def cached_world(db, _cleanup, _worlds, factory_counters):
    """`cached_world(name, build)`: what `build()` returns, with the rows it wrote. The first
    test that asks builds it and keeps a Snapshot of the database; the next ones get the same
    rows by plain INSERTs, and the same objects (by key, expired as after a commit).

    Only where the test's database is still empty (else `build()` runs, and nothing is kept), and
    for one local day (a world's "today" stays today). `build()` returns model instances, lists,
    dicts, tuples and objects of the tests' own classes of these; nothing else it made survives."""

    def world(name: str, build):
        key = (name, date.today(), datetime.now(VN_TZ).date())
        with db.engine.connect() as conn:
            clean = _cleanup.is_clean(conn)
        if clean and key in _worlds:
            snapshot, frozen = _worlds[key]
            with db.engine.begin() as conn:
                snapshot.restore(conn, factory_counters)
            value = _thaw(frozen, db.session)
            db.session.commit()  # the objects are expired, as the build's last commit left them
            return value
        value = build()
        db.session.commit()
        if clean:
            with db.engine.connect() as conn:
                _worlds[key] = (Snapshot(_cleanup, conn, factory_counters), _freeze(value))
        return value

    return world


@pytest.fixture(scope="session")
def _cleanup(app):
    with app.app_context():
        return Cleanup(_db.engine)


@pytest.fixture(autouse=True)
def db(app, _cleanup):
    """The database, empty but for the official areas, inside an app context."""
    with app.app_context():
        yield _db
        _db.session.rollback()
        _db.session.remove()
        _cleanup(_db.engine)


@pytest.fixture(autouse=True)
def _password_hashing(request, app, monkeypatch):
    """`@pytest.mark.real_scrypt`: the suite's app stores passwords as deployed."""
    if request.node.get_closest_marker("real_scrypt"):
        from campaign.config import Config

        monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", Config.PASSWORD_HASH_METHOD)


@pytest.fixture(autouse=True)
def _fresh_metrics():
    """The app's metrics by route and result start each test empty, as in a new process: /metrics
    lists what this test asked, not every route the session has seen (it grew with the suite)."""
    from prometheus_client.metrics import MetricWrapperBase

    from campaign import metrics

    for value in vars(metrics).values():
        if isinstance(value, MetricWrapperBase):
            with suppress(ValueError):  # one without labels has no series to drop
                value.clear()


@pytest.fixture(autouse=True)
def _limiter_as_it_was():
    """Flask-Limiter's limiter is one object for the process, and an app a test makes (with
    throttling on) configures it for every app: each test leaves it as it found it."""
    from campaign.extensions import limiter

    saved = dict(vars(limiter))
    yield
    vars(limiter).clear()
    vars(limiter).update(saved)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@cache
def password_hash() -> str:
    """The fixtures' users' hash (CHEAP_HASH). What the app stores is tested on its own
    (test_passwords.py, marked real_scrypt)."""
    return generate_password_hash(PASSWORD, method=CHEAP_HASH)


class Counters:
    """The numbers the factories give what they make ("volunteer3", "Khu vực 2", "Đội 1"), one
    sequence per kind for the test; a cached world (`cached_world`) brings back where they were."""

    def __init__(self):
        self.next: dict[str, int] = {}

    def __call__(self, kind: str) -> int:
        n = self.next.get(kind, 1)
        self.next[kind] = n + 1
        return n


@pytest.fixture
def factory_counters():
    return Counters()


@pytest.fixture
def make_user(db, factory_counters):
    def make(role=Role.VOLUNTEER, *, ward=None, province=None, team=None, username=None, active=True):
        n = factory_counters("user")
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
def make_hamlet(db, factory_counters):
    def make(ward=NINH_KIEU, *, name=None, households=100, population=400, lat=None, lon=None):
        hamlet = Hamlet(
            ward_code=ward,
            name=name or f"Khu vực {factory_counters('hamlet')}",
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
def make_team(db, factory_counters):
    def make(ward=NINH_KIEU, *, campaign=None, hamlets=(), org_kind=OrgKind.YOUTH_UNION):
        team = Team(ward_code=ward, name=f"Đội {factory_counters('team')}", org_kind=org_kind)
        db.session.add(team)
        db.session.flush()
        for hamlet in hamlets:
            db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
        db.session.commit()
        return team

    return make


class Field:
    pass


@pytest.fixture
def field(cached_world, make_campaign, make_hamlet, make_team, make_user):
    """A small field: a Cần Thơ campaign, two wards, a team per ward, and one user per role.

    `field.volunteer` logs in Ninh Kiều's hamlet; `field.other_*` belong elsewhere.
    """
    return cached_world("field", lambda: build_field(make_campaign, make_hamlet, make_team, make_user))


def build_field(make_campaign, make_hamlet, make_team, make_user) -> Field:
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


@contextmanager
def gunicorn(app, settings: dict):
    """`gunicorn wsgi:app` (2 workers, production config) on a free port, on the test database,
    with `settings` in its environment (and none of the phone's settings a test may have put in
    this process's environment); yields its URL. Its log is instance/gunicorn.log (without
    settings) or instance/gunicorn-<port>.log.

    Unless `settings` say otherwise, a saved visit is sent at once, not after the 5 s undo window
    that every form save would wait for. The tests of the undo serve the form with their own
    window (`undo_window` in test_browser_screens.py)."""
    import subprocess
    import time
    import urllib.request

    port = free_port()
    root = Path(__file__).resolve().parent.parent
    env = {name: value for name, value in os.environ.items() if not name.startswith("CLIENT_")}
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        SECRET_KEY="live-server-secret",
        **{name: str(value) for name, value in {"CLIENT_UNDO_MS": 1, **settings}.items()},
    )
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    name = f"gunicorn-{port}.log" if settings else "gunicorn.log"
    with open(Path(app.instance_path) / name, "w+b") as log:
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
        try:
            yield url
        finally:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def live_server_with(app):
    """`live_server_with({"CLIENT_TIMEOUT_MS": 4000})`: the URL of a gunicorn started with these
    settings in its environment, one per set of settings for the whole session."""
    from contextlib import ExitStack

    servers: dict = {}
    with ExitStack() as stack:

        def start(settings: dict | None = None) -> str:
            key = tuple(sorted((settings or {}).items()))
            if key not in servers:
                servers[key] = stack.enter_context(gunicorn(app, dict(key)))
            return servers[key]

        yield start


@pytest.fixture(scope="session")
def live_server(live_server_with):
    """`gunicorn wsgi:app` (2 workers, production config) on a free port, on the test database."""
    return live_server_with()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's, through Playwright) for a test module. Each test opens its
    own context in it (`browser.new_context()`): cookies, storage, caches and service workers
    of one test are never seen by another."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing; .ci/run installs it")
        pytest.skip(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


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


class _TopLevelNames(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Test files written before tests/ was a package import `conftest`, `review_helpers` or
    `test_visits_api` at the top level: they get the very module `tests.<name>`, not a second
    copy of it (a loader may put another module in its place in sys.modules)."""

    def find_spec(self, name, path, target=None):
        if path is None and name != "__init__" and (Path(__file__).parent / f"{name}.py").is_file():
            return importlib.util.spec_from_loader(name, self)
        return None

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        sys.modules[module.__name__] = importlib.import_module(f"tests.{module.__name__}")


sys.meta_path.append(_TopLevelNames())
