"""Storing visits from the phone (one or a batch), and the queries behind "my visits".

`submit_visits` is the one way a visit gets in: the HTML form and the API both call it.
Each item gets a result: created, duplicate (same client_id, same content), conflict (same
client_id, other content: the first version stays, the resend is recorded) or invalid.
It only flushes (after a commit of its reads under `database.reads_first`); the caller commits
the whole batch at once.
"""

from collections import defaultdict
from datetime import UTC, datetime
from functools import lru_cache

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from campaign import access, vocabulary
from campaign.areas.models import Household, label_key
from campaign.campaigns.models import Campaign
from campaign.coverage import totals
from campaign.database import start_writing
from campaign.extensions import db
from campaign.i18n import VN_TZ, day_bounds, local_today
from campaign.numbers import ITEM_ERRORS
from campaign.review.checks import run_automatic_checks
from campaign.types import UTCDateTime
from campaign.visits import forms
from campaign.visits.hashing import content_hash
from campaign.visits.models import (
    NewVisit,
    Outcome,
    ReviewStatus,
    SiteKind,
    Visit,
    VisitConflict,
    VisitInstall,
)

CREATED, DUPLICATE, CONFLICT, INVALID = "created", "duplicate", "conflict", "invalid"


# The batch's campaigns with their apps, in one query (the rules read both for every item).
_CAMPAIGNS_WITH_APPS = (
    sa.select(Campaign)
    .where(Campaign.id.in_(sa.bindparam("ids", expanding=True)))
    .options(joinedload(Campaign.apps))
)


class Context:
    """What the rules need from the database, loaded once per batch."""

    def __init__(self, user, visits: list[dict]):
        self.user = user
        self.campaigns: dict[int, Campaign | None] = {}
        self.allowed: set[tuple[int, int]] = set()
        hamlets = defaultdict(set)
        for v in visits:
            hamlets[v["campaign_id"]].add(v["hamlet_id"])
        loaded = {
            c.id: c for c in db.session.scalars(_CAMPAIGNS_WITH_APPS, {"ids": sorted(hamlets)}).unique()
        }
        for campaign_id, hamlet_ids in sorted(hamlets.items()):
            campaign = loaded.get(campaign_id)
            if campaign is None or not access.can_see_campaign(user, campaign):
                campaign = None
            else:
                ids = access.loggable_hamlet_ids(user, campaign, hamlet_ids)
                self.allowed.update((campaign_id, hamlet_id) for hamlet_id in ids)
            self.campaigns[campaign_id] = campaign

    def campaign(self, campaign_id: int) -> Campaign | None:
        return self.campaigns.get(campaign_id)

    def may_log(self, campaign: Campaign, hamlet_id: int) -> bool:
        return (campaign.id, hamlet_id) in self.allowed


def check_context(v: dict, ctx: Context, rules: forms.Rules) -> dict:
    """The rules that need the database; {} when the visit may be stored."""
    campaign = ctx.campaign(v["campaign_id"])
    if campaign is None:
        return {"campaign_id": [rules.m["campaign"]]}
    errors = {}
    if not ctx.may_log(campaign, v["hamlet_id"]):
        errors["hamlet_id"] = [rules.m["hamlet"]]
    start, _end = day_bounds(campaign.start_date)
    if v["visited_at"] < start:
        errors["visited_at"] = [rules.m["before_start"]]
    codes = {a.code for a in campaign.apps}
    for code in v["installs"]:
        if code not in codes:
            errors[f"installs.{code}"] = [rules.m["app"]]
    return errors


def submit_visits(user, items: list, now: datetime | None = None) -> list[dict]:
    """Store what is new and valid; one result per item, in order. Flushes; the caller commits.
    Under the visit API (`database.reads_first`) the reads end in a commit of their own before
    the writes start."""
    now = now or datetime.now(UTC)
    rules = forms.Rules()
    results: list[dict] = []
    parsed: list[dict | None] = []
    for item in items:
        try:
            v, errors = forms.parse_visit(item, rules, now)
            if v is not None:
                v["hash"] = content_hash(forms.hash_content(v))
        except ITEM_ERRORS:  # one item's unreadable value is that item's error, not the batch's
            v, errors = None, {"_": [rules.m["unreadable"]]}
        client_id = item.get("client_id") if isinstance(item, dict) else None
        if not isinstance(client_id, str):
            client_id = None  # echoed back so the phone can match the answer; only ever a string
        results.append({"client_id": v["client_id"] if v else client_id, "status": INVALID, "errors": errors})
        parsed.append(v)

    client_ids = {v["client_id"] for v in parsed if v}
    existing = _existing(client_ids)
    ctx = Context(user, [v for v in parsed if v and v["client_id"] not in existing])
    seen_in_batch: dict[str, dict] = {}
    new: list[tuple[int, dict]] = []
    for index, v in enumerate(parsed):
        if v is None:
            continue
        cid = v["client_id"]
        if cid in existing or cid in seen_in_batch:
            continue  # a resend: settled below, against what is stored
        try:
            errors = check_context(v, ctx, rules)
            if not errors and v["corrects"]:
                errors = _resolve_correction(v, user, rules)
        except ITEM_ERRORS:
            errors = {"_": [rules.m["unreadable"]]}
        if errors:
            results[index]["errors"] = errors
            continue
        seen_in_batch[cid] = v
        new.append((index, v))

    # Resends of visits stored before this request: settled from the rows read above.
    conflicts: dict[int, int] = {}  # item index -> id of the stored visit it conflicts with
    for index, v in enumerate(parsed):
        row = existing.get(v["client_id"]) if v else None
        if row is not None and _settle_resend(results[index], row, v, user):
            conflicts[index] = row.id
    if not new and not conflicts:
        return results  # nothing to write: a batch of duplicates never waits for the write lock

    start_writing()  # everything above only read
    inserted = _store_new(user, new, ctx, now) if new else set()
    for index, v in new:
        if v["client_id"] in inserted:
            results[index].update(status=CREATED, errors={})

    # Repeats inside this batch, and a client_id that another request stored since the read.
    pending = [
        (index, v)
        for index, v in enumerate(parsed)
        if v is not None and results[index]["status"] == INVALID and not results[index]["errors"]
    ]
    if pending:
        stored = _existing({v["client_id"] for _i, v in pending})
        for index, v in pending:
            row = stored.get(v["client_id"])
            if row is None:  # cannot happen: a pending item names a stored visit
                results[index]["errors"] = {"client_id": [rules.m["client_id"]]}
            elif _settle_resend(results[index], row, v, user):
                conflicts[index] = row.id
    for index, visit_id in conflicts.items():
        db.session.add(
            VisitConflict(
                visit_id=visit_id, volunteer_id=user.id, received_at=now, payload=_payload(items[index])
            )
        )
    db.session.flush()
    return results


def _settle_resend(result: dict, row, v: dict, user) -> bool:
    """A resend of the stored visit `row` is a duplicate when it is the same volunteer's same
    content, else a conflict. True for a conflict, which the caller records."""
    if row.volunteer_id == user.id and row.content_hash == v["hash"]:
        result.update(status=DUPLICATE, errors={})
        return False
    result.update(status=CONFLICT, errors={})
    return True


def _payload(item) -> dict:
    return item if isinstance(item, dict) else {"value": item}


def _existing(client_ids) -> dict:
    if not client_ids:
        return {}
    rows = db.session.execute(_EXISTING, {"ids": sorted(client_ids)}).all()
    return {row.client_id: row for row in rows}


def _resolve_correction(v: dict, user, rules) -> dict:
    corrected = db.session.execute(
        sa.select(Visit.id, Visit.campaign_id, Visit.hamlet_id).where(
            Visit.client_id == v["corrects"], Visit.volunteer_id == user.id
        )
    ).first()
    if corrected is None or corrected.campaign_id != v["campaign_id"]:
        return {"corrects": [rules.m["corrects"]]}
    # A correction stays where the visit was: in another hamlet (another ward, after a move to
    # another team) its reviewers would supersede a visit they may not even open.
    if corrected.hamlet_id != v["hamlet_id"]:
        return {"hamlet_id": [_("Bản sửa phải ở cùng thôn/ấp với lượt thăm được sửa.")]}
    v["corrects_id"] = corrected.id
    return {}


# The statements on every visit's path, built once: building a statement costs more than running it.
_VISIT, _HOUSEHOLD = Visit.__table__, Household.__table__
_EXISTING = sa.select(_VISIT.c.id, _VISIT.c.client_id, _VISIT.c.volunteer_id, _VISIT.c.content_hash).where(
    _VISIT.c.client_id.in_(sa.bindparam("ids", expanding=True))
)
_HOUSEHOLDS_FOR_UPDATE = (
    sa.select(_HOUSEHOLD.c.hamlet_id, _HOUSEHOLD.c.label_key, _HOUSEHOLD.c.id)
    .where(
        sa.tuple_(_HOUSEHOLD.c.hamlet_id, _HOUSEHOLD.c.label_key).in_(sa.bindparam("keys", expanding=True))
    )
    .order_by(_HOUSEHOLD.c.id)
    .with_for_update()
)
# ON CONFLICT as text, the same on SQLite and PostgreSQL: SQLAlchemy's dialect inserts with
# on_conflict are compiled again on every call (not cacheable), which cost more than the insert.
_INSERT_HOUSEHOLDS = sa.text(
    "INSERT INTO household (hamlet_id, label, label_key, listed) VALUES (:hamlet_id, :label, :label_key, :listed) "
    "ON CONFLICT (hamlet_id, label_key) DO NOTHING"
)
_INSERT_INSTALLS = sa.insert(VisitInstall.__table__)
_VISIT_COLUMNS = (
    "client_id",
    "campaign_id",
    "hamlet_id",
    "household_id",
    "volunteer_id",
    "site_kind",
    "outcome",
    "residents",
    "smartphones",
    "already_installed",
    "installs_total",
    "visited_at",
    "received_at",
    "lat",
    "lon",
    "accuracy_m",
    "note",
    "content_hash",
    "review_status",
    "superseded",
    "corrects_id",
)
_VISIT_INSERT_ROWS = 100  # per statement: 2,100 parameters, far below SQLite's and PostgreSQL's limits


@lru_cache(maxsize=_VISIT_INSERT_ROWS)
def _insert_visits(rows: int) -> sa.TextClause:
    """One INSERT of `rows` visits that skips a client_id already stored and returns
    (client_id, id) of those it stored. Multi-row VALUES, since RETURNING needs one statement."""
    values = ", ".join("(" + ", ".join(f":{c}_{n}" for c in _VISIT_COLUMNS) + ")" for n in range(rows))
    statement = sa.text(
        f"INSERT INTO visit ({', '.join(_VISIT_COLUMNS)}) VALUES {values} "
        "ON CONFLICT (client_id) DO NOTHING RETURNING client_id, id"
    )
    times = (
        sa.bindparam(f"{c}_{n}", type_=UTCDateTime())
        for n in range(rows)
        for c in ("visited_at", "received_at")
    )
    return statement.bindparams(*times)


def _insert_visit_rows(rows: list[dict]) -> dict[str, int]:
    """Insert these visit rows; {client_id: id} of the ones stored (a client_id already there is skipped)."""
    created = {}
    for start in range(0, len(rows), _VISIT_INSERT_ROWS):
        chunk = rows[start : start + _VISIT_INSERT_ROWS]
        params = {f"{c}_{n}": row[c] for n, row in enumerate(chunk) for c in _VISIT_COLUMNS}
        created.update(db.session.execute(_insert_visits(len(chunk)), params).all())
    return created


def household_ids(pairs: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """Find or create the households named (hamlet_id, label); safe against a concurrent insert.
    Labels with one `label_key` are one household, stored with the label first seen."""
    keys = {(h, label): (h, label_key(label)) for h, label in sorted(pairs)}
    first = {}
    for (_hamlet, label), key in keys.items():
        first.setdefault(key, label)
    db.session.execute(
        _INSERT_HOUSEHOLDS,
        [
            {"hamlet_id": h, "label": label, "label_key": key, "listed": False}
            for (h, key), label in first.items()
        ],
    )
    # Locked (on PostgreSQL) until the visits and the summary are written: see totals.lock_households.
    found = db.session.execute(_HOUSEHOLDS_FOR_UPDATE, {"keys": sorted(first)}).all()
    ids = {(row.hamlet_id, row.label_key): row.id for row in found}
    return {pair: ids[key] for pair, key in keys.items()}


def _store_new(user, new: list[tuple[int, dict]], ctx: Context, now: datetime) -> set[str]:
    """Insert the new visits campaign by campaign, add them to the summary, run the automatic checks."""
    households = household_ids({(v["hamlet_id"], v["household"]) for _i, v in new})
    by_campaign = defaultdict(list)
    for _index, v in new:
        by_campaign[v["campaign_id"]].append(v)
    inserted: set[str] = set()
    for campaign_id, visits in sorted(by_campaign.items()):
        # In client_id order, so that two resends of one batch lock the same keys in the same order.
        visits.sort(key=lambda v: v["client_id"])
        campaign = ctx.campaign(campaign_id)
        apps = {a.code: a.id for a in campaign.apps}
        for v in visits:
            v["household_id"] = households[(v["hamlet_id"], v["household"])]
            v["installs_total"] = sum(v["installs"].values())
        rows = [
            {
                "client_id": v["client_id"],
                "campaign_id": campaign_id,
                "hamlet_id": v["hamlet_id"],
                "household_id": v["household_id"],
                "volunteer_id": user.id,
                "site_kind": v["site_kind"],
                "outcome": v["outcome"],
                "residents": v["residents"],
                "smartphones": v["smartphones"],
                "already_installed": v["already_installed"],
                "installs_total": v["installs_total"],
                "visited_at": v["visited_at"],
                "received_at": now,
                "lat": v["lat"],
                "lon": v["lon"],
                "accuracy_m": v["accuracy_m"],
                "note": v["note"],
                "content_hash": v["hash"],
                "review_status": ReviewStatus.PENDING.value,
                "superseded": False,
                "corrects_id": v.get("corrects_id"),
            }
            for v in visits
        ]
        created = _insert_visit_rows(rows)
        installs = [
            {"visit_id": created[v["client_id"]], "app_id": apps[code], "count": n}
            for v in visits
            if v["client_id"] in created
            for code, n in v["installs"].items()
        ]
        if installs:
            db.session.execute(_INSERT_INSTALLS, installs)
        if created:
            new_visits = [
                _new_visit(v, created[v["client_id"]], campaign, user)
                for v in visits
                if v["client_id"] in created
            ]
            totals.record_new(campaign_id, new_visits, installs)
            run_automatic_checks(new_visits)
        inserted.update(created)
    return inserted


def _new_visit(v: dict, visit_id: int, campaign: Campaign, user) -> NewVisit:
    return NewVisit(
        id=visit_id,
        campaign=campaign,
        hamlet_id=v["hamlet_id"],
        household_id=v["household_id"],
        volunteer_id=user.id,
        site_kind=SiteKind(v["site_kind"]),
        outcome=Outcome(v["outcome"]),
        residents=v["residents"],
        already_installed=v["already_installed"],
        installs_total=v["installs_total"],
        visited_at=v["visited_at"],
        lat=v["lat"],
        lon=v["lon"],
        corrects_id=v.get("corrects_id"),
    )


# --- reading ---------------------------------------------------------------------------------


def my_visits_query(user, since: datetime | None = None) -> sa.Select:
    """The user's own visits, newest first; `since` keeps those received or reviewed after it."""
    query = sa.select(Visit).where(Visit.volunteer_id == user.id)
    if since is not None:
        query = query.where(sa.or_(Visit.received_at >= since, Visit.reviewed_at >= since))
    return query.order_by(Visit.visited_at.desc(), Visit.id.desc())


def visits_today(user) -> int:
    start, end = day_bounds(local_today())
    return db.session.scalar(
        sa.select(sa.func.count()).where(
            Visit.volunteer_id == user.id, Visit.visited_at >= start, Visit.visited_at < end
        )
    )


def visit_payload(visit: Visit) -> dict:
    corrects = visit.corrects_id and db.session.scalar(
        sa.select(Visit.client_id).where(Visit.id == visit.corrects_id)
    )
    return {
        "client_id": visit.client_id,
        "campaign_id": visit.campaign_id,
        "hamlet_id": visit.hamlet_id,
        "household": visit.household.label,
        "site_kind": visit.site_kind.value,
        "outcome": visit.outcome.value,
        "residents": visit.residents,
        "smartphones": visit.smartphones,
        "already_installed": visit.already_installed,
        "installs": {i.app.code: i.count for i in visit.installs},
        "visited_at": visit.visited_at.astimezone(VN_TZ).isoformat(),
        "received_at": visit.received_at.isoformat(),
        "lat": visit.lat,
        "lon": visit.lon,
        "accuracy_m": visit.accuracy_m,
        "note": visit.note,
        "corrects": corrects or None,
        "review_status": visit.review_status.value,
        "review_reason": vocabulary.visit_reason(visit),
        "superseded": visit.superseded,
    }


def own_visit(user, client_id: str) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit).where(Visit.client_id == client_id, Visit.volunteer_id == user.id)
    )
