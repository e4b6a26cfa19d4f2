"""Hostile text in every free-text column, and every GET route with real ids, for the export and
markup tests.

Every String, Text, Enum and JSON column of the models is either in FREE_TEXT (with the role that
writes it) or in NOT_FREE_TEXT (with why no one can put text of their choosing there), so a new
column cannot be forgotten. Values are planted straight into the rows: what a role's form would
store, without the form's own checks, so the output is tested on its own.
"""

import itertools
import re
import string
from dataclasses import dataclass, field
from urllib.parse import quote

import sqlalchemy as sa

from campaign.audit import record
from campaign.extensions import db
from campaign.visits.models import Visit, VisitConflict
from tests.conftest import CAN_THO, NINH_KIEU
from tests.review_helpers import add_visit

FREE_TEXT = {
    "campaign.name": "coordinator",
    "campaign_app.code": "coordinator",
    "campaign_app.name": "coordinator",
    "campaign.ranking_app_code": "coordinator",  # one of the campaign's app codes
    "official_count.app_code": "coordinator",  # one of the campaigns' app codes
    "hamlet.name": "lead",
    "team.name": "lead",
    "user.display_name": "lead",  # leads name their volunteers, coordinators their leads
    "user.phone": "lead",  # from a roster; checked as a phone number on the way in, shown to leads
    "household.label": "volunteer",
    "visit.note": "volunteer",
    "visit.review_reason": "lead",
    "visit.auto_flags": "volunteer",  # the checks' words, but quoted next to the volunteer's
    "audit_log.before": "lead",  # the values a change replaced, any of the above
    "audit_log.after": "lead",
    "visit_conflict.payload": "volunteer",  # a resent visit, as the phone sent it
}
NOT_FREE_TEXT = {
    "province.name": "the official list, loaded from vietnam-provinces",
    "province.division_type": "the official list",
    "ward.name": "the official list",
    "ward.division_type": "the official list",
    "user.username": "letters, digits and ._- only (auth.services), and never shown to others",
    "user.password_hash": "a hash",
    "join_code.code_hash": "an HMAC, never shown",
    "visit.content_hash": "a hash",
    "household.label_key": "the label's identity (areas.models.label_key), never shown",
    "visit.client_id": "a UUID, checked on the way in",
    "audit_log.action": "the server's names of actions",
    "audit_log.object_type": "a table name",
    "hamlet.kind": "an enum",
    "team.org_kind": "an enum",
    "user.role": "an enum",
    "visit.site_kind": "an enum",
    "breakdown_day.site_kind": "an enum (a visit's site kind)",
    "breakdown_total.site_kind": "an enum (a visit's site kind)",
    "visit.outcome": "an enum",
    "visit.review_status": "an enum",
    "official_count.level": "province or ward, checked by the import (and a CHECK constraint)",
}


def text_columns() -> set[str]:
    return {
        f"{table.name}.{column.name}"
        for table in db.metadata.sorted_tables
        for column in table.columns
        if isinstance(column.type, (sa.String, sa.JSON))
    }


@dataclass
class Planted:
    values: dict[str, str] = field(default_factory=dict)  # planted value -> "table.column"


def _replace_strings(value, new):
    if isinstance(value, dict):
        return {k: _replace_strings(v, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_strings(v, new) for v in value]
    return new() if isinstance(value, str) else value


def base36(n: int) -> str:
    digits = string.digits + string.ascii_lowercase
    out = ""
    while n:
        n, d = divmod(n, 36)
        out = digits[d] + out
    return out


def plant(payloads: list[str]) -> Planted:
    """Set every FREE_TEXT column of every row to one of `payloads` (the first that fits, turn
    about), with a suffix that keeps unique columns unique."""
    planted = Planted()
    counter = itertools.count(1)
    turn = itertools.count()
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.local_table.name):
        table = mapper.local_table
        columns = [c for c in table.columns if f"{table.name}.{c.name}" in FREE_TEXT]
        if not columns:
            continue
        for row in db.session.scalars(sa.select(mapper.class_)).all():
            for column in columns:
                name = f"{table.name}.{column.name}"
                limit = getattr(column.type, "length", None) or 10_000

                def new(name=name, limit=limit):
                    suffix = base36(next(counter))  # short: an app's code has 20
                    start = next(turn)
                    for i in range(len(payloads)):
                        payload = payloads[(start + i) % len(payloads)]
                        if len(payload) + len(suffix) <= limit:
                            planted.values[payload + suffix] = name
                            return payload + suffix
                    raise AssertionError(f"no payload fits {name}")

                key = mapper.get_property_by_column(column).key
                if isinstance(column.type, sa.JSON):
                    setattr(row, key, _replace_strings(getattr(row, key), new))
                else:
                    setattr(row, key, new())
    db.session.commit()
    return planted


@dataclass
class World:
    field: object
    visit: Visit
    planted: Planted


def planted_world(field, payloads: list[str]) -> World:
    """The `field` fixture with a visit (reviewed, flagged, resent with other counts), then
    every free-text column of every row planted."""
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 1")
    visit.note = "ghi chú"
    visit.auto_flags = [{"code": "text", "params": {"text": "cảnh báo"}}]
    visit.review_reason = "lý do"
    record(
        field.lead,
        "visit.flag",
        visit,
        ward_code=NINH_KIEU,
        before={"review_status": "pending", "review_reason": "cũ"},
        after={
            "review_status": "flagged",
            "review_reason": "mới",
            "auto_flags": [{"code": "text", "params": {"text": "cảnh báo"}}],
        },
    )
    db.session.add(
        VisitConflict(
            visit_id=visit.id,
            volunteer_id=field.volunteer.id,
            payload={"outcome": "x", "residents": "x", "smartphones": "x", "already_installed": "x"},
        )
    )
    db.session.commit()
    return World(field, visit, plant(payloads))


AREAS = ("country", "province", "ward", "hamlet")


def _path(rule, values: dict) -> str:
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:[^<>:]+:)?{name}>", quote(str(value), safe=""), path)
    return path


def route_values(world: World) -> dict:
    f = world.field
    return {
        "campaign_id": [f.campaign.id],
        "hamlet_id": [f.hamlet.id],
        "team_id": [f.team.id],
        "visit_id": [world.visit.id],
        "household_id": [world.visit.household_id],
        "user_id": [f.volunteer.id],
        "ward_code": [NINH_KIEU],
        "kind": ["csv", "xlsx"],
        "fmt": ["csv", "xlsx"],
    }


def get_pages(app, world: World) -> list[tuple[object, str, dict]]:
    """(rule, path, path values) for every GET route, each level of area where it takes one."""
    f = world.field
    values = route_values(world)
    area_codes = {"country": "vn", "province": CAN_THO, "ward": NINH_KIEU, "hamlet": f.hamlet.id}
    pages = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = set(rule.arguments)
        options = [{}]
        if {"level", "code"} <= args:
            options = [{"level": level, "code": area_codes[level]} for level in AREAS]
            args -= {"level", "code"}
        for name in sorted(args):
            if name == "code":
                choices = [CAN_THO] if rule.rule.startswith("/provinces/") else [NINH_KIEU]
            else:
                choices = values[name]
            options = [{**o, name: v} for o in options for v in choices]
        pages.extend((rule, _path(rule, o), o) for o in options)
    return sorted(pages, key=lambda p: p[1])


def page_queries(world: World) -> list[dict]:
    """Bare, and with the query parameters that make pages show more (all statuses, a
    correction's prefilled form, a campaign picked)."""
    f = world.field
    return [
        {},
        {
            "status": "all",
            "campaign_id": f.campaign.id,
            "campaign": f.campaign.id,
            "corrects": world.visit.client_id,
            "hamlet_id": f.hamlet.id,
            "code": NINH_KIEU,
        },
    ]


def hostile_path(rule, values: dict, name: str, value: str) -> str:
    return _path(rule, {**values, name: value})
