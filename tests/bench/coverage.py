"""Coverage benchmark: province page and province summary API at 10,000 and 1,000,000 visits.

    python -m tests.bench.coverage            # SQLite in a temporary file
    BENCH_DATABASE_URL=postgresql://... python -m tests.bench.coverage

3,000 hamlets in 100 wards of one province; visits spread over 30 days, written with bulk inserts,
then the summary tables are rebuilt (SQL GROUP BY) and each URL is timed in-process (server time,
from request to response body) after a warm-up. Prints a table, and the gzip weight of the page.
"""

import gzip
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from html import unescape as html_unescape
from pathlib import Path

import sqlalchemy as sa

from campaign import create_app
from campaign.areas.models import Hamlet, HamletKind, Household, Ward, label_key
from campaign.areas.services import load_official_areas
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, CampaignApp
from campaign.coverage import recount
from campaign.coverage.models import HamletDay
from campaign.extensions import db
from campaign.i18n import local_today

PROVINCE = 1  # Hà Nội: more than 100 wards
WARDS, HAMLETS_PER_WARD, HOUSEHOLDS_PER_HAMLET, DAYS = 100, 30, 120, 30
SIZES = (10_000, 1_000_000)
RUNS, WARMUP = 40, 5
PASSWORD = "bench-password-2026"
OUTCOMES = [
    ("installed", 46),
    ("already_installed", 14),
    ("refused", 7),
    ("not_home", 17),
    ("no_smartphone", 8),
    ("come_back_later", 8),
]


def build_world():
    load_official_areas()
    wards = db.session.scalars(
        sa.select(Ward.code).where(Ward.province_code == PROVINCE).order_by(Ward.code).limit(WARDS)
    ).all()
    assert len(wards) == WARDS, "the province needs 100 wards"
    rng = random.Random(7)
    hamlet_rows = []
    for ward in wards:
        for n in range(1, HAMLETS_PER_WARD + 1):
            households = rng.randint(200, 400)
            hamlet_rows.append(
                {
                    "ward_code": ward,
                    "name": f"Tổ dân phố {n}",
                    "kind": HamletKind.TO_DAN_PHO,
                    "households": households,
                    "population": households * 4,
                }
            )
    db.session.execute(sa.insert(Hamlet), hamlet_rows)
    hamlet_ids = db.session.scalars(sa.select(Hamlet.id).order_by(Hamlet.id)).all()
    conn = db.session.connection()
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    conn.exec_driver_sql(
        f"INSERT INTO household (hamlet_id, label, label_key, listed) VALUES ({mark}, {mark}, {mark}, {mark})",
        [
            (h, f"Số {i}", label_key(f"Số {i}"), True)
            for h in hamlet_ids
            for i in range(1, HOUSEHOLDS_PER_HAMLET + 1)
        ],
    )
    today = local_today()
    campaign = Campaign(
        name="Bench",
        province_code=PROVINCE,
        start_date=today - timedelta(days=DAYS - 1),
        deadline=today + timedelta(days=30),
        target_rate=0.3,
    )
    campaign.apps = [
        CampaignApp(code="bluezone", name="Bluezone", position=0),
        CampaignApp(code="ncovi", name="NCOVI", position=1),
    ]
    db.session.add(campaign)
    coordinator = User(username="bench-coordinator", display_name="Điều phối", role=Role.COORDINATOR)
    coordinator.province_code = PROVINCE
    coordinator.set_password(PASSWORD)
    db.session.add(coordinator)
    db.session.commit()
    households = db.session.execute(sa.select(Household.id, Household.hamlet_id).order_by(Household.id)).all()
    return campaign, coordinator, households


def insert_visits(campaign, volunteer_id, households, start_id, count, seed):
    """Bulk insert `count` visits (and their installs) through the driver's executemany."""
    rng = random.Random(seed)
    outcomes, weights = [o for o, _ in OUTCOMES], [w for _, w in OUTCOMES]
    bluezone, ncovi = (a.id for a in campaign.apps)
    first_day = datetime.combine(campaign.start_date, datetime.min.time(), tzinfo=UTC) - timedelta(hours=7)
    now = datetime.now(UTC)
    conn = db.session.connection()
    postgres = conn.dialect.name == "postgresql"
    mark = "%s" if postgres else "?"
    columns = (
        "id, client_id, campaign_id, hamlet_id, household_id, volunteer_id, site_kind, outcome, residents, "
        "smartphones, already_installed, installs_total, visited_at, received_at, content_hash, "
        "review_status, superseded"
    )
    visit_sql = f"INSERT INTO visit ({columns}) VALUES ({', '.join([mark] * 17)})"
    install_sql = f"INSERT INTO visit_install (visit_id, app_id, count) VALUES ({mark}, {mark}, {mark})"
    batch, installs = [], []
    for visit_id in range(start_id, start_id + count):
        household_id, hamlet_id = households[rng.randrange(len(households))]
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
        moment = first_day + timedelta(seconds=rng.randrange(DAYS * 86400))
        moment = min(moment, now)
        stamp = moment.replace(tzinfo=None)  # stored as naive UTC
        batch.append(
            (
                visit_id,
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                campaign.id,
                hamlet_id,
                household_id,
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
        )
        if bz:
            installs.append((visit_id, bluezone, bz))
        if nc:
            installs.append((visit_id, ncovi, nc))
        if len(batch) >= 20_000:
            conn.exec_driver_sql(visit_sql, batch)
            if installs:
                conn.exec_driver_sql(install_sql, installs)
            batch, installs = [], []
    if batch:
        conn.exec_driver_sql(visit_sql, batch)
    if installs:
        conn.exec_driver_sql(install_sql, installs)
    db.session.commit()


def timed(client, url, runs=RUNS):
    """(wall-clock, CPU) server time of a GET, each as (p50, p95) in ms."""
    for _ in range(WARMUP):
        assert client.get(url).status_code == 200, url
    wall, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        response.get_data()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200
    return percentiles(wall), percentiles(cpu)


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[round(0.95 * (len(samples) - 1))]


def page_weight(client, url) -> tuple[int, list[tuple[str, int]]]:
    """gzip bytes of the page and every stylesheet, script and image it loads."""
    import re

    html = client.get(url).get_data()
    parts = [(url, len(gzip.compress(html, 6)))]
    refs = re.findall(rb'<link rel="stylesheet" href="([^"]+)"', html) + re.findall(rb'src="([^"]+)"', html)
    for ref in refs:
        path = html_unescape(ref.decode())
        response = client.get(path)
        assert response.status_code == 200, path
        parts.append((path, len(gzip.compress(response.get_data(), 6))))
    return sum(n for _, n in parts), parts


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory()
        url = "sqlite:///" + str(Path(tmp.name) / "bench.sqlite3")
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    rows = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        if db.engine.dialect.name == "sqlite":
            db.session.execute(sa.text("PRAGMA cache_size = -400000"))  # 400 MB: faster index building
        t0 = time.perf_counter()
        campaign, coordinator, households = build_world()
        print(
            f"{WARDS} wards, {WARDS * HAMLETS_PER_WARD} hamlets, {len(households)} households "
            f"in {time.perf_counter() - t0:.1f} s ({db.engine.dialect.name})",
            flush=True,
        )
        client = app.test_client()
        client.post("/login", data={"username": coordinator.username, "password": PASSWORD})
        query = f"campaign_id={campaign.id}"
        page = f"/coverage/province/{PROVINCE}?{query}"
        api = f"/api/v1/areas/province/{PROVINCE}/summary?{query}"
        children = f"/api/v1/areas/province/{PROVINCE}/children?{query}"
        chart = f"/coverage/province/{PROVINCE}/trend.svg?{query}"
        done = 0
        for size in SIZES:
            t0 = time.perf_counter()
            insert_visits(campaign, coordinator.id, households, done + 1, size - done, seed=size)
            generated = time.perf_counter() - t0
            done = size
            t0 = time.perf_counter()
            recount.rebuild(campaign.id)
            db.session.commit()
            rebuilt = time.perf_counter() - t0
            summary_rows = db.session.scalar(sa.select(sa.func.count()).select_from(HamletDay))
            print(
                f"{size:>9,} visits: generated in {generated:.1f} s, summaries rebuilt in {rebuilt:.1f} s "
                f"({summary_rows:,} hamlet-day rows)",
                flush=True,
            )
            rows.append(
                (size, timed(client, page), timed(client, api), timed(client, children), timed(client, chart))
            )
        weight, parts = page_weight(client, page)
    for index, kind in ((0, "wall-clock"), (1, "CPU of this process (SQLite runs in-process)")):
        print(f"\nServer time, {kind}, ms p50 / p95 ({RUNS} requests after {WARMUP} warm-up)")
        print(
            f"{'visits':>10} | {'province page':>17} | {'summary API':>17} | {'children API':>17} | "
            f"{'page trend.svg':>17}"
        )
        for size, *timings in rows:
            cells = " | ".join(f"{t[index][0]:>7.1f} / {t[index][1]:>7.1f}" for t in timings)
            print(f"{size:>10,} | {cells}")
        pairs = zip(rows[0][1:], rows[1][1:], strict=True)
        cells = " | ".join(
            f"{b[index][0] / s[index][0]:>7.2f} / {b[index][1] / s[index][1]:>7.2f}" for s, b in pairs
        )
        print(f"{'ratio':>10} | {cells}")
    print()
    print(f"Province page, gzip: {weight / 1024:.1f} KB in total (budget 150 KB)")
    for name, size in parts:
        print(f"  {size / 1024:7.1f} KB  {name.split('?')[0]}")
    s_page, b_page = rows[0][1][0], rows[1][1][0]
    ok = b_page[1] <= 100 and b_page[1] <= 2 * s_page[1] and weight <= 150 * 1024
    print("targets met" if ok else "TARGETS MISSED: province page p95 ≤ 100 ms at 1M, ≤ 2× the 10k time")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
