"""Every GET route of the app (pages and API), for every role, with hostile values in the query
parameters the routes read: an error a person can read, never a 500.

Routes come from the URL map, so a new route is covered the day it is added. Found this way:
a page number past SQLite's integers (the review queue and its API), and a volunteer's bad
campaign_id on a ward's coverage page (the retry without it raised again).

Each parameter is sent with the first hostile value while `request.args` notes whose value was
read (by a hook, the view or a form). A route that never read it answered as it would with any
other value, so the other values go only to the routes that read it. A name read only for its
presence (the routes that refuse unknown parameters) counts as not read: its value changes
nothing.
"""

import re

import pytest
from werkzeug.datastructures import ImmutableMultiDict

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


class WatchedArgs(ImmutableMultiDict):
    """request.args that notes each name whose value is read; ALL when every value is."""

    ALL = object()
    read: set = set()


def _noting(method, every_value: bool):
    def noted(self, *args, **kwargs):
        self.read.add(self.ALL if every_value else args[0])
        return method(self, *args, **kwargs)

    return noted


for _name in ("__getitem__", "get", "getlist"):  # one name's value
    setattr(WatchedArgs, _name, _noting(getattr(ImmutableMultiDict, _name), every_value=False))
for _name in ("items", "values", "lists", "listvalues", "to_dict", "copy"):  # every value
    setattr(WatchedArgs, _name, _noting(getattr(ImmutableMultiDict, _name), every_value=True))


def value_read(name) -> bool:
    return name in WatchedArgs.read or WatchedArgs.ALL in WatchedArgs.read


@pytest.fixture
def watched_args(app, monkeypatch):
    monkeypatch.setattr(app.request_class, "parameter_storage_class", WatchedArgs)
    monkeypatch.setattr(WatchedArgs, "read", set())
    return WatchedArgs.read


@pytest.mark.parametrize("role", ROLES)
def test_hostile_query_values_never_make_a_500(app, field, db, client, auth, role, watched_args):
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    paths = get_routes(app, path_values(field, visit))
    assert "/review/" in paths and "/coverage/<level>/<code>" not in paths
    auth.login(getattr(field, role))
    failures, values_sent = [], 0
    for path in paths:
        for name in PARAMS:
            for value in VALUES:
                watched_args.clear()
                response = client.get(path, query_string={name: value})
                values_sent += 1
                if response.status_code >= 500:
                    failures.append(f"{path}?{name}={value}")
                if not value_read(name):
                    break  # the route never looked at it: another value answers the same
    assert not failures, failures
    # Every parameter got a value, and the ones routes read got all three.
    assert len(paths) * len(PARAMS) < values_sent < len(paths) * len(PARAMS) * len(VALUES)


def test_the_watch_on_query_arguments_sees_what_a_route_reads(app, field, client, auth, watched_args):
    auth.login(field.lead)
    watched_args.clear()
    client.get("/review/", query_string={"status": "all", "page": "2", "unused": "x"})
    assert {"status", "page"} <= watched_args and not value_read("unused")
    watched_args.clear()
    client.get("/metrics", query_string={"page": "x"})
    assert not value_read("page")
    watched_args.clear()
    client.get("/api/v1/visits", query_string={"mine": "1", "since": "x"})
    assert value_read("since")
    watched_args.clear()
    client.get("/coverage/ward/31135/table.csv", query_string={"campaign_id": "x"})
    assert value_read("campaign_id")
