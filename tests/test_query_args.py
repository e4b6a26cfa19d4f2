"""Unknown query parameters: refused where they would widen what a change or an export selects,
ignored on plain pages.

Routes come from the URL map: every GET of the JSON API (but the session's /csrf and /me, which
read no rows), every bulk POST, and every CSV/XLSX export. A misspelt filter on the bulk action
used to approve a lead's whole ward.
"""

import re

import pytest

from campaign.visits.models import ReviewStatus, Visit
from tests.review_helpers import add_visit
from tests.test_hostile_queries import path_values

SESSION_ROUTES = {"/api/v1/csrf", "/api/v1/me"}
EXPORT = re.compile(r"\.(csv|xlsx|<(?:[^<>:]+:)?(?:kind|fmt)>)$")


def fill(rule, values) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[^<>:]+:)?{name}>", str(values[name]), path)
    return path


def is_strict(rule) -> bool:
    if rule.rule.startswith("/api/v1/") and "GET" in rule.methods:
        return rule.rule not in SESSION_ROUTES
    return ("POST" in rule.methods and "bulk" in rule.rule) or bool(EXPORT.search(rule.rule))


def strict_requests(app, values) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if is_strict(rule):
            method = "GET" if "GET" in rule.methods else "POST"
            found.append((method, fill(rule, values)))
    return sorted(found)


def send(client, method, path, query):
    body = {"action": "approve", "upto_id": 10**6}
    if method == "GET":
        return client.get(path, query_string=query)
    if path.startswith("/api/"):
        return client.post(path, query_string=query, json=body)
    return client.post(path, query_string=query, data=body)


@pytest.mark.parametrize("role", ["lead", "admin"])
def test_routes_that_select_rows_refuse_an_unknown_parameter_and_name_it(app, field, db, client, auth, role):
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    values = {**path_values(field, visit), "code": field.hamlet.ward_code}
    routes = strict_requests(app, values)
    paths = {p for _m, p in routes}
    # The class, as the URL map has it today: a route added tomorrow joins by itself.
    assert {"/api/v1/review/bulk", "/review/bulk", "/review/export/visits.csv", "/review/teams.csv"} <= paths
    assert "/api/v1/review/visits" in paths and "/api/v1/visits" in paths
    assert any(p.startswith("/coverage/") and p.endswith(".csv") for p in paths)
    auth.login(getattr(field, role))
    failures = []
    for method, path in routes:
        response = send(client, method, path, {"bogus": "1"})
        text = response.get_data(as_text=True)
        if response.status_code != 422 or "bogus" not in text:
            failures.append(f"{method} {path}: {response.status_code}")
        elif path.startswith("/api/"):
            error = response.get_json()["error"]
            if error["code"] != "unknown_parameters" or list(error["fields"]) != ["bogus"]:
                failures.append(f"{method} {path}: {error}")
        elif "Không hiểu tham số: bogus" not in text:
            failures.append(f"{method} {path}: no Vietnamese message")
    assert not failures, failures
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).review_status == ReviewStatus.PENDING


def test_a_misspelt_filter_on_the_bulk_action_approves_nothing(field, db, client, auth):
    visits = [add_visit(field.campaign, field.hamlet, field.volunteer, label=f"Số {n}") for n in (1, 2)]
    auth.login(field.lead)
    api = client.post(
        f"/api/v1/review/bulk?hamlett={field.hamlet.id}", json={"action": "approve", "upto_id": 10**6}
    )
    assert api.status_code == 422 and api.get_json()["error"]["fields"] == {
        "hamlett": ["Tham số không được hỗ trợ."]
    }
    # A known filter beside the misspelt one: the whole request is still refused.
    page = client.post(
        f"/review/bulk?status=all&hamlett={field.hamlet.id}", data={"action": "approve", "upto_id": 10**6}
    )
    assert page.status_code == 422 and "hamlett" in page.get_data(as_text=True)
    db.session.expire_all()
    assert {db.session.get(Visit, v.id).review_status for v in visits} == {ReviewStatus.PENDING}


@pytest.mark.parametrize("role", ["anonymous", "volunteer", "lead", "admin"])
def test_plain_pages_ignore_unknown_parameters(app, field, db, client, auth, role):
    """Links shared on social media arrive with ?fbclid=…: every other GET page answers as without."""
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    values = path_values(field, visit)
    if role != "anonymous":
        auth.login(getattr(field, role))
    pages = [
        fill(rule, values)
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and rule.endpoint != "static" and not is_strict(rule)
    ]
    assert "/review/" in pages and "/login" in pages and "/offline" in pages
    failures = []
    for path in sorted(pages):
        plain = client.get(path)
        shared = client.get(path, query_string={"fbclid": "IwAR0abc", "utm_source": "zalo"})
        if shared.status_code != plain.status_code:
            failures.append(f"{path}: {plain.status_code} then {shared.status_code}")
    assert not failures, failures


def test_the_queue_links_carry_only_the_filter(field, db, client, auth):
    """The queue opened from a shared link passes on the filter, not the tracker, so its bulk
    form and export link do not run into the refusal."""
    add_visit(field.campaign, field.hamlet, field.volunteer)
    auth.login(field.lead)
    page = client.get(f"/review/?hamlet={field.hamlet.id}&fbclid=IwAR0abc").get_data(as_text=True)
    links = re.findall(r'(?:action|href)="(/review/(?:bulk|export)[^"]*)"', page)
    assert f"/review/bulk?hamlet={field.hamlet.id}" in links
    assert f"/review/export?hamlet={field.hamlet.id}" in links
    assert not [link for link in links if "fbclid" in link]
