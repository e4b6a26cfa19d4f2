"""Household lists, the revisit list and day claims."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from campaign.areas.households import household_status_query, revisit_rows
from campaign.areas.models import Hamlet, Household
from campaign.audit import AuditLog
from campaign.i18n import local_today
from campaign.review.models import Claim
from campaign.visits.models import Outcome, ReviewStatus
from tests.conftest import store_visit

NOW = datetime.now(UTC)


def add_visit(
    db,
    campaign,
    household,
    volunteer,
    outcome,
    hours_ago,
    *,
    residents=0,
    smartphones=0,
    installs=0,
    status=None,
):
    """A visit to this door, logged through the app's own path (conftest.store_visit)."""
    store_visit(
        campaign,
        db.session.get(Hamlet, household.hamlet_id),
        volunteer,
        label=household.label,
        outcome=outcome,
        at=NOW - timedelta(hours=hours_ago),
        residents=residents,
        smartphones=smartphones,
        already=0,
        installs={campaign.apps[0].code: installs} if installs else {},
        status=status,
    )


@pytest.fixture
def doors(db, field):
    """Five doors of field.hamlet with different histories."""
    f = field
    made = {}
    for label in ("1", "2", "3", "4", "5"):
        made[label] = Household(hamlet_id=f.hamlet.id, label=label, listed=True)
        db.session.add(made[label])
    db.session.commit()
    v = f.volunteer
    # 1: nobody home twice -> on the list with 2 attempts
    add_visit(db, f.campaign, made["1"], v, Outcome.NOT_HOME, 30)
    add_visit(db, f.campaign, made["1"], v, Outcome.NOT_HOME, 5)
    # 2: come back later once -> on the list with 1 attempt
    add_visit(db, f.campaign, made["2"], v, Outcome.COME_BACK_LATER, 4)
    # 3: nobody home, then installed -> conclusive, off the list
    add_visit(db, f.campaign, made["3"], v, Outcome.NOT_HOME, 20)
    add_visit(db, f.campaign, made["3"], v, Outcome.INSTALLED, 3, residents=3, smartphones=2, installs=1)
    # 4: three fruitless attempts -> leaves the list (revisit_max_attempts = 3)
    for hours in (50, 40, 2):
        add_visit(db, f.campaign, made["4"], v, Outcome.NOT_HOME, hours)
    # 5: never visited; plus a rejected visit that must not count
    add_visit(db, f.campaign, made["5"], v, Outcome.NOT_HOME, 1, status=ReviewStatus.REJECTED)
    return made


def test_household_status_numbers(db, field, doors):
    rows = {
        r.label: r for r in db.session.execute(household_status_query(field.campaign.id, [field.hamlet.id]))
    }
    assert {k: rows[k].attempts for k in rows} == {"1": 2, "2": 1, "3": 2, "4": 3, "5": 0}
    assert rows["1"].latest_outcome == Outcome.NOT_HOME
    assert rows["3"].latest_outcome == Outcome.INSTALLED
    assert rows["5"].latest_outcome is None


def test_revisit_list_order_and_exits(db, field, doors):
    rows = revisit_rows(field.campaign, [field.hamlet.id])
    assert [r.label for r in rows] == ["2", "1"]  # fewest attempts first; 3 is done; 4 gave up
    field.campaign.revisit_max_attempts = 4
    db.session.commit()
    assert [r.label for r in revisit_rows(field.campaign, [field.hamlet.id])] == ["2", "1", "4"]


def test_household_page_shows_numbers(client, auth, field, doors):
    auth.login(field.lead)
    html = client.get(f"/hamlets/{field.hamlet.id}/households?campaign={field.campaign.id}").get_data(
        as_text=True
    )
    assert "Không có ai ở nhà" in html and "Hẹn quay lại" in html and "Chưa đến" in html
    assert "Đã cài giúp" in html
    data = client.get(
        f"/api/v1/hamlets/{field.hamlet.id}/households?campaign_id={field.campaign.id}"
    ).get_json()
    assert {h["label"]: h["attempts"] for h in data["households"]} == {"1": 2, "2": 1, "3": 2, "4": 3, "5": 0}
    assert data["listed_households"] == 5


def test_claim_is_shown_to_others_and_blocks_them(client, auth, db, field, doors, make_user):
    colleague = make_user(team=field.team)
    auth.api_login(field.volunteer)
    url = f"/api/v1/campaigns/{field.campaign.id}/households/{doors['1'].id}/claim"
    response = client.post(url)
    assert response.status_code == 201
    assert client.post(url).status_code == 201  # claiming again one's own claim is fine
    auth.logout()

    auth.api_login(colleague)
    listing = client.get(f"/api/v1/campaigns/{field.campaign.id}/revisits").get_json()["households"]
    claimed = {i["label"]: i["claimed_by"] for i in listing}
    assert claimed == {"1": field.volunteer.display_name, "2": None}
    refused = client.post(url)
    assert refused.status_code == 409
    assert refused.get_json()["error"]["message"] == f"Đã nhận: {field.volunteer.display_name}"
    assert client.delete(url).status_code == 403  # not theirs to release
    page = client.get("/revisits").get_data(as_text=True)
    assert f"Đã nhận: {field.volunteer.display_name}" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 1


def test_claims_expire_at_the_end_of_the_day(client, auth, db, field, doors, make_user):
    """A claim dated yesterday is neither shown nor blocks anyone today."""
    db.session.add(
        Claim(
            campaign_id=field.campaign.id,
            household_id=doors["1"].id,
            volunteer_id=field.volunteer.id,
            day=local_today() - timedelta(days=1),
        )
    )
    db.session.commit()
    colleague = make_user(team=field.team)
    auth.api_login(colleague)
    listing = client.get(f"/api/v1/campaigns/{field.campaign.id}/revisits").get_json()["households"]
    assert all(i["claimed_by"] is None for i in listing)
    response = client.post(f"/api/v1/campaigns/{field.campaign.id}/households/{doors['1'].id}/claim")
    assert response.status_code == 201
    days = sorted(c.day for c in db.session.scalars(sa.select(Claim)))
    assert days == [local_today() - timedelta(days=1), local_today()]


def test_unclaim_and_lead_release(client, auth, db, field, doors):
    auth.login(field.volunteer)
    base = f"/campaigns/{field.campaign.id}/households/{doors['2'].id}"
    assert client.post(base + "/claim").status_code == 302
    assert "Bỏ nhận" in client.get("/revisits").get_data(as_text=True)
    assert client.post(base + "/unclaim").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Claim)) == 0
    client.post(base + "/claim")
    auth.logout()
    auth.api_login(field.lead)  # the lead may free a door someone holds
    assert client.delete(f"/api/v1{base}/claim").status_code == 204
    assert client.delete(f"/api/v1{base}/claim").status_code == 404
    actions = db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions.count("claim.create") == 2 and actions.count("claim.delete") == 2
    assert all(
        e.ward_code == field.hamlet.ward_code
        for e in db.session.scalars(sa.select(AuditLog).where(AuditLog.action.like("claim.%")))
    )


def test_only_households_on_the_list_can_be_claimed(client, auth, field, doors):
    auth.api_login(field.volunteer)
    for label in ("3", "4", "5"):  # done, gave up, never visited
        url = f"/api/v1/campaigns/{field.campaign.id}/households/{doors[label].id}/claim"
        assert client.post(url).status_code == 404


def test_other_team_sees_nothing(client, auth, field, doors):
    auth.api_login(field.other_volunteer)
    listing = client.get(f"/api/v1/campaigns/{field.campaign.id}/revisits").get_json()["households"]
    assert listing == []
    assert (
        client.get(f"/api/v1/campaigns/{field.campaign.id}/revisits?hamlet_id={field.hamlet.id}").status_code
        == 403
    )
    url = f"/api/v1/campaigns/{field.campaign.id}/households/{doors['1'].id}/claim"
    assert client.post(url).status_code == 403


def test_household_page_counts_and_natural_order(client, auth, db, field, doors):
    db.session.add(Household(hamlet_id=field.hamlet.id, label="10", listed=True))
    db.session.commit()
    auth.login(field.volunteer)
    html = client.get(f"/hamlets/{field.hamlet.id}/households?campaign={field.campaign.id}").get_data(
        as_text=True
    )
    assert html.index("<td>5</td>") < html.index("<td>10</td>")  # 5 before 10
    stats = [s.split("</b>")[0] for s in html.split('<div class="stat"><b>')[1:]]
    assert stats == ["100", "4", "2"]  # declared households, visited doors, to revisit
    assert "Nhập danh sách hộ" not in html  # only managers import


def test_deactivating_a_volunteer_frees_their_doors(client, auth, db, field, doors):
    db.session.add(
        Claim(
            campaign_id=field.campaign.id,
            household_id=doors["1"].id,
            volunteer_id=field.volunteer.id,
            day=local_today(),
        )
    )
    db.session.commit()
    auth.api_login(field.lead)
    assert client.patch(f"/api/v1/users/{field.volunteer.id}", json={"active": False}).status_code == 200
    listing = client.get(f"/api/v1/campaigns/{field.campaign.id}/revisits").get_json()["households"]
    assert all(i["claimed_by"] is None for i in listing)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "user.deactivate"))
    assert entry.after["claims_released"] == 1 and entry.after["active"] is False
