"""Onboarding benchmark: a 5,000-hamlet province file, a 10,000-volunteer roster, 1,000 cards.

    python -m tests.bench.onboarding            # SQLite in a temporary file
    BENCH_DATABASE_URL=postgresql://... python -m tests.bench.onboarding

Each step goes through the pages as a coordinator would (preview POST, then apply POST, in-process
test client: server time from request to response body). Prints a table, with the CPU time this
process spent on each step: on a shared machine the wall time also counts everyone else's work.
"""

import io
import os
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from campaign import create_app
from campaign.areas.models import Ward
from campaign.areas.services import load_official_areas
from campaign.auth.models import Role, User
from campaign.extensions import db

PROVINCE = 1  # Hà Nội: more than 100 wards
HAMLETS, VOLUNTEERS, CARDS = 5_000, 10_000, 1_000
TEAMS = 400
PASSWORD = "bench-password-2026"


def app_for(url: str, instance: str):
    app = create_app(
        {
            "SECRET_KEY": "bench",
            "SQLALCHEMY_DATABASE_URI": url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SQLITE_SYNCHRONOUS": "NORMAL",
        }
    )
    app.instance_path = instance
    return app


def token_of(html: str) -> str:
    return html[html.index('name="token"') :].split('value="', 1)[1].split('"', 1)[0]


def timed(client, base: str, content: bytes, extra=None) -> tuple[float, float]:
    start = time.perf_counter()
    preview = client.post(
        f"{base}/preview",
        data={"file": (io.BytesIO(content), "tinh.csv")},
        content_type="multipart/form-data",
    )
    middle = time.perf_counter()
    assert preview.status_code == 200, preview.status_code
    applied = client.post(
        f"{base}/apply", data={"token": token_of(preview.get_data(as_text=True)), **(extra or {})}
    )
    end = time.perf_counter()
    assert applied.status_code == 302, applied.get_data(as_text=True)[-2000:]
    return middle - start, end - middle


def main() -> None:
    url = os.environ.get("BENCH_DATABASE_URL")
    with tempfile.TemporaryDirectory() as tmp:
        url = url or "sqlite:///" + str(Path(tmp) / "bench.sqlite3")
        app = app_for(url, tmp)
        with app.app_context():
            db.drop_all()
            db.create_all()
            load_official_areas()
            coordinator = User(
                username="coord", display_name="Điều phối", role=Role.COORDINATOR, province_code=PROVINCE
            )
            coordinator.set_password(PASSWORD)
            db.session.add(coordinator)
            db.session.commit()
            wards = db.session.scalars(
                sa.select(Ward.code).where(Ward.province_code == PROVINCE).limit(100)
            ).all()
        client = app.test_client()
        client.post("/login", data={"username": "coord", "password": PASSWORD})
        per_ward = HAMLETS // len(wards)
        hamlet_file = "Mã phường/xã,Tên,Loại,Số hộ,Dân số\n" + "".join(
            f"{w},Thôn {i + 1},thôn,{100 + i},{400 + i}\n" for w in wards for i in range(per_ward)
        )
        roster = "Họ và tên,Đội,Mã phường/xã,Tổ chức\n" + "".join(
            f"Nguyễn Văn {n % 500},Đội {n % TEAMS},{wards[(n % TEAMS) % len(wards)]},Đoàn\n"
            for n in range(VOLUNTEERS)
        )
        rows = []
        base = f"/provinces/{PROVINCE}"
        cpu = time.process_time()
        preview, apply = timed(client, f"{base}/hamlets/import", hamlet_file.encode())
        rows.append(
            (f"hamlet file, {per_ward * len(wards):,} hamlets", preview, apply, time.process_time() - cpu)
        )
        cpu = time.process_time()
        preview, apply = timed(client, f"{base}/roster", roster.encode(), {"create_teams": "y"})
        rows.append(
            (
                f"roster, {VOLUNTEERS:,} volunteers ({TEAMS} new teams)",
                preview,
                apply,
                time.process_time() - cpu,
            )
        )
        with app.app_context():
            first = db.session.scalars(
                sa.select(User.team_id).where(User.role == Role.VOLUNTEER).group_by(User.team_id)
            ).all()
        start, cpu = time.perf_counter(), time.process_time()
        printed = 0
        for ward in wards:  # cards per ward, until 1,000 are printed
            response = client.post(f"/wards/{ward}/cards", data={"which": "not_joined"})
            printed += response.get_data(as_text=True).count("data-join-card")
            if printed >= CARDS:
                break
        rows.append(
            (f"print {printed:,} cards (QR SVG)", 0.0, time.perf_counter() - start, time.process_time() - cpu)
        )
        assert first
    name = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(f"\nOnboarding on {name} ({os.cpu_count()} CPUs)\n")
    print(f"| {'step':<44} | preview (s) | apply (s) | total (s) | cpu (s) |")
    print(f"|{'-' * 46}|-------------|-----------|-----------|---------|")
    for label, preview, apply, cpu in rows:
        print(f"| {label:<44} | {preview:11.2f} | {apply:9.2f} | {preview + apply:9.2f} | {cpu:7.2f} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
