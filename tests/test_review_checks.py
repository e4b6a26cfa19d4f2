"""Automatic checks: each one flags when it should, with its Vietnamese reason, and stays quiet otherwise."""

import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from campaign.audit import AuditLog
from campaign.auth.models import Role
from campaign.review.checks import haversine_m
from campaign.visits.models import ReviewStatus, SiteKind, Visit
from campaign.vocabulary import flag_texts, visit_reason
from tests.review_helpers import DAY, add_visit, later


def flags(visit) -> str:
    """The checks' reasons as a Vietnamese page shows them, one a line."""
    return "\n".join(flag_texts(visit))


def test_haversine_matches_a_known_distance():
    # One degree of latitude is about 111.2 km.
    assert abs(haversine_m(10.0, 105.0, 11.0, 105.0) - 111_195) < 50


def test_gps_far_from_the_hamlet_centre_is_flagged(field, db):
    field.hamlet.lat, field.hamlet.lon = 10.03, 105.77
    field.campaign.gps_max_distance_m = 1000
    db.session.commit()
    far = add_visit(field.campaign, field.hamlet, field.volunteer, lat=10.05, lon=105.77)
    assert far.review_status == ReviewStatus.FLAGGED
    assert "Vị trí GPS cách trung tâm" in flags(far) and "2.224 m" in flags(far)
    assert far.review_reason is None and "giới hạn 1.000 m" in visit_reason(far)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.object_id == far.id))
    assert (
        entry.action == "visit.auto_flag"
        and entry.user_id is None
        and entry.ward_code == field.hamlet.ward_code
    )
    assert entry.before["review_status"] == "pending" and entry.after["review_status"] == "flagged"


def test_gps_near_the_centre_or_missing_is_not_flagged(field, db):
    field.hamlet.lat, field.hamlet.lon = 10.03, 105.77
    db.session.commit()
    near = add_visit(field.campaign, field.hamlet, field.volunteer, lat=10.035, lon=105.77)
    no_gps = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 2")
    assert near.review_status == ReviewStatus.PENDING and near.auto_flags is None
    assert no_gps.review_status == ReviewStatus.PENDING and no_gps.auto_flags is None


def test_burst_of_visits_by_one_volunteer_is_flagged(field, db):
    field.campaign.burst_max_visits, field.campaign.burst_minutes = 3, 10
    db.session.commit()
    visits = [
        add_visit(field.campaign, field.hamlet, field.volunteer, label=f"Số {i}", at=later(2 * i))
        for i in range(4)
    ]
    assert [v.review_status for v in visits[:3]] == [ReviewStatus.PENDING] * 3
    assert visits[3].review_status == ReviewStatus.FLAGGED
    assert "4 lượt thăm trong 10 phút (tối đa 3)" in flags(visits[3])


def test_steady_pace_or_other_volunteers_are_not_a_burst(field, db, make_user):
    field.campaign.burst_max_visits, field.campaign.burst_minutes = 3, 10
    db.session.commit()
    other = make_user(Role.VOLUNTEER, team=field.team)
    steady = [
        add_visit(field.campaign, field.hamlet, field.volunteer, label=f"Số {i}", at=later(4 * i))
        for i in range(6)
    ]
    mixed = add_visit(field.campaign, field.hamlet, other, label="Số 99", at=later(20))
    assert all(v.review_status == ReviewStatus.PENDING for v in [*steady, mixed])


def test_same_household_same_day_by_two_volunteers_is_flagged(field, db, make_user):
    other = make_user(Role.VOLUNTEER, team=field.team)
    first = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 7")
    second = add_visit(field.campaign, field.hamlet, other, label="Số 7", at=later(300))
    assert first.review_status == ReviewStatus.PENDING
    assert second.review_status == ReviewStatus.FLAGGED
    assert f"tình nguyện viên khác ghi trong cùng ngày (lượt #{first.id})" in flags(second)


def test_same_household_next_local_day_or_same_volunteer_is_not_flagged(field, db, make_user):
    other = make_user(Role.VOLUNTEER, team=field.team)
    add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 7")
    # 17:30 UTC is 00:30 the next day in Vietnam: another local day.
    next_day = add_visit(
        field.campaign, field.hamlet, other, label="Số 7", at=DAY.replace(hour=17, minute=30)
    )
    again = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 7", at=later(60))
    assert next_day.review_status == ReviewStatus.PENDING
    assert again.review_status == ReviewStatus.PENDING


def test_implausible_residents_are_flagged_only_for_homes(field, db):
    big = add_visit(field.campaign, field.hamlet, field.volunteer, residents=21)
    assert big.review_status == ReviewStatus.FLAGGED
    assert "Số người trong hộ (21) vượt mức hợp lý (20)" in flags(big)
    edge = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 2", residents=20)
    school = add_visit(
        field.campaign,
        field.hamlet,
        field.volunteer,
        label="Trường",
        residents=300,
        site_kind=SiteKind.SCHOOL,
    )
    assert edge.review_status == ReviewStatus.PENDING
    assert school.review_status == ReviewStatus.PENDING


def test_several_reasons_are_all_kept_and_the_visit_still_counts(field, db):
    field.hamlet.lat, field.hamlet.lon = 10.03, 105.77
    db.session.commit()
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, residents=30, lat=10.2, lon=105.77)
    assert len(visit.auto_flags) == 2
    assert visit.counts_in_totals  # flagged, not blocked


def test_a_burst_inside_one_batch_from_the_phone_counts_both_window_ends(field, db, auth):
    """Through the API (new visits are checked without loading them back): the window of M minutes
    ending at a visit includes a visit exactly M minutes earlier."""
    field.campaign.burst_max_visits, field.campaign.burst_minutes = 4, 10
    db.session.commit()
    auth.api_login(field.volunteer)
    start = datetime.now(UTC) - timedelta(hours=2)
    items = [
        {
            "client_id": str(uuid.uuid4()),
            "campaign_id": field.campaign.id,
            "hamlet_id": field.hamlet.id,
            "household": f"Số {n}",
            "outcome": "not_home",
            "visited_at": (start + timedelta(seconds=150 * n)).isoformat(),  # every 2.5 minutes
        }
        for n in range(5)
    ]
    response = auth.client.post("/api/v1/visits", json={"visits": items})
    assert [r["status"] for r in response.get_json()["results"]] == ["created"] * 5
    stored = db.session.scalars(sa.select(Visit).order_by(Visit.visited_at)).all()
    # The 5th, at +10 min, has all five in [0, 10]; the 4th has four in [-2.5, 7.5].
    assert [v.review_status for v in stored] == [ReviewStatus.PENDING] * 4 + [ReviewStatus.FLAGGED]
    assert "5 lượt thăm trong 10 phút (tối đa 4)" in flags(stored[4])
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.object_id == stored[4].id))
    assert entry.action == "visit.auto_flag" and entry.ward_code == field.hamlet.ward_code
