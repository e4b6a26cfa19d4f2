"""Access matrix: every review route × every role × an in-scope and an out-of-scope visit,
through the pages and the JSON API. Out-of-scope objects never change."""

import pytest
from flask import g

from campaign.audit import AuditLog
from campaign.visits.models import Visit
from tests.conftest import CAI_KHE, NINH_KIEU, PASSWORD
from tests.review_helpers import add_visit, confirmed_bulk, current_version

ROLES = ["anonymous", "volunteer", "lead", "other_lead", "coordinator", "other_coordinator", "admin"]
# Which of the two visits (Ninh Kiều, Cái Khế; both in Cần Thơ) each role reviews.
SCOPE = {
    "anonymous": set(),
    "volunteer": set(),
    "lead": {"nk"},
    "other_lead": {"ck"},
    "coordinator": {"nk", "ck"},
    "other_coordinator": set(),
    "admin": {"nk", "ck"},
}
WARD = {"nk": NINH_KIEU, "ck": CAI_KHE}
REVIEWER = {"lead", "other_lead", "coordinator", "other_coordinator", "admin"}

# (method, url with {id}, body, status when allowed); HTML then JSON.
VISIT_ROUTES = [
    ("GET", "/review/visits/{id}", None, 200),
    ("GET", "/review/visits/{id}/edit", None, 200),
    ("POST", "/review/visits/{id}/edit", {"residents": 4, "smartphones": 3, "already_installed": 1}, 200),
    ("POST", "/review/visits/{id}/review", {"action": "flag", "reason": "Kiểm tra"}, 302),
    ("GET", "/api/v1/review/visits/{id}/history", None, 200),
    ("POST", "/api/v1/review/visits/{id}", {"action": "flag", "reason": "Kiểm tra"}, 200),
    ("PATCH", "/api/v1/review/visits/{id}", {"residents": 5}, 200),
]
LIST_ROUTES = [
    ("GET", "/review/", None, 200),
    ("GET", "/review/export", None, 200),
    ("GET", "/review/export/visits.csv", None, 200),
    ("GET", "/review/export/visits.xlsx", None, 200),
    ("GET", "/review/teams", None, 200),
    ("GET", "/review/teams.csv", None, 200),
    ("GET", "/review/teams.xlsx", None, 200),
    ("GET", "/review/audit", None, None),  # a lead is sent to their ward's page
    ("GET", "/api/v1/review/visits?status=all", None, 200),
]


def send(client, method, url, body):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body if method != "GET" else None)
    return client.open(url, method=method, data=body)


def expected_denied(role, url):
    if role == "anonymous":
        return 401 if url.startswith("/api/") else 302
    return 403


@pytest.fixture
def world(field, auth, client):
    visits = {
        "nk": add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 1"),
        "ck": add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 2"),
    }
    return field, visits


def login_as(role, field, auth):
    if role != "anonymous":
        response = auth.login(getattr(field, role))
        assert response.status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_visit_routes(role, world, auth, client, db):
    field, visits = world
    login_as(role, field, auth)
    for key, visit in visits.items():
        for method, url, body, ok in VISIT_ROUTES:
            url = url.format(id=visit.id)
            if body is not None:  # at the version the page (or the API's ETag) gave
                body = {**body, "version": current_version(visit)}
            response = send(client, method, url, body)
            want = ok if key in SCOPE[role] else expected_denied(role, url)
            assert response.status_code == want, (role, key, method, url, response.status_code)
            if url.startswith("/api/") and response.status_code >= 400:
                assert response.is_json and response.get_json()["error"]["status"] == want
        db.session.expire_all()
        stored = db.session.get(Visit, visit.id)
        touched = db.session.query(AuditLog).filter_by(object_id=visit.id).count()
        if key in SCOPE[role]:
            assert stored.review_status.value == "flagged" and stored.residents == 5 and touched >= 2
        else:
            assert stored.review_status.value == "pending" and stored.residents == 4 and touched == 0
    assert client.get("/review/visits/999999").status_code == (
        404 if role in REVIEWER else expected_denied(role, "/")
    )


@pytest.mark.parametrize("role", ROLES)
def test_list_routes_and_bulk_stay_in_scope(role, world, auth, client, db):
    field, visits = world
    login_as(role, field, auth)
    for method, url, body, ok in LIST_ROUTES:
        response = send(client, method, url, body)
        if role in REVIEWER:
            want = ok or (302 if role in ("lead", "other_lead") else 200)
        else:
            want = expected_denied(role, url)
        assert response.status_code == want, (role, url, response.status_code)
    if role in REVIEWER:
        listed = client.get("/api/v1/review/visits?status=all").get_json()["items"]
        assert {v["id"] for v in listed} == {visits[k].id for k in SCOPE[role]}
        csv_text = client.get("/review/export/visits.csv").get_data().decode("utf-8-sig")
        assert ("Số 1" in csv_text, "Số 2" in csv_text) == ("nk" in SCOPE[role], "ck" in SCOPE[role])
    html = client.post("/review/bulk", data={"action": "reject", "reason": "Sai", "upto_id": 10**6})
    if role in REVIEWER:  # that asked "reject all N?"; confirm
        assert html.status_code == 200
        html = confirmed_bulk(client, "/review/bulk", {"action": "reject", "reason": "Sai", "upto_id": 10**6})
    api = client.post("/api/v1/review/bulk?status=all", json={"action": "approve", "upto_id": 10**6})
    if role in REVIEWER:
        assert html.status_code == 302 and api.status_code == 200
        assert api.get_json()["matched"] == len(SCOPE[role])
    else:
        assert html.status_code == expected_denied(role, "/") and api.status_code == expected_denied(
            role, "/api/"
        )
    db.session.expire_all()
    for key, visit in visits.items():
        want = "approved" if key in SCOPE[role] else "pending"
        assert db.session.get(Visit, visit.id).review_status.value == want, (role, key)


@pytest.mark.parametrize("role", ROLES)
def test_ward_audit_page(role, world, auth, client):
    field, _visits = world
    login_as(role, field, auth)
    for key, code in WARD.items():
        response = client.get(f"/review/wards/{code}/audit")
        want = 200 if key in SCOPE[role] else expected_denied(role, "/")
        assert response.status_code == want, (role, key)
    if role in REVIEWER:
        assert client.get("/review/wards/1/audit").status_code in (403, 404)


def test_csrf_is_required_on_review_posts(field, db, request):
    visit_id = add_visit(field.campaign, field.hamlet, field.volunteer).id
    username = field.lead.username
    db.session.close()  # the CSRF app writes through its own connection
    csrf_client = request.getfixturevalue("csrf_client")
    csrf_client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    # csrf_client keeps one app context for the whole test, so `g` (where Flask-WTF caches the
    # token) outlives the login that replaced the session; drop the stale cached token.
    g.pop("csrf_token", None)
    body = {"action": "approve", "version": 1}
    missing = csrf_client.open(f"/api/v1/review/visits/{visit_id}", method="POST", json=body)
    assert missing.status_code == 400 and missing.get_json()["error"]["code"] == "csrf"
    ok = csrf_client.post(f"/api/v1/review/visits/{visit_id}", json=body)
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["review_status"] == "approved"
