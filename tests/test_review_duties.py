"""Separation of duties and corrections that stay where the visit was.

Nobody reviews (approves, flags, rejects or edits) a visit they logged; whoever is above its
author, or a peer (another lead of the ward), does. Checked for every reviewing role, on every
route that changes a visit (page and API) and on the bulk action.
"""

import pytest

from campaign.auth.models import Role
from campaign.coverage import totals
from campaign.visits.models import ReviewStatus, Visit
from tests.conftest import NINH_KIEU
from tests.review_helpers import add_visit, confirmed_bulk, current_version
from tests.test_visits_api import item

# The routes that change one visit, with a body that changes something; (method, url, body).
CHANGES = [
    ("POST", "/review/visits/{id}/review", {"action": "flag", "reason": "Kiểm tra"}),
    ("POST", "/review/visits/{id}/edit", {"residents": 5, "smartphones": 3, "already_installed": 1}),
    ("POST", "/api/v1/review/visits/{id}", {"action": "approve"}),
    ("PATCH", "/api/v1/review/visits/{id}", {"residents": 5}),
]


def promoted_after_logging(field, db, make_user, role):
    """A volunteer who logged a visit, then became a coordinator or an admin: the only way
    someone above a lead comes to have visits of their own."""
    province = field.coordinator.province_code if role == Role.COORDINATOR else None
    author = make_user(Role.VOLUNTEER, team=field.team)
    own = add_visit(field.campaign, field.hamlet, author, label="Số 1")
    author.role, author.team_id, author.province_code = role, None, province
    db.session.commit()
    return author, own


def send(client, method, url, body):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body)
    return client.open(url, method=method, data=body)


def untouched(db, visit) -> bool:
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    return stored.review_status == ReviewStatus.PENDING and stored.residents == 4 and stored.version == 1


@pytest.mark.parametrize("role", [Role.LEAD, Role.COORDINATOR, Role.ADMIN])
def test_nobody_reviews_their_own_visit(role, field, db, client, auth, make_user):
    if role == Role.LEAD:
        author = field.lead
        own = add_visit(field.campaign, field.hamlet, author, label="Số 1")
    else:  # coordinators and admins log no visits: one who logged visits before a promotion
        author, own = promoted_after_logging(field, db, make_user, role)
    auth.login(author)
    for method, url, body in CHANGES:
        url = url.format(id=own.id)
        response = send(client, method, url, {**body, "version": current_version(own)})
        assert response.status_code == 403, (method, url, response.status_code)
    assert untouched(db, own)
    # They still see it, without the buttons.
    page = client.get(f"/review/visits/{own.id}").get_data(as_text=True)
    assert "Bạn không duyệt lượt thăm này" in page and 'name="action"' not in page
    queue = client.get("/review/").get_data(as_text=True)
    assert "Bạn không duyệt lượt thăm này" in queue
    assert client.get(f"/api/v1/review/visits/{own.id}/history").status_code == 200
    # Someone above, or a peer of the same ward, does review it.
    peer = make_user(role, ward=NINH_KIEU if role == Role.LEAD else None, province=author.province_code)
    auth.logout()
    auth.login(peer)
    response = client.post(
        f"/api/v1/review/visits/{own.id}", json={"action": "approve", "version": current_version(own)}
    )
    assert response.status_code == 200 and response.get_json()["review_status"] == "approved"


def test_a_lead_does_not_review_a_visit_of_someone_above(field, db, client, auth, make_user):
    _, above = promoted_after_logging(field, db, make_user, Role.COORDINATOR)
    auth.login(field.lead)
    for method, url, body in CHANGES:
        response = send(client, method, url.format(id=above.id), {**body, "version": 1})
        assert response.status_code == 403, (method, url)
    assert untouched(db, above)


def test_bulk_skips_ones_own_visits_and_says_how_many(field, db, client, auth):
    theirs = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 1")
    own = [add_visit(field.campaign, field.hamlet, field.lead, label=f"Số {n}") for n in (2, 3)]
    auth.login(field.lead)
    ask = client.post("/review/bulk", data={"action": "approve", "upto_id": 10**6}).get_data(as_text=True)
    assert "Duyệt tất cả 3 lượt thăm?" in ask and "Bỏ qua 2 lượt thăm" in ask
    done = confirmed_bulk(client, "/review/bulk", {"action": "approve", "upto_id": 10**6})
    page = client.get(done.location).get_data(as_text=True)
    assert "Đã cập nhật 1 trên 3 lượt thăm" in page and "Bỏ qua 2 lượt thăm" in page
    api = client.post(
        "/api/v1/review/bulk?status=all", json={"action": "flag", "reason": "Xem", "upto_id": 10**6}
    )
    assert api.get_json() == {"matched": 3, "changed": 1, "skipped": 2}
    db.session.expire_all()
    assert db.session.get(Visit, theirs.id).review_status == ReviewStatus.FLAGGED
    assert {db.session.get(Visit, v.id).review_status for v in own} == {ReviewStatus.PENDING}


def test_a_correction_stays_in_the_hamlet_of_the_visit_it_corrects(field, db, client, auth):
    """A volunteer moved to another ward's team cannot post, from there, a correction of a
    visit in the old ward (the new ward's lead would supersede a visit they may not open)."""
    auth.login(field.volunteer)
    first = item(field)
    assert (
        client.post("/api/v1/visits", json={"visits": [first]}).get_json()["results"][0]["status"]
        == "created"
    )
    field.volunteer.team_id = field.other_team.id  # moved to Cái Khế
    db.session.commit()
    moved = item(field, hamlet_id=field.other_hamlet.id, corrects=first["client_id"], residents=5)
    [result] = client.post("/api/v1/visits", json={"visits": [moved]}).get_json()["results"]
    assert result["status"] == "invalid" and "hamlet_id" in result["errors"]
    assert db.session.query(Visit).filter(Visit.corrects_id.isnot(None)).count() == 0


def test_only_a_reviewer_of_the_original_approves_a_correction(field, db, client, auth):
    """A correction stored in another ward (before this rule, or by any other path) is not the
    other ward's lead's to approve: approving it would supersede a visit outside their ward."""
    original = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 1")
    # The visit API refuses such a correction now: make one as an older version stored it.
    stray = add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 1")
    with totals.tracking(field.campaign.id, [stray.household_id]):
        db.session.execute(
            Visit.__table__.update()
            .where(Visit.id == stray.id)
            .values(corrects_id=original.id, volunteer_id=field.volunteer.id)
        )
    db.session.commit()
    auth.login(field.other_lead)
    response = client.post(f"/api/v1/review/visits/{stray.id}", json={"action": "approve", "version": 1})
    assert response.status_code == 403
    api = client.post("/api/v1/review/bulk?status=all", json={"action": "approve", "upto_id": 10**6})
    assert api.get_json() == {"matched": 1, "changed": 0, "skipped": 1}
    db.session.expire_all()
    assert not db.session.get(Visit, original.id).superseded
    assert db.session.get(Visit, stray.id).review_status == ReviewStatus.PENDING
    # The coordinator, who reviews both wards, may.
    auth.logout()
    auth.login(field.coordinator)
    response = client.post(f"/api/v1/review/visits/{stray.id}", json={"action": "approve", "version": 1})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Visit, original.id).superseded
