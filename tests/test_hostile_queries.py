"""Every GET route of the app (pages and API), for every role, with hostile values in the query
parameters the routes read: an error a person can read, never a 500.

Routes come from the URL map, so a new route is covered the day it is added. Found this way:
a page number past SQLite's integers (the review queue and its API), and a volunteer's bad
campaign_id on a ward's coverage page (the retry without it raised again).
"""

import re

import pytest

from tests.conftest import CAN_THO, NINH_KIEU
from tests.review_helpers import add_visit

PARAMS = ("campaign_id", "date", "since", "page", "per_page", "sort", "dir", "status", "hamlet_id", "next")
VALUES = ("x", "-1", "9" * 25)
ROLES = ("volunteer", "lead", "coordinator", "admin")


def path_values(field, visit) -> dict:
    """A plausible value for each path argument, so that the route itself is reached."""
    return {
        "campaign_id": field.campaign.id,
        "code": NINH_KIEU,
        "ward_code": NINH_KIEU,
        "hamlet_id": field.hamlet.id,
        "team_id": field.team.id,
        "visit_id": visit.id,
        "level": "ward",
        "fmt": "csv",
        "kind": "csv",
    }


def get_routes(app, values) -> list[str]:
    paths = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = rule.rule
        for name in rule.arguments:
            value = CAN_THO if rule.rule.startswith("/provinces/") else values[name]
            path = re.sub(rf"<(?:[^<>:]+:)?{name}>", str(value), path)
        paths.append(path)
    return sorted(paths)


@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_values_never_make_a_500(app, field, db, client, auth, role):
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    paths = get_routes(app, path_values(field, visit))
    assert "/review/" in paths and "/coverage/<level>/<code>" not in paths
    auth.login(getattr(field, role))
    failures = []
    for path in paths:
        for name in PARAMS:
            for value in VALUES:
                response = client.get(path, query_string={name: value})
                if response.status_code >= 500:
                    failures.append(f"{path}?{name}={value}")
    assert not failures, failures
