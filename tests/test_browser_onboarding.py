"""A whole onboarding in Chromium at 360 px: the coordinator imports the province's hamlets, a lead
imports a roster and prints the cards, a phone joins from one card, logs a visit that shows in the
ward's totals, and the same card fails the second time. Screenshots go to $ONBOARDING_SHOTS."""

import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from campaign.auth.models import Role, User
from campaign.visits.models import Visit
from tests.conftest import CAN_THO, NINH_KIEU, PASSWORD
from tests.test_browser_visits import chromium, log_visit, wait_until  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser


def shot(page, name: str) -> None:
    folder = os.environ.get("ONBOARDING_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def sign_in(page, server, username):
    page.goto(server + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(server + "/**")


def sign_out(page):
    page.click("form[data-logout] button[type=submit]")
    page.wait_for_url("**/login")


@pytest.fixture
def office(db, make_campaign, make_user):
    campaign = make_campaign()
    ids = {
        "campaign": campaign.id,
        "coordinator": make_user(Role.COORDINATOR, province=CAN_THO).username,
        "lead": make_user(Role.LEAD, ward=NINH_KIEU).username,
    }
    db.session.rollback()  # hold no SQLite lock while gunicorn writes
    return ids


def test_a_whole_onboarding_from_file_to_visit(app, chromium, live_server, office, db, client, auth):  # noqa: F811
    page = chromium.pages[0] if chromium.pages else chromium.new_page()
    # 1. The coordinator imports the province's hamlet file.
    sign_in(page, live_server, office["coordinator"])
    page.goto(live_server + f"/provinces/{CAN_THO}/hamlets/import")
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as f:
        f.write(
            f"Mã phường/xã,Tên thôn,Loại,Số hộ,Dân số\n{NINH_KIEU},Khu phố Bến Ninh Kiều,khu phố,200,800\n".encode()
        )
    page.set_input_files("input[type=file]", f.name)
    page.click("button:has-text('Xem trước')")
    assert "1 dòng: 1 mới" in page.inner_text("main")
    page.click("button:has-text('Nhập tất cả')")
    page.wait_for_url(f"**/provinces/{CAN_THO}/onboarding")
    sign_out(page)

    # 2. A lead imports a roster (pasted from a spreadsheet) with a team that does not exist yet.
    sign_in(page, live_server, office["lead"])
    page.goto(live_server + f"/wards/{NINH_KIEU}/onboarding")
    page.fill("textarea", "Họ và tên\tĐội\nPhạm Thị Hoa\tĐội Gõ Cửa\nĐỗ Văn Minh\tĐội Gõ Cửa\n")
    page.click("button:has-text('Xem trước')")
    assert "Đội Gõ Cửa" in page.inner_text("main")
    page.check("input[name=create_teams]")
    page.click("button:has-text('Nhập tất cả')")
    page.wait_for_url(f"**/wards/{NINH_KIEU}/onboarding")
    # The new team covers the new hamlet in the campaign (the ward's existing assignment page).
    page.goto(live_server + f"/wards/{NINH_KIEU}/teams")
    page.select_option("select[name^=hamlet-]", label="Đội Gõ Cửa")
    page.click("button:has-text('Lưu phân công')")

    # 3. The lead prints the cards.
    page.goto(live_server + f"/wards/{NINH_KIEU}/onboarding")
    page.click("button:has-text('In thẻ')")
    page.wait_for_selector("[data-join-card]")
    assert page.locator("[data-join-card]").count() == 2
    assert page.locator("[data-join-card] svg").count() == 2
    shot(page, "cards-360")
    link = page.locator("[data-join-card]:has-text('Phạm Thị Hoa') [data-join-link]").get_attribute("href")
    sign_out(page)

    # 4. The phone opens the card's link, joins, keeps itself signed in, and logs a visit.
    page.goto(link)
    shot(page, "join-360")
    page.click("button[data-join]")
    page.wait_for_url("**/join/welcome")
    wait_until(page, "document.querySelector('[data-offline-status]')?.dataset.state === 'ready'", 20000)
    shot(page, "welcome-360")
    page.click("button[data-remember]")
    page.wait_for_url("**/visits/new**")
    log_visit(page, "Số 12")
    deadline_ok = False
    for _ in range(100):
        if db.session.scalar(sa.select(sa.func.count()).select_from(Visit)):
            deadline_ok = True
            break
        db.session.rollback()
        page.wait_for_timeout(200)
    assert deadline_ok, "the visit never reached the server"
    db.session.rollback()
    hoa = db.session.scalar(sa.select(User).where(User.display_name == "Phạm Thị Hoa"))
    assert hoa.joined_at is not None
    db.session.rollback()
    auth.login(office["lead"])
    summary = client.get(
        f"/api/v1/areas/ward/{NINH_KIEU}/summary?campaign_id={office['campaign']}"
    ).get_json()
    assert summary["visits"] == 1 and summary["installs"] == 2, summary
    db.session.rollback()  # hold no SQLite lock while gunicorn writes

    # 5. The same card again, on another phone (no cookies): refused.
    chromium.clear_cookies()
    page.goto(link)
    page.click("button[data-join]")
    log = Path(app.instance_path, "gunicorn.log").read_text(errors="replace")[-3000:]
    assert "đã được dùng" in page.inner_text("main"), log
    shot(page, "join-used-360")
    db.session.rollback()
