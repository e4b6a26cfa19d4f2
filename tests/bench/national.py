"""National benchmark: the country page, the summary API, a province page and the daily report
XLSX of a national campaign on every province and ward of Vietnam.

    python -m tests.bench.national                 # SQLite, then PostgreSQL (BENCH_PG_URL)
    BENCH_DBS=sqlite python -m tests.bench.national
    BENCH_PROFILE=1 BENCH_DBS=sqlite python -m tests.bench.national   # cProfile of each URL too
    BENCH_ONLY="province page,board" python -m tests.bench.national  # the URLs whose label has one

The data: the official list's 34 provinces and 3,321 wards, 10 hamlets in each ward (33,210), 20
listed households in each hamlet, 1,000,000 visits over the campaign's 28 days, spread over every
hamlet of the country (each province with its own level of activity, the pace rising towards
today), the summary tables rebuilt from those visits by the recount service (so `check-totals`
passes: the build checks it), an official population for every province, and the Ministry's
Bluezone counts for every province each day and every ward each week (the campaign ranks on them).

Visits and households are written with the driver's executemany on SQLite and COPY on PostgreSQL.
The built database is kept between runs (a file in BENCH_CACHE_DIR, default the temporary
directory; a database `<BENCH_PG_PREFIX>_<fingerprint>` on the PostgreSQL server) and rebuilt when
the fingerprint changes: the build code, the schema, the recount code or the day. BENCH_REBUILD=1
rebuilds anyway.

Each URL is timed in process with Flask's test client, signed in as the user who opens it (the
admin for the country, the coordinator of Ho Chi Minh City, the province with the most wards, for
their own province and for the country page they see; nobody for the public board, national
and of that province, page and PNG card, which the run publishes): server time from request to
the last byte, without a network or a second process competing for this machine's two cores.
Prints p50 and p95 against each target.
"""

import cProfile
import hashlib
import inspect
import io
import logging
import os
import pstats
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from campaign import create_app
from campaign.areas.models import HamletKind, Province, Ward, label_key
from campaign.areas.services import load_official_areas
from campaign.auth.models import Role, User
from campaign.board import services as board_services
from campaign.campaigns.models import Campaign, CampaignApp
from campaign.coverage import recount
from campaign.coverage.models import HamletDay, OfficialCount
from campaign.extensions import db
from campaign.i18n import local_today

HAMLETS_PER_WARD, HOUSEHOLDS_PER_HAMLET, DAYS = 10, 20, 28
VISITS = int(os.environ.get("BENCH_VISITS", "1000000"))  # fewer for a quick try of the bench itself
PROVINCE = 79  # Thành phố Hồ Chí Minh: 168 wards, the most of any province
RUNS, WARMUP, XLSX_RUNS = 40, 5, 10
PASSWORD = "bench-password-2026"
PG_PREFIX = os.environ.get("BENCH_PG_PREFIX", "bench_national")
OUTCOMES = [
    ("installed", 46),
    ("already_installed", 14),
    ("refused", 7),
    ("not_home", 17),
    ("no_smartphone", 8),
    ("come_back_later", 8),
]
VISIT_COLUMNS = (
    "id",
    "client_id",
    "campaign_id",
    "hamlet_id",
    "household_id",
    "volunteer_id",
    "site_kind",
    "outcome",
    "residents",
    "smartphones",
    "already_installed",
    "installs_total",
    "visited_at",
    "received_at",
    "content_hash",
    "review_status",
    "superseded",
)


# --- building the data --------------------------------------------------------------------------


def bulk_insert(table: str, columns: tuple[str, ...], rows) -> None:
    """Rows into a table as fast as the driver goes: COPY on PostgreSQL, executemany on SQLite."""
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    marks = ", ".join("?" * len(columns))
    sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= 20_000:
            conn.exec_driver_sql(sql, batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch)


def build_areas(rng: random.Random) -> list[tuple[int, int, int]]:
    """The official provinces and wards, hamlets in every ward and their listed households;
    returns (hamlet id, province code, first household id) for every hamlet."""
    load_official_areas()
    wards = db.session.execute(sa.select(Ward.code, Ward.province_code).order_by(Ward.code)).all()
    hamlet_id = household_id = 0
    hamlets, hamlet_rows = [], []
    for ward_code, province_code in wards:
        for n in range(1, HAMLETS_PER_WARD + 1):
            hamlet_id += 1
            households = rng.randint(150, 400)
            hamlet_rows.append(
                (hamlet_id, ward_code, f"Khu phố {n}", HamletKind.KHU_PHO.value, households, households * 4)
            )
            hamlets.append((hamlet_id, province_code, household_id + 1))
            household_id += HOUSEHOLDS_PER_HAMLET
    bulk_insert("hamlet", ("id", "ward_code", "name", "kind", "households", "population"), hamlet_rows)
    labels = [(f"Số {i}", label_key(f"Số {i}")) for i in range(1, HOUSEHOLDS_PER_HAMLET + 1)]
    bulk_insert(
        "household",
        ("id", "hamlet_id", "label", "label_key", "listed"),
        (
            (first + i, hamlet, label, key, True)
            for hamlet, _province, first in hamlets
            for i, (label, key) in enumerate(labels)
        ),
    )
    return hamlets


def build_campaign(rng: random.Random) -> tuple[Campaign, User, User]:
    today = local_today()
    campaign = Campaign(
        name="Chiến dịch toàn quốc (bench)",
        province_code=None,
        start_date=today - timedelta(days=DAYS - 1),
        deadline=today + timedelta(days=21),
        target_rate=0.3,
        ranking_app_code="bluezone",
    )
    campaign.apps = [
        CampaignApp(code="bluezone", name="Bluezone", position=0),
        CampaignApp(code="ncovi", name="NCOVI", position=1),
    ]
    admin = User(username="bench-admin", display_name="Quản trị", role=Role.ADMIN)
    coordinator = User(username="bench-coordinator", display_name="Điều phối", role=Role.COORDINATOR)
    coordinator.province_code = PROVINCE
    for user in (admin, coordinator):
        user.set_password(PASSWORD)
    db.session.add_all([campaign, admin, coordinator])
    db.session.flush()
    return campaign, admin, coordinator


def insert_visits(rng: random.Random, campaign: Campaign, volunteer_id: int, hamlets) -> None:
    """VISITS visits (and their installs) over every hamlet: each province with its own activity,
    more visits on later days (a campaign picking up pace), 90 % approved."""
    activity = {p: rng.uniform(0.3, 1.7) for p in {province for _h, province, _f in hamlets}}
    chosen = rng.choices(hamlets, [activity[p] for _h, p, _f in hamlets], k=VISITS)
    outcomes, weights = [o for o, _ in OUTCOMES], [w for _, w in OUTCOMES]
    bluezone, ncovi = (a.id for a in campaign.apps)
    first_moment = datetime.combine(campaign.start_date, datetime.min.time(), tzinfo=UTC) - timedelta(hours=7)
    span = min(DAYS * 86400, int((datetime.now(UTC) - first_moment).total_seconds()))
    installs = []

    def visits():
        for visit_id, (hamlet_id, _province, first_household) in enumerate(chosen, start=1):
            outcome = rng.choices(outcomes, weights)[0]
            residents = rng.randint(1, 6)
            already = bz = nc = 0
            if outcome == "installed":
                bz = rng.randint(1, residents)
                nc = rng.randint(0, residents - bz)
            elif outcome == "already_installed":
                already = rng.randint(1, residents)
            elif outcome in ("not_home", "come_back_later"):
                residents = 0
            # sqrt: the density of visits grows linearly towards today.
            stamp = (first_moment + timedelta(seconds=int(span * rng.random() ** 0.5))).replace(tzinfo=None)
            if bz:
                installs.append((visit_id, bluezone, bz))
            if nc:
                installs.append((visit_id, ncovi, nc))
            yield (
                visit_id,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                campaign.id,
                hamlet_id,
                first_household + rng.randrange(HOUSEHOLDS_PER_HAMLET),
                volunteer_id,
                "household",
                outcome,
                residents,
                bz + nc + already,
                already,
                bz + nc,
                stamp,
                stamp,
                "bench",
                "approved" if rng.random() < 0.9 else "pending",
                False,
            )

    bulk_insert("visit", VISIT_COLUMNS, visits())
    bulk_insert("visit_install", ("visit_id", "app_id", "count"), installs)


def official_figures(rng: random.Random) -> None:
    """An official population for every province; Bluezone's official users of every province
    each day (most between 5 and 40 %, a few climbing fast, so ranks move) and of every ward each
    week (the province's rate, give or take)."""
    today = local_today()
    rows = []
    wards_of: dict[int, list[int]] = {}
    for ward_code, province_code in db.session.execute(sa.select(Ward.code, Ward.province_code)):
        wards_of.setdefault(province_code, []).append(ward_code)
    for province in db.session.scalars(sa.select(Province).order_by(Province.code)):
        province.population_official = rng.randint(800_000, 9_000_000)
        fast = rng.random() < 0.15
        start = rng.uniform(0.05, 0.30)
        weekly = rng.uniform(0.05, 0.09) if fast else rng.uniform(0.0, 0.025)
        ward_population = province.population_official // len(wards_of[province.code])
        ward_spread = {w: rng.uniform(0.6, 1.4) for w in wards_of[province.code]}
        for back in range(DAYS - 1, -1, -1):
            day = today - timedelta(days=back)
            rate = min(0.95, start + weekly * (DAYS - 1 - back) / 7)
            rows.append(
                ("province", province.code, day, "bluezone", int(province.population_official * rate))
            )
            if back % 7 == 0:
                for ward, spread in ward_spread.items():
                    rows.append(
                        ("ward", ward, day, "bluezone", int(ward_population * min(0.95, rate * spread)))
                    )
    db.session.flush()
    db.session.execute(
        sa.insert(OfficialCount),
        [dict(zip(("level", "code", "day", "app_code", "users"), row, strict=True)) for row in rows],
    )


def build(url: str) -> None:
    """The whole dataset in an empty database at `url`, checked like `check-totals` would."""
    app = bench_app(url)
    rng = random.Random(2026)
    with app.app_context():
        db.drop_all()
        db.create_all()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(sa.text("PRAGMA cache_size = -400000"))  # 400 MB: faster index building
        steps = {}
        t0 = time.perf_counter()
        hamlets = build_areas(rng)
        campaign, _admin, coordinator = build_campaign(rng)
        official_figures(rng)
        db.session.commit()
        steps["areas, users, official counts"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        insert_visits(rng, campaign, coordinator.id, hamlets)
        db.session.commit()
        steps[f"{VISITS:,} visits"] = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":  # ids were given: move the sequences past them
            for table in ("hamlet", "household", "visit"):
                db.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
        t0 = time.perf_counter()
        recount.rebuild(campaign.id)
        db.session.commit()
        steps["summary tables (recount)"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        problems = recount.mismatches(campaign.id)
        steps["check-totals"] = time.perf_counter() - t0
        if db.engine.dialect.name == "postgresql":
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
        day_rows = db.session.scalar(sa.select(sa.func.count()).select_from(HamletDay))
        for step, seconds in steps.items():
            print(f"  {step:<32} {seconds:6.1f} s", flush=True)
        print(f"  {len(hamlets):,} hamlets, {day_rows:,} hamlet-day rows", flush=True)
        assert not problems, f"check-totals: {len(problems)} mismatches, e.g. {problems[:3]}"
        print("  check-totals: no mismatch", flush=True)
    with app.app_context():
        db.engine.dispose()


def fingerprint(dialect) -> str:
    """What the cached database depends on: the build code, the schema, the recount, the day."""
    parts = [inspect.getsource(f) for f in (bulk_insert, build_areas, build_campaign, insert_visits)]
    parts += [inspect.getsource(official_figures), inspect.getsource(build), inspect.getsource(recount)]
    parts += [str(CreateTable(t).compile(dialect=dialect)) for t in db.metadata.sorted_tables]
    # A table's indexes are a set: sorted, or the fingerprint changes from one process to the next.
    parts += sorted(
        str(CreateIndex(i).compile(dialect=dialect)) for t in db.metadata.sorted_tables for i in t.indexes
    )
    parts += [
        repr((HAMLETS_PER_WARD, HOUSEHOLDS_PER_HAMLET, VISITS, DAYS, PROVINCE)),
        local_today().isoformat(),
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:12]


def cached_sqlite() -> str:
    from sqlalchemy.dialects import sqlite

    folder = Path(os.environ.get("BENCH_CACHE_DIR", tempfile.gettempdir()))
    path = folder / f"campaign-bench-national-{fingerprint(sqlite.dialect())}.sqlite3"
    if path.exists() and not os.environ.get("BENCH_REBUILD"):
        print(f"SQLite: the cached database {path}", flush=True)
        return f"sqlite:///{path}"
    for old in folder.glob("campaign-bench-national-*.sqlite3*"):
        old.unlink()
    partial = folder / "campaign-bench-national-building.sqlite3"
    partial.unlink(missing_ok=True)
    print(f"SQLite: building {path}", flush=True)
    t0 = time.perf_counter()
    build(f"sqlite:///{partial}")
    os.replace(partial, path)
    print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    return f"sqlite:///{path}"


def cached_postgresql(server_url: str) -> str:
    from sqlalchemy.dialects import postgresql

    from tests.soak import pg_admin

    if "+" not in server_url.split("://", 1)[0]:
        server_url = server_url.replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"{PG_PREFIX}_{fingerprint(postgresql.dialect())}"
    url = f"{server_url.rsplit('/', 1)[0]}/{name}"
    engine = sa.create_engine(server_url)
    with engine.connect() as conn:
        existing = conn.exec_driver_sql(
            "SELECT datname FROM pg_database WHERE datname LIKE %s", (PG_PREFIX + "\\_%",)
        ).scalars()
        existing = list(existing)
    engine.dispose()
    if name in existing and not os.environ.get("BENCH_REBUILD"):
        print(f"PostgreSQL: the cached database {name}", flush=True)
        return url
    for old in existing:
        pg_admin(server_url, f'DROP DATABASE IF EXISTS "{old}" WITH (FORCE)')
    building = f"{PG_PREFIX}_building"
    pg_admin(server_url, f'CREATE DATABASE "{building}"')
    print(f"PostgreSQL: building {name}", flush=True)
    t0 = time.perf_counter()
    build(f"{server_url.rsplit('/', 1)[0]}/{building}")
    pg_admin(server_url, f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    print(f"  built in {time.perf_counter() - t0:.0f} s", flush=True)
    return url


# --- timing -------------------------------------------------------------------------------------


@dataclass
class Target:
    label: str
    user: str | None  # the username signed in, None for a public URL
    url: str
    p95_ms: float | None = None  # the target p95
    max_ms: float | None = None  # the target for every run
    runs: int = RUNS


def targets(campaign_id: int) -> list[Target]:
    query = f"campaign_id={campaign_id}"
    return [
        Target("country page, admin", "bench-admin", f"/coverage/country/vn?{query}", p95_ms=100),
        Target("country page, coordinator", "bench-coordinator", f"/coverage/country/vn?{query}", p95_ms=100),
        Target(
            "summary API, country", "bench-admin", f"/api/v1/areas/country/vn/summary?{query}", p95_ms=100
        ),
        Target(
            "summary API, province",
            "bench-coordinator",
            f"/api/v1/areas/province/{PROVINCE}/summary?{query}",
            p95_ms=100,
        ),
        Target("province page", "bench-coordinator", f"/coverage/province/{PROVINCE}?{query}", p95_ms=50),
        Target(
            "daily report XLSX, province",
            "bench-coordinator",
            f"/coverage/province/{PROVINCE}/report.xlsx?{query}",
            max_ms=2000,
            runs=XLSX_RUNS,
        ),
        *board_targets(campaign_id),
    ]


def board_targets(campaign_id: int) -> list[Target]:
    """The public board, national and of the province, page and PNG card: anonymous (no session
    cookie), served from its cache, which the warm-up fills (`publish_boards` publishes them)."""
    national, province = f"/bang-xep-hang/{campaign_id}", f"/bang-xep-hang/{campaign_id}/{PROVINCE}"
    return [
        Target("public board, country", None, f"{national}/", p95_ms=10),
        Target("public board, province", None, province, p95_ms=10),
        Target("public board, country PNG", None, f"{national}/anh.png", p95_ms=10),
        Target("public board, province PNG", None, f"{province}/anh.png", p95_ms=10),
    ]


def publish_boards(campaign_id: int) -> None:
    """The national board and the province's published (publishing a published board keeps it,
    so that the cached database serves every run)."""
    campaign = db.session.get(Campaign, campaign_id)
    admin = db.session.scalar(sa.select(User).where(User.username == "bench-admin"))
    for code in (None, PROVINCE):
        board_services.publish(admin, campaign, code)
    db.session.commit()


def percentiles(samples: list[float]) -> tuple[float, float, float]:
    samples = sorted(samples)
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))], samples[-1]


def timed(client, target: Target) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """p50, p95 and max of the server time of a GET in ms, wall-clock and this process's CPU,
    after a warm-up. On a machine that other work loads, the CPU time is the steadier figure."""
    for _ in range(WARMUP):
        response = client.get(target.url)
        assert response.status_code == 200, (target.url, response.status_code)
    wall, cpu = [], []
    for _ in range(target.runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(target.url)
        response.get_data()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (target.url, response.status_code)
    return percentiles(wall), percentiles(cpu)


def profile(client, target: Target) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(10):
        client.get(target.url).get_data()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
    return out.getvalue()


def bench_app(url: str):
    # The request log is written as in production, to a sink instead of this terminal.
    request_log = logging.getLogger("campaign.request")
    if not request_log.handlers:
        request_log.addHandler(logging.StreamHandler(open(os.devnull, "w")))  # noqa: SIM115
        request_log.setLevel(logging.INFO)
        request_log.propagate = False
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )


def measure(url: str) -> list[tuple[Target, tuple[float, float, float]]]:
    """Each URL's timings. The requests run outside any app context of the bench's own, as in
    a server: each has its own app context, session and transaction (one held open around them
    would share its identity map and its transaction with every request)."""
    app = bench_app(url)
    results = []
    with app.app_context():
        campaign_id = db.session.scalar(sa.select(Campaign.id))
        publish_boards(campaign_id)
    clients = {}
    only = [word for word in os.environ.get("BENCH_ONLY", "").split(",") if word]
    for target in targets(campaign_id):
        if only and not any(word in target.label for word in only):
            continue
        if target.user not in clients:
            clients[target.user] = app.test_client()
            if target.user is not None:
                response = clients[target.user].post(
                    "/login", data={"username": target.user, "password": PASSWORD}
                )
                assert response.status_code == 302, f"sign-in as {target.user}"
        client = clients[target.user]
        results.append((target, timed(client, target)))
        if os.environ.get("BENCH_PROFILE"):
            print(f"\n== cProfile, 10 × {target.label}: {target.url}\n{profile(client, target)}")
    with app.app_context():
        db.engine.dispose()
    return results


def verdict(target: Target, figures: tuple[float, float, float]) -> tuple[str, bool]:
    """The target and whether the wall-clock figures meet it."""
    _p50, p95, worst = figures
    if target.p95_ms is not None:
        return f"p95 ≤ {target.p95_ms:,.0f}", p95 <= target.p95_ms
    return f"each ≤ {target.max_ms:,.0f}", worst <= target.max_ms


def report(database: str, results) -> bool:
    print(
        f"\n{database}: server time in process, ms ({RUNS} requests after {WARMUP} warm-up; XLSX {XLSX_RUNS});"
        " the verdict is on wall-clock"
    )
    print(f"{'':<30} {'p50':>8} {'p95':>8} {'max':>8} {'CPU p50':>8} {'CPU p95':>8}  {'target':<12} verdict")
    ok = True
    for target, (wall, cpu) in results:
        wanted, passed = verdict(target, wall)
        ok &= passed
        print(
            f"{target.label:<30} {wall[0]:>8.1f} {wall[1]:>8.1f} {wall[2]:>8.1f} {cpu[0]:>8.1f} {cpu[1]:>8.1f}"
            f"  {wanted:<12} {'pass' if passed else 'FAIL'}"
        )
    return ok


def main() -> int:
    wanted = os.environ.get("BENCH_DBS", "sqlite,postgresql").split(",")
    bench_app("sqlite://")  # every model imported, for the fingerprint of the schema
    print(
        f"34 provinces, 3,321 wards, {HAMLETS_PER_WARD} hamlets a ward, {VISITS:,} visits over {DAYS} days",
        flush=True,
    )
    tables = {}
    if "sqlite" in wanted:
        tables["SQLite"] = measure(cached_sqlite())
    if "postgresql" in wanted:
        server = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        tables["PostgreSQL"] = measure(cached_postgresql(server))
    ok = all([report(database, results) for database, results in tables.items()])
    print("\ntargets met" if ok else "\nTARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
