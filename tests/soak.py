"""`make soak`: load and faults against gunicorn (4 workers) on SQLite, then on PostgreSQL.

64 simulated volunteers send SOAK_VISITS visits (default 20,000) in single posts and batches;
one request in ten replays an earlier batch. Mid-run one worker is killed with SIGKILL; clients
retry connection errors and 5xx with backoff. At the end: every visit stored exactly once,
no 5xx left unretried, `check-totals` clean. Traffic goes to 127.0.0.1 only, bounded in count
and time (SOAK_TIMEOUT seconds, default 900). PostgreSQL: SOAK_PG_URL (a server URL; the script
creates and drops the database test_soak_run on it); SOAK_DBS=sqlite,postgresql picks the runs.
"""

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import requests
import sqlalchemy as sa
from werkzeug.security import generate_password_hash

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
VOLUNTEERS = 64
WORKERS = 4
PASSWORD = "soak-mật-khẩu-dài-đủ"
VN = timezone(timedelta(hours=7))
PG_DB = "test_soak_run"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


TOTAL = env_int("SOAK_VISITS", 20_000)
TIMEOUT = env_int("SOAK_TIMEOUT", 900)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_env(db_url: str) -> dict:
    return {**os.environ, "DATABASE_URL": db_url, "SECRET_KEY": "soak-secret-key", "PYTHONPATH": str(ROOT)}


def prepare(db_url: str) -> tuple[int, list[int], list[str]]:
    """Schema, official areas, a campaign, hamlets, a team and 64 volunteers."""
    subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "campaign", "init"], env=run_env(db_url), cwd=ROOT, check=True
    )
    from campaign import create_app
    from campaign.areas.models import Hamlet, HamletKind
    from campaign.auth.models import Role, User
    from campaign.campaigns.models import Campaign, CampaignApp, OrgKind, Team, TeamHamlet
    from campaign.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "SECRET_KEY": "soak-secret-key"})
    with app.app_context():
        start = date.today() - timedelta(days=20)
        campaign = Campaign(
            name="Soak",
            province_code=92,
            start_date=start,
            deadline=start + timedelta(days=40),
            target_rate=0.3,
        )
        campaign.apps = [
            CampaignApp(code="bluezone", name="Bluezone", position=0),
            CampaignApp(code="ncovi", name="NCOVI", position=1),
        ]
        db.session.add(campaign)
        hamlets = [
            Hamlet(
                ward_code=31135,
                name=f"Khu vực {n}",
                kind=HamletKind.KHU_PHO,
                households=2000,
                population=8000,
            )
            for n in range(1, 9)
        ]
        db.session.add_all(hamlets)
        team = Team(ward_code=31135, name="Đội soak", org_kind=OrgKind.YOUTH_UNION)
        db.session.add(team)
        db.session.flush()
        for hamlet in hamlets:
            db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
        pw_hash = generate_password_hash(PASSWORD, method="scrypt")
        names = [f"soak{i}" for i in range(1, VOLUNTEERS + 1)]
        for name in names:
            db.session.add(
                User(
                    username=name,
                    display_name=name,
                    role=Role.VOLUNTEER,
                    team_id=team.id,
                    password_hash=pw_hash,
                )
            )
        db.session.commit()
        ids = (campaign.id, [h.id for h in hamlets])
        db.engine.dispose()
    return ids[0], ids[1], names


def children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.sent_ids: set[str] = set()
        self.latencies: list[float] = []
        self.requests = 0
        self.replays = 0
        self.errors_5xx = 0
        self.conn_errors = 0
        self.unretried = 0
        self.bad_results: list = []
        self.visits_done = 0


class Volunteer(threading.Thread):
    def __init__(self, base, username, quota, campaign_id, hamlet_ids, stats, deadline, seed):
        super().__init__(daemon=True)
        self.base, self.username, self.quota = base, username, quota
        self.campaign_id, self.hamlet_ids = campaign_id, hamlet_ids
        self.stats, self.deadline = stats, deadline
        self.rng = random.Random(seed)
        self.http = requests.Session()
        self.batches: list[list[dict]] = []
        self.error: str | None = None
        self.house = 0

    def call(self, method, path, **kw):
        """One request, retried on connection errors and 5xx with backoff until it answers."""
        delay = 0.05
        while True:
            if time.monotonic() > self.deadline:
                with self.stats.lock:
                    self.stats.unretried += 1
                raise TimeoutError("global timeout")
            t0 = time.perf_counter()
            try:
                resp = self.http.request(method, self.base + path, timeout=30, **kw)
            # A worker killed mid-answer cuts the body (ChunkedEncodingError): a phone resends.
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError):
                with self.stats.lock:
                    self.stats.conn_errors += 1
            else:
                if resp.status_code < 500:
                    return resp, time.perf_counter() - t0
                with self.stats.lock:
                    self.stats.errors_5xx += 1
            time.sleep(delay * (0.5 + self.rng.random()))
            delay = min(delay * 2, 2.0)

    def csrf(self) -> str:
        resp, _ = self.call("GET", "/api/v1/csrf")
        return resp.json()["csrf_token"]

    def login(self):
        token = self.csrf()
        resp, _ = self.call(
            "POST",
            "/api/v1/session",
            json={"username": self.username, "password": PASSWORD},
            headers={"X-CSRFToken": token},
        )
        if resp.status_code != 201:
            raise RuntimeError(f"login {self.username}: {resp.status_code} {resp.text[:200]}")

    def visit(self) -> dict:
        rng = self.rng
        self.house += 1
        residents = rng.randint(1, 6)
        smartphones = rng.randint(0, residents)
        already = rng.randint(0, smartphones)
        installs = rng.randint(0, smartphones - already)
        if installs:
            outcome = "installed"
        elif already:
            outcome = "already_installed"
        else:
            outcome = rng.choice(["refused", "not_home", "no_smartphone", "come_back_later"])
        visited = datetime.now(UTC) - timedelta(minutes=rng.randint(1, 60 * 24 * 10))
        return {
            "client_id": str(uuid.uuid4()),
            "campaign_id": self.campaign_id,
            "hamlet_id": rng.choice(self.hamlet_ids),
            "household": f"Số {self.username[4:]}/{self.house}",
            "site_kind": "household",
            "outcome": outcome,
            "residents": residents,
            "smartphones": smartphones,
            "already_installed": already,
            "installs": {"bluezone": installs} if installs else {},
            "visited_at": visited.astimezone(VN).isoformat(timespec="seconds"),
        }

    def post(self, items: list[dict], replay: bool):
        token = self.csrf()
        resp, seconds = self.call(
            "POST", "/api/v1/visits", json={"visits": items}, headers={"X-CSRFToken": token}
        )
        ok = {"duplicate"} if replay else {"created", "duplicate"}  # a retried post may find its items stored
        with self.stats.lock:
            self.stats.requests += 1
            self.stats.latencies.append(seconds)
            if resp.status_code != 200:
                self.stats.bad_results.append((resp.status_code, resp.text[:200]))
                return
            for result in resp.json()["results"]:
                if result["status"] not in ok:
                    self.stats.bad_results.append(result)

    def run(self):
        try:
            self.login()
            left = self.quota
            while left > 0:
                if self.batches and self.rng.random() < 0.1:
                    with self.stats.lock:
                        self.stats.replays += 1
                    self.post(self.rng.choice(self.batches), replay=True)
                    continue
                size = 1 if self.rng.random() < 0.5 else self.rng.randint(2, 40)
                size = min(size, left)
                items = [self.visit() for _ in range(size)]
                with self.stats.lock:
                    self.stats.sent_ids.update(i["client_id"] for i in items)
                self.post(items, replay=False)
                self.batches.append(items)
                left -= size
                with self.stats.lock:
                    self.stats.visits_done += size
        except Exception as exc:  # noqa: BLE001 - reported at the end
            self.error = f"{self.username}: {exc!r}"


def volunteers(base, names, total, campaign_id, hamlet_ids, stats, deadline, seed=0) -> list[Volunteer]:
    """One thread per name, sharing `total` visits between them (not started)."""
    n = len(names)
    quotas = [total // n + (1 if i < total % n else 0) for i in range(n)]
    return [
        Volunteer(base, name, q, campaign_id, hamlet_ids, stats, deadline, seed=seed + i)
        for i, (name, q) in enumerate(zip(names, quotas, strict=True))
    ]


def stored(db_url: str, stats: Stats) -> tuple[int, int, int]:
    """Rows stored, visits sent but not stored (lost), rows stored twice (duplicated)."""
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT count(*) FROM visit")).scalar()
        distinct = conn.execute(sa.text("SELECT count(DISTINCT client_id) FROM visit")).scalar()
        stored_ids = {str(r[0]) for r in conn.execute(sa.text("SELECT client_id FROM visit"))}
    engine.dispose()
    lost = len(stats.sent_ids - {s.lower() for s in stored_ids} - stored_ids)
    return rows, lost, rows - distinct


def check_totals(db_url: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "flask"), "--app", "campaign", "check-totals"],
        env=run_env(db_url),
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def wait_up(base: str, proc, seconds=120):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited")
        try:
            if requests.get(base + "/api/v1/csrf", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def soak(label: str, db_url: str) -> dict:
    print(f"== {label}: preparing {db_url}", flush=True)
    campaign_id, hamlet_ids, names = prepare(db_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(Path(tempfile.gettempdir()) / f"soak-gunicorn-{label}.log", "w")  # noqa: SIM115
    proc = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env=run_env(db_url),
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    stats = Stats()
    killed: dict = {}
    try:
        wait_up(base, proc)
        deadline = time.monotonic() + TIMEOUT
        threads = volunteers(base, names, TOTAL, campaign_id, hamlet_ids, stats, deadline)
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            if not killed and stats.visits_done >= TOTAL * 0.4:
                workers = children(proc.pid)
                victim = random.choice(workers)
                os.kill(victim, signal.SIGKILL)
                killed = {"pid": victim, "before": workers, "at": stats.visits_done}
                print(f"   SIGKILL worker {victim} after {stats.visits_done} visits", flush=True)
            time.sleep(0.05)
            if time.monotonic() > deadline + 60:
                break
        elapsed = time.perf_counter() - t0
        after = children(proc.pid)
        killed["after"] = after
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()

    errors = [t.error for t in threads if t.error]
    rows, lost, duplicated = stored(db_url, stats)
    check = check_totals(db_url)
    lat = sorted(stats.latencies)
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] if lat else float("nan")
    result = {
        "db": label,
        "sent": len(stats.sent_ids),
        "stored": rows,
        "lost": lost,
        "duplicated": duplicated,
        "requests": stats.requests,
        "replays": stats.replays,
        "5xx_retried": stats.errors_5xx,
        "conn_retried": stats.conn_errors,
        "unretried": stats.unretried,
        "bad": len(stats.bad_results),
        "seconds": elapsed,
        "visits_s": len(stats.sent_ids) / elapsed if elapsed else 0,
        "p99_ms": p99 * 1000,
        "killed": killed.get("pid"),
        "replaced": bool(killed) and killed.get("pid") not in after and len(after) == WORKERS,
        "check_rc": check.returncode,
    }
    print(
        f"   sent {result['sent']} distinct visits, {rows} rows stored: {lost} lost, {duplicated} duplicated"
    )
    print(
        f"   {stats.requests} visit posts ({stats.replays} replays); retried {stats.errors_5xx} 5xx and "
        f"{stats.conn_errors} connection errors; {stats.unretried} left unretried"
    )
    print(f"   worker {killed.get('pid')} killed; workers after: {after} (replaced: {result['replaced']})")
    print(f"   check-totals (rc {check.returncode}): {(check.stdout + check.stderr).strip()[:500]}")
    for e in errors[:5]:
        print("   client error:", e)
    for b in stats.bad_results[:5]:
        print("   unexpected result:", b)
    result["ok"] = (
        not errors
        and lost == 0
        and duplicated == 0
        and rows == len(stats.sent_ids) == TOTAL
        and stats.unretried == 0
        and not stats.bad_results
        and check.returncode == 0
        and result["replaced"]
    )
    print(f"   {'PASS' if result['ok'] else 'FAIL'}", flush=True)
    return result


def pg_admin(server_url: str, sql: str):
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(sql)
    engine.dispose()


@contextmanager
def throwaway_pg_database(server_url: str, name: str):
    """A new, empty database `name` on this PostgreSQL server for the block, dropped after;
    yields its URL (psycopg driver)."""
    if "+" not in server_url.split("://", 1)[0]:
        server_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    pg_admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    pg_admin(server_url, f"CREATE DATABASE {name}")
    try:
        yield f"{server_url.rsplit('/', 1)[0]}/{name}"
    finally:
        pg_admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def main() -> int:
    wanted = os.environ.get("SOAK_DBS", "sqlite,postgresql").split(",")
    results = []
    if "sqlite" in wanted:
        with tempfile.TemporaryDirectory() as tmp:
            results.append(soak("sqlite", f"sqlite:///{tmp}/soak.sqlite3"))
    if "postgresql" in wanted:
        server = os.environ.get("SOAK_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        with throwaway_pg_database(server, PG_DB) as url:
            results.append(soak("postgresql", url))
    print()
    print(
        f"{'database':<11} {'visits':>7} {'lost':>5} {'dup':>4} {'5xx retried':>12} {'visits/s':>9} {'p99 ms':>8}  ok"
    )
    for r in results:
        print(
            f"{r['db']:<11} {r['stored']:>7} {r['lost']:>5} {r['duplicated']:>4} {r['5xx_retried']:>12} "
            f"{r['visits_s']:>9.0f} {r['p99_ms']:>8.0f}  {'PASS' if r['ok'] else 'FAIL'}"
        )
    return 0 if results and all(r["ok"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
