"""The volunteer's and the lead's screens, server side: the head of every page, the visits waiting
for a correction, "Lượt thăm của tôi" by page, day and status, and "Đã cài giúp" with no install."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from campaign.auth.models import Role
from campaign.visits.models import ReviewStatus, Visit
from campaign.visits.services import submit_visits
from tests.planting import Planted, World, get_pages
from tests.review_helpers import add_visit
from tests.test_visits_pages import form_data

ROLES = ("volunteer", "lead", "coordinator", "admin")
HEAD = ('rel="manifest"', 'name="theme-color"', 'rel="icon"', 'rel="apple-touch-icon"')


def item(field, n, **overrides):
    return {
        "client_id": f"00000000-0000-4000-8000-{n:012d}",
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "household": f"Số {n}",
        "outcome": "installed",
        "residents": 2,
        "smartphones": 1,
        "installs": {"bluezone": 1},
        "visited_at": (datetime.now(UTC) - timedelta(hours=n)).isoformat(),
        **overrides,
    }


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_html_page_installs_the_app_and_has_its_icon(app, field, client, auth, role):
    """Every GET page each role can open (and the login page, signed out) links the manifest, the
    icons and the theme colour; the icon files and /favicon.ico answer."""
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    if role:
        auth.login(getattr(field, role))
    missing, pages = [], 0
    for _rule, path, _values in get_pages(app, World(field, visit, Planted())):
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        html = response.get_data(as_text=True)
        missing += [f"{path}: {tag}" for tag in HEAD if tag not in html]
    assert pages >= (1 if role is None else 5) and missing == []
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.mimetype.startswith("image/")


def test_home_counts_the_visits_to_fix_and_links_to_them(field, db, client, auth):
    results = submit_visits(field.volunteer, [item(field, n) for n in range(1, 5)])
    assert {r["status"] for r in results} == {"created"}
    visits = db.session.scalars(sa.select(Visit).order_by(Visit.id)).all()
    visits[0].review_status, visits[0].review_reason = ReviewStatus.FLAGGED, "Kiểm tra số người"
    visits[1].review_status, visits[1].review_reason = ReviewStatus.REJECTED, "Trùng"
    visits[2].review_status = ReviewStatus.APPROVED
    db.session.commit()
    auth.login(field.volunteer)
    home = client.get("/").get_data(as_text=True)
    assert "2 lượt cần sửa" in home and "/visits/mine?status=needs_fixing" in home
    listed = client.get("/visits/mine?status=needs_fixing").get_data(as_text=True)
    assert "Số 1" in listed and "Số 2" in listed and "Số 3" not in listed and "Số 4" not in listed
    # A correction on its way: that one no longer waits for the volunteer.
    fixed = item(field, 99, household="Số 1", corrects=visits[0].client_id)
    assert submit_visits(field.volunteer, [fixed])[0]["status"] == "created"
    db.session.commit()
    assert "1 lượt cần sửa" in client.get("/").get_data(as_text=True)


def test_nothing_to_fix_shows_no_banner(field, client, auth):
    auth.login(field.volunteer)
    assert "cần sửa" not in client.get("/").get_data(as_text=True)


def test_my_visits_come_in_pages_by_day_and_filter_by_status(field, db, client, auth):
    submit_visits(field.volunteer, [item(field, n) for n in range(1, 46)])
    db.session.execute(sa.update(Visit).where(Visit.id % 5 == 0).values(review_status=ReviewStatus.APPROVED))
    db.session.commit()
    auth.login(field.volunteer)
    first = client.get("/visits/mine").get_data(as_text=True)
    assert first.count('class="card my-visit"') == 20 and "Trang 1/3" in first and "45 lượt thăm" in first
    days = first.count('<section class="day"')
    assert 1 <= days <= 2  # 20 visits an hour apart span one or two local days
    last = client.get("/visits/mine?page=3").get_data(as_text=True)
    assert last.count('class="card my-visit"') == 5
    approved = client.get("/visits/mine?status=approved").get_data(as_text=True)
    assert approved.count('class="card my-visit"') == 9 and "Chờ duyệt</span>" not in approved
    # An unknown status is no filter, never an error.
    assert client.get("/visits/mine?status=bogus").status_code == 200


def test_installed_with_no_install_is_refused_with_the_rule_message(field, db, client, auth):
    """The same rule as visit-rules.js: the API and the page without JavaScript say it."""
    auth.login(field.volunteer)
    api = client.post(
        "/api/v1/visits", json={"visits": [item(field, 1, installs={}, residents=0, smartphones=0)]}
    )
    result = api.get_json()["results"][0]
    assert result["status"] == "invalid"
    assert result["errors"]["installs"] == ["Bạn chọn “Đã cài giúp” nhưng chưa ghi lượt cài nào."]
    page = client.post(
        "/visits/new", data=form_data(field, install_bluezone="0", residents="0", smartphones="0")
    )
    assert "Bạn chọn “Đã cài giúp” nhưng chưa ghi lượt cài nào." in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0
    # Other outcomes with nothing installed are fine.
    ok = client.post(
        "/api/v1/visits", json={"visits": [item(field, 2, outcome="not_home", installs={}, residents=0)]}
    )
    assert ok.get_json()["results"][0]["status"] == "created"


def test_other_roles_see_no_count_to_fix(field, client, auth):
    for role in (Role.LEAD, Role.COORDINATOR):
        user = field.lead if role == Role.LEAD else field.coordinator
        auth.login(user)
        assert "cần sửa" not in client.get("/").get_data(as_text=True)
        auth.logout()
