"""Running as deployed: /healthz, metrics, request ids and logs, compression, deployment files,
and `flask init` from several servers at once. `make prod-check` tests the same behind nginx."""

import logging
import os
import shutil
import subprocess
import sys
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client import REGISTRY

from campaign import create_app
from campaign.deploy import FILES
from campaign.extensions import db as _db
from campaign.health import migration_heads
from campaign.request_log import logger as request_logger
from tests.conftest import base_config
from tests.test_limiter import REDIS_URL, limited_app, redis_client, usernames  # noqa: F401
from tests.test_visits_api import item, post

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"
CLOSED_PORT_PG = "postgresql://postgres@127.0.0.1:1/nothing?connect_timeout=2"


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def is_postgresql(url: str) -> bool:
    return url.startswith(("postgresql", "postgres:"))


@contextmanager
def fresh_database(database_url: str, tmp_path: Path):
    """An empty database of the suite's kind: a SQLite file, or a throwaway PostgreSQL one."""
    if not is_postgresql(database_url):
        yield f"sqlite:///{tmp_path}/fresh.sqlite3"
        return
    from tests.soak import throwaway_pg_database

    server = database_url.rsplit("/", 1)[0] + "/postgres"
    with throwaway_pg_database(server, f"prod_fresh_{os.getpid()}") as url:
        yield url


def flask_init(url: str, instance: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x" * 32, "PYTHONPATH": str(ROOT)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return subprocess.Popen(
        [str(FLASK), "--app", "campaign", "init"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def db_revisions(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


# ---- flask init from several servers at once --------------------------------------------------


def test_two_servers_running_init_at_once_both_succeed_and_one_migrates(database_url, tmp_path):
    if not is_postgresql(database_url):
        pytest.skip("the advisory lock is PostgreSQL's (SQLite is one server's file)")
    with fresh_database(database_url, tmp_path) as url:
        procs = [flask_init(url, tmp_path) for _ in range(2)]
        outputs = [p.communicate(timeout=300)[0] for p in procs]
        assert [p.returncode for p in procs] == [0, 0], outputs
        assert db_revisions(url) == set(migration_heads())
        # Exactly one loaded the areas; the other found them there.
        added = sorted("(0 added" in out for out in outputs)
        assert added == [False, True], outputs


# ---- /healthz ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def migrated_template(database_url, tmp_path_factory):
    """A database of the suite's kind that `flask init` made, once for the session."""
    tmp = tmp_path_factory.mktemp("migrated")
    if is_postgresql(database_url):
        from tests.soak import throwaway_pg_database

        server = database_url.rsplit("/", 1)[0] + "/postgres"
        database = throwaway_pg_database(server, f"prod_template_{os.getpid()}")
    else:
        database = nullcontext(f"sqlite:///{tmp}/template.sqlite3")
    with database as url:
        proc = flask_init(url, tmp)
        out = proc.communicate(timeout=300)[0]
        assert proc.returncode == 0, out
        yield url


@pytest.fixture
def migrated_url(migrated_template, tmp_path):
    """A copy of the database `flask init` made, for one test to change."""
    if not is_postgresql(migrated_template):
        template = Path(migrated_template.removeprefix("sqlite:///"))
        for suffix in ("", "-wal"):
            if Path(f"{template}{suffix}").exists():
                shutil.copyfile(f"{template}{suffix}", f"{tmp_path}/migrated.sqlite3{suffix}")
        yield f"sqlite:///{tmp_path}/migrated.sqlite3"
        return
    from tests.soak import pg_admin

    server, template = migrated_template.rsplit("/", 1)
    name = f"prod_migrated_{os.getpid()}"
    pg_admin(f"{server}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_admin(f"{server}/postgres", f"CREATE DATABASE {name} TEMPLATE {template}")
    try:
        yield f"{server}/{name}"
    finally:
        pg_admin(f"{server}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def health_app(url, **config):
    return create_app(base_config(url, **config))


def healthz(app):
    with app.app_context():
        response = app.test_client().get("/healthz?anything=1")
        _db.engine.dispose()
    return response


def test_healthz_is_200_when_database_and_migrations_hold(migrated_url):
    response = healthz(health_app(migrated_url))
    assert response.status_code == 200
    assert response.get_json() == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_checks_redis_when_configured(migrated_url):
    redis_client()
    response = healthz(health_app(migrated_url, RATELIMIT_STORAGE_URI=REDIS_URL))
    assert response.status_code == 200
    assert response.get_json()["checks"]["redis"] == "ok"


def test_healthz_is_503_naming_redis_when_it_does_not_answer(migrated_url):
    for setting in (
        {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:1/0"},
        {"REDIS_URL": "redis://127.0.0.1:1/0"},
    ):
        response = healthz(health_app(migrated_url, **setting))
        assert response.status_code == 503
        assert response.get_json()["failing"] == ["redis"]
        assert "127.0.0.1" not in response.get_data(as_text=True)  # no addresses, no error text


def test_healthz_is_503_naming_the_database_when_it_does_not_answer():
    response = healthz(health_app(CLOSED_PORT_PG))
    assert response.status_code == 503
    body = response.get_json()
    assert body["failing"] == ["database"] and body["checks"]["database"] == "unreachable"
    assert "postgres" not in response.get_data(as_text=True)


def test_healthz_is_503_naming_migrations_when_the_schema_is_behind(migrated_url):
    engine = sa.create_engine(migrated_url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'older'"))
    engine.dispose()
    response = healthz(health_app(migrated_url))
    assert response.status_code == 503
    assert response.get_json()["failing"] == ["migrations"]


def test_healthz_needs_no_login_and_is_never_throttled(app, client):
    with limited_app(app, "memory://", "health", RATELIMIT_DEFAULT="2 per minute") as limited:
        answers = {limited.test_client().get("/healthz").status_code for _ in range(5)}
    # Never 429 or a redirect to the sign-in page: the suite's database is stamped current.
    assert answers == {200}


# ---- request ids and logs ---------------------------------------------------------------------


@pytest.fixture
def request_lines():
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            lines.append(record.getMessage())

    handler = Keep()
    request_logger.addHandler(handler)
    yield lines
    request_logger.removeHandler(handler)


@pytest.fixture
def crash_app(app):
    crashing = create_app(base_config(app.config["SQLALCHEMY_DATABASE_URI"]))
    crashing.instance_path = app.instance_path

    @crashing.get("/_crash")
    def crash():
        raise RuntimeError("boom")

    @crashing.get("/api/v1/_crash")
    def api_crash():
        raise RuntimeError("boom")

    crashing.testing = False  # as in production: answered, not raised
    return crashing


def test_every_request_gets_an_id_in_its_header_and_one_log_line(client, request_lines):
    sent = client.get("/login", headers={"X-Request-ID": "nginx-abc12345"})
    made = client.get("/nothing-here", headers={"X-Request-ID": "bad id; DROP"})
    assert sent.headers["X-Request-ID"] == "nginx-abc12345"
    assert made.headers["X-Request-ID"] not in ("", "bad id; DROP")
    assert len(request_lines) == 2
    assert request_lines[0].startswith("nginx-abc12345 ") and " GET /login 200 " in request_lines[0]
    assert request_lines[1].startswith(made.headers["X-Request-ID"]) and " 404 " in request_lines[1]


def test_the_500_page_and_json_show_the_id_of_the_log_line(crash_app, request_lines):
    client = crash_app.test_client()
    page = client.get("/_crash")
    assert page.status_code == 500
    rid = page.headers["X-Request-ID"]
    assert rid in page.get_data(as_text=True) and "Mã lỗi" in page.get_data(as_text=True)
    api = client.get("/api/v1/_crash")
    assert api.status_code == 500
    assert api.get_json()["error"]["request_id"] == api.headers["X-Request-ID"]
    assert any(line.startswith(rid) and " 500 " in line for line in request_lines)


# ---- metrics ----------------------------------------------------------------------------------


def test_visits_are_counted_by_result_and_requests_by_route(field, auth, client, db):
    before = {s: metric("campaign_visits_total", result=s) for s in ("created", "duplicate", "invalid")}
    route_before = metric("campaign_http_requests_total", method="POST", route="/api/v1/visits", status="200")
    auth.api_login(field.volunteer)
    batch = [item(field, household=f"Số {n}") for n in range(3)]
    assert post(client, batch).status_code == 200
    assert post(client, [*batch[:2], item(field, outcome="nope")]).status_code == 200
    assert metric("campaign_visits_total", result="created") - before["created"] == 3
    assert metric("campaign_visits_total", result="duplicate") - before["duplicate"] == 2
    assert metric("campaign_visits_total", result="invalid") - before["invalid"] == 1
    after = metric("campaign_http_requests_total", method="POST", route="/api/v1/visits", status="200")
    assert after - route_before == 2
    # Routes are rules, never raw paths (one series per page, not per id).
    client.get(f"/hamlets/{field.hamlet.id}/households")
    routes = {s.labels["route"] for m in REGISTRY.collect() for s in m.samples if "route" in s.labels}
    assert "/hamlets/<int:hamlet_id>/households" in routes
    assert f"/hamlets/{field.hamlet.id}/households" not in routes


def test_automatic_flags_are_counted_once_stored(field, auth, client, db):
    before = metric("campaign_visit_auto_flags_total")
    auth.api_login(field.volunteer)
    implausible = field.campaign.max_plausible_residents + 5
    response = post(
        client,
        [item(field, residents=implausible, smartphones=1, already_installed=0, installs={"bluezone": 1})],
    )
    assert response.get_json()["results"][0]["status"] == "created"
    assert metric("campaign_visit_auto_flags_total") - before == 1


def test_logins_are_counted_by_result(field, auth):
    before = {r: metric("campaign_logins_total", result=r) for r in ("success", "failure")}
    assert auth.api_login(field.lead, "wrong password").status_code == 401
    assert auth.login(field.lead, "wrong password").status_code == 200
    assert auth.api_login(field.volunteer).status_code == 201
    assert metric("campaign_logins_total", result="success") - before["success"] == 1
    assert metric("campaign_logins_total", result="failure") - before["failure"] == 2


def test_throttled_logins_are_counted(app, usernames):  # noqa: F811 (the fixture)
    name = usernames()[0]
    before = metric("campaign_logins_total", result="throttled")
    with limited_app(app, "memory://", f"m{uuid.uuid4().hex[:6]}") as limited:
        client = limited.test_client()
        codes = [
            client.post("/api/v1/session", json={"username": name, "password": "wrong"}).status_code
            for _ in range(5)
        ]
    assert codes.count(429) == 2
    assert metric("campaign_logins_total", result="throttled") - before == 2


def test_metrics_page_serves_loopback_only_with_the_review_queue_age(field, auth, client, db):
    auth.api_login(field.volunteer)
    post(client, [item(field)])
    body = client.get("/metrics").get_data(as_text=True)
    assert "campaign_visits_total" in body and "campaign_http_request_seconds_bucket" in body
    age = next(
        line for line in body.splitlines() if line.startswith("campaign_oldest_unreviewed_visit_seconds ")
    )
    assert 0 <= float(age.split()[1]) < 600
    assert client.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 404
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code == 404


def test_metrics_sum_over_worker_processes(tmp_path):
    """Multiprocess mode: two processes count into one directory; one scrape sums them."""
    code = "from campaign import metrics; metrics.count_visits([{'status': 'created'}] * {n})"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    for n in (3, 4):
        subprocess.run([sys.executable, "-c", code.replace("{n}", str(n))], env=env, check=True)
    scrape = (
        "from prometheus_client import CollectorRegistry, multiprocess;"
        "r = CollectorRegistry(); multiprocess.MultiProcessCollector(r);"
        "print(r.get_sample_value('campaign_visits_total', {'result': 'created'}))"
    )
    out = subprocess.run([sys.executable, "-c", scrape], env=env, check=True, capture_output=True, text=True)
    assert float(out.stdout) == 7


# ---- compression ------------------------------------------------------------------------------


def test_text_is_compressed_once_and_small_or_binary_is_not(client):
    page = client.get("/login", headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in page.headers["Vary"]
    assert client.get("/login").headers.get("Content-Encoding") is None  # a client that asks for none
    small = client.get("/api/v1/csrf", headers={"Accept-Encoding": "gzip"})
    assert len(small.get_data()) < 500 and "Content-Encoding" not in small.headers
    png = client.get("/static/icons/icon-192.png", headers={"Accept-Encoding": "gzip, br"})
    assert png.status_code == 200 and "Content-Encoding" not in png.headers


def test_static_files_are_compressed_and_still_answer_304(client):
    headers = {"Accept-Encoding": "gzip, deflate, br"}
    first = client.get("/static/css/app.css", headers=headers)
    assert first.status_code == 200 and first.headers["Content-Encoding"] == "br"
    again = client.get("/static/css/app.css", headers={**headers, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""


def test_static_urls_carry_the_file_version_but_modules_do_not(app):
    with app.test_request_context():
        from flask import url_for

        css = url_for("static", filename="css/app.css")
        js = url_for("static", filename="js/app.js")
    assert "?v=" in css and "?v=" not in js
    page = app.test_client().get("/login").get_data(as_text=True)
    assert css in page


# ---- deployment files -------------------------------------------------------------------------


def test_deploy_files_are_written_for_a_site(runner, app, tmp_path):
    result = runner.invoke(
        args=[
            "deploy-files",
            "--out",
            str(tmp_path),
            "--domain",
            "cd.example.vn",
            "--upstream",
            "10.0.0.5:8000",
            "--upstream",
            "10.0.0.6:8000",
        ]
    )
    assert result.exit_code == 0, result.output
    written = {p.name: p.read_text() for p in tmp_path.iterdir()}
    assert set(written) == set(FILES.values())
    assert not any("{{" in text for text in written.values())
    nginx = written["nginx-campaign.conf"]
    assert f"client_max_body_size {app.config['MAX_CONTENT_LENGTH']};" in nginx
    assert "server_name cd.example.vn;" in nginx and "server 10.0.0.6:8000" in nginx
    assert "gzip off;" in nginx and "Strict-Transport-Security" not in nginx
    assert "location = /metrics" in nginx
    assert (tmp_path / "campaign.env").stat().st_mode & 0o077 == 0  # the secret key


def test_systemd_units_verify(runner, tmp_path):
    if not shutil.which("systemd-analyze"):
        # .ci/run installs it: in CI a missing tool is a failure, not a quiet skip.
        assert os.environ.get("CI") != "true", "systemd-analyze is not installed (apt-get install systemd)"
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    venv = str(Path(sys.executable).parent.parent)
    result = runner.invoke(
        args=[
            "deploy-files",
            "--out",
            str(tmp_path),
            "--domain",
            "cd.example.vn",
            "--app-dir",
            str(ROOT),
            "--venv",
            venv,
            "--user",
            "root",
        ]
    )
    assert result.exit_code == 0, result.output
    units = sorted(str(p) for p in tmp_path.iterdir() if p.suffix in (".service", ".timer"))
    check = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
