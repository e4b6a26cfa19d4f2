"""Lost updates: two reviewers change one visit at the same moment.

Every change of one visit names the version it read (a hidden field on the pages; If-Match or
`version` on the API). No version is a 428, an old one a 409 with the visit as stored now, and
the audit's "before" is always the stored value the change replaced. Runs on SQLite and, with
$CAMPAIGN_TEST_DATABASE_URL, on PostgreSQL, including two requests in two threads at once.
"""

import re
import threading

import pytest

from campaign.visits.models import ReviewStatus, Visit
from tests.conftest import PASSWORD
from tests.review_helpers import add_visit
from tests.test_review import entries


def stored(db, visit) -> Visit:
    db.session.expire_all()
    return db.session.get(Visit, visit.id)


@pytest.fixture
def two(field, app):
    """Two reviewers of the visit's ward, each with a browser of their own."""
    clients = []
    for user in (field.lead, field.coordinator):
        client = app.test_client()
        response = client.post("/login", data={"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        clients.append(client)
    return clients


def counts(residents, field, **extra) -> dict:
    bluezone, ncovi = field.campaign.apps
    return {
        "residents": residents,
        "smartphones": 3,
        "already_installed": 1,
        f"app_{bluezone.id}": 1,
        f"app_{ncovi.id}": 0,
        **extra,
    }


def test_the_second_edit_from_an_old_form_is_a_conflict_not_an_overwrite(field, db, two):
    lead, coordinator = two
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, residents=4)
    # Both open the edit form of version 1.
    pages = [c.get(f"/review/visits/{visit.id}/edit").get_data(as_text=True) for c in two]
    versions = [
        re.search(r'id="version" name="version" type="hidden" value="(\d+)"', p).group(1) for p in pages
    ]
    assert versions == ["1", "1"]
    assert lead.post(f"/review/visits/{visit.id}/edit", data=counts(6, field, version=1)).status_code == 302
    late = coordinator.post(f"/review/visits/{visit.id}/edit", data=counts(7, field, version=1))
    text = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Người khác vừa thay đổi lượt thăm này" in text
    # The form now shows what is stored (the lead's 6) and carries the version it has.
    assert re.search(r'name="residents"[^>]*value="6"', text)
    assert re.search(r'name="version" type="hidden" value="2"', text)
    assert stored(db, visit).residents == 6
    # Seen, and sent again from the fresh form: it applies, and the audit chains.
    assert (
        coordinator.post(f"/review/visits/{visit.id}/edit", data=counts(7, field, version=2)).status_code
        == 302
    )
    first, second = [e for e in entries(db, visit) if e.action == "visit.edit"]
    assert (first.before["residents"], first.after["residents"]) == (4, 6)
    assert second.before == first.after and second.after["residents"] == 7


def test_a_review_decision_from_an_old_page_is_a_conflict(field, db, two):
    lead, coordinator = two
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    assert (
        lead.post(f"/review/visits/{visit.id}/review", data={"action": "approve", "version": 1}).status_code
        == 302
    )
    late = coordinator.post(
        f"/review/visits/{visit.id}/review", data={"action": "reject", "reason": "Trùng", "version": 1}
    )
    assert late.status_code == 409
    text = late.get_data(as_text=True)
    assert "Người khác vừa thay đổi lượt thăm này" in text and "Đã duyệt" in text
    assert stored(db, visit).review_status == ReviewStatus.APPROVED
    # A page without the version (drawn before versions existed): refused, nothing changes.
    missing = coordinator.post(
        f"/review/visits/{visit.id}/review", data={"action": "reject", "reason": "Trùng"}
    )
    assert missing.status_code == 428 and "tải lại trang" in missing.get_data(as_text=True)
    assert stored(db, visit).review_status == ReviewStatus.APPROVED


def test_the_api_takes_if_match_or_version_and_answers_428_and_409(field, db, client, auth):
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, residents=4)
    auth.login(field.lead)
    url = f"/api/v1/review/visits/{visit.id}"
    history = client.get(f"{url}/history")
    assert history.headers["ETag"] == '"1"' and history.get_json()["visit"]["version"] == 1
    listed = client.get("/api/v1/review/visits").get_json()["items"]
    assert listed[0]["version"] == 1
    for method, body in (("PATCH", {"residents": 5}), ("POST", {"action": "approve"})):
        missing = client.open(url, method=method, json=body)
        assert missing.status_code == 428 and missing.get_json()["error"]["code"] == "version_required"
    bad = client.patch(url, json={"residents": 5}, headers={"If-Match": "*"})
    assert bad.status_code == 422
    ok = client.patch(url, json={"residents": 5}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"' and ok.get_json()["version"] == 2
    stale = client.patch(url, json={"residents": 8, "version": 1})
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"]["code"] == "version_conflict" and body["current"]["residents"] == 5
    assert body["current"]["version"] == 2 and stale.headers["ETag"] == '"2"'
    assert client.post(url, json={"action": "approve"}, headers={"If-Match": '"1"'}).status_code == 409
    assert client.post(url, json={"action": "approve"}, headers={"If-Match": '"2"'}).status_code == 200
    assert stored(db, visit).residents == 5 and stored(db, visit).version == 3
    # A key the API does not know is refused rather than ignored.
    unknown = client.patch(url, json={"residnts": 9, "version": 3})
    assert unknown.status_code == 422 and "residnts" in unknown.get_json()["error"]["fields"]


def test_moving_installs_between_apps_moves_the_version(field, db, client, auth):
    """Only the install rows change (the visit's own columns stay): still a new version."""
    bluezone, ncovi = field.campaign.apps
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, installs={bluezone.id: 1})
    auth.login(field.lead)
    response = client.patch(
        f"/api/v1/review/visits/{visit.id}", json={"installs": {"bluezone": 0, "ncovi": 1}, "version": 1}
    )
    assert response.status_code == 200 and response.get_json()["version"] == 2
    again = client.patch(
        f"/api/v1/review/visits/{visit.id}", json={"installs": {"bluezone": 1}, "version": 1}
    )
    assert again.status_code == 409
    # Saving the same numbers again changes nothing, not even the version.
    same = client.patch(f"/api/v1/review/visits/{visit.id}", json={"installs": {"ncovi": 1}, "version": 2})
    assert same.status_code == 200 and same.get_json()["version"] == 2


def test_a_confirmed_bulk_action_is_refused_when_the_count_moved(field, db, client, auth):
    visits = [add_visit(field.campaign, field.hamlet, field.volunteer, label=f"Số {n}") for n in (1, 2)]
    auth.login(field.lead)
    ask = client.post("/review/bulk", data={"action": "approve", "upto_id": 10**6})
    assert ask.status_code == 200 and "Duyệt tất cả 2 lượt thăm?" in ask.get_data(as_text=True)
    assert stored(db, visits[0]).review_status == ReviewStatus.PENDING  # asking changed nothing
    # Meanwhile another reviewer rejects one: the open filter now matches 1.
    client.post(
        f"/review/visits/{visits[1].id}/review", data={"action": "reject", "reason": "Trùng", "version": 1}
    )
    late = client.post("/review/bulk", data={"action": "approve", "upto_id": 10**6, "count": 2})
    text = late.get_data(as_text=True)
    assert late.status_code == 409 and "Duyệt tất cả 1 lượt thăm?" in text and "Chưa có gì thay đổi" in text
    assert stored(db, visits[0]).review_status == ReviewStatus.PENDING
    api = client.post("/api/v1/review/bulk", json={"action": "approve", "upto_id": 10**6, "count": 2})
    assert api.status_code == 409 and api.get_json()["error"]["code"] == "count_changed"
    ok = client.post("/review/bulk", data={"action": "approve", "upto_id": 10**6, "count": 1})
    assert ok.status_code == 302 and stored(db, visits[0]).review_status == ReviewStatus.APPROVED


def test_two_reviewers_at_the_same_moment_one_wins_one_is_told(field, db, app):
    """Two threads, two sessions, one visit, the same version read: exactly one change applies,
    the other gets 409, and the audit's single entry starts from the stored value."""
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, residents=4)
    db.session.commit()
    clients = []
    for user in (field.lead, field.coordinator):
        c = app.test_client()
        assert (
            c.post("/api/v1/session", json={"username": user.username, "password": PASSWORD}).status_code
            == 201
        )
        clients.append(c)
    url = f"/api/v1/review/visits/{visit.id}"  # read here: the threads have no app context
    db.session.close()  # this thread's transaction would hold SQLite's writer lock
    barrier = threading.Barrier(len(clients))
    results = {}

    def edit(n, c):
        barrier.wait()
        try:
            response = c.patch(url, json={"residents": 5 + n, "version": 1})
            results[n] = (response.status_code, response.get_json())
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            results[n] = (repr(error), None)

    threads = [threading.Thread(target=edit, args=(n, c)) for n, c in enumerate(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    statuses = sorted(status for status, _body in results.values())
    assert statuses == [200, 409], results
    [winner] = [n for n, (status, _b) in results.items() if status == 200]
    [loser] = [body for status, body in results.values() if status == 409]
    assert loser["current"]["residents"] == 5 + winner and loser["current"]["version"] == 2
    row = stored(db, visit)
    assert (row.residents, row.version) == (5 + winner, 2)
    [entry] = [e for e in entries(db, visit) if e.action == "visit.edit"]
    assert entry.before["residents"] == 4 and entry.after["residents"] == 5 + winner
