"""Reading an arriving batch of visits: the rules, the resends, who may log where. Only reads.

`read_batch` gives each item a result and leaves what is left to write (the new visits, the
conflicting resends) in the `Batch`; the view then says "now write" (`database.start_writing`)
and `storing.write_batch` writes it. Results: created, duplicate (same client_id, same content),
conflict (same client_id, other content: the first version stays, the resend is recorded) or
invalid.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask_babel import gettext as _

from campaign import access
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.i18n import day_bounds
from campaign.numbers import ITEM_ERRORS
from campaign.visits import rules as visit_rules
from campaign.visits import sql
from campaign.visits.models import NewVisit

CREATED, DUPLICATE, CONFLICT, INVALID = "created", "duplicate", "conflict", "invalid"


@dataclass
class Batch:
    """One request's items, as read: a result per item, and what the write step has to do."""

    user: object
    items: list
    now: datetime
    rules: visit_rules.Rules
    results: list[dict] = field(default_factory=list)
    parsed: list[NewVisit | None] = field(default_factory=list)
    new: dict[int, NewVisit] = field(default_factory=dict)  # item index -> visit to insert
    conflicts: dict[int, int] = field(default_factory=dict)  # item index -> the stored visit's id

    @property
    def writes(self) -> bool:
        return bool(self.new or self.conflicts)


class Context:
    """What the rules need from the database, loaded once per batch."""

    def __init__(self, user, visits: list[NewVisit]):
        self.user = user
        self.campaigns: dict[int, Campaign | None] = {}
        self.allowed: set[tuple[int, int]] = set()
        hamlets = defaultdict(set)
        for v in visits:
            hamlets[v.campaign_id].add(v.hamlet_id)
        loaded = {
            c.id: c for c in db.session.scalars(sql.CAMPAIGNS_WITH_APPS, {"ids": sorted(hamlets)}).unique()
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


def check_context(v: NewVisit, ctx: Context, rules: visit_rules.Rules) -> dict:
    """The rules that need the database; {} when the visit may be stored."""
    campaign = ctx.campaign(v.campaign_id)
    if campaign is None:
        return {"campaign_id": [rules.m["campaign"]]}
    errors = {}
    if not ctx.may_log(campaign, v.hamlet_id):
        errors["hamlet_id"] = [rules.m["hamlet"]]
    start, _end = day_bounds(campaign.start_date)
    if v.visited_at < start:
        errors["visited_at"] = [rules.m["before_start"]]
    codes = {a.code for a in campaign.apps}
    for code in v.installs:
        if code not in codes:
            errors[f"installs.{code}"] = [rules.m["app"]]
    return errors


def read_batch(user, items: list, now: datetime | None = None) -> Batch:
    """Check every item and settle the resends of stored visits; nothing is written."""
    batch = Batch(user=user, items=items, now=now or datetime.now(UTC), rules=visit_rules.Rules())
    rules = batch.rules
    for item in items:
        try:
            v, errors = visit_rules.parse_visit(item, rules, batch.now)
        except ITEM_ERRORS:  # one item's unreadable value is that item's error, not the batch's
            v, errors = None, {"_": [rules.m["unreadable"]]}
        client_id = item.get("client_id") if isinstance(item, dict) else None
        if not isinstance(client_id, str):
            client_id = None  # echoed back so the phone can match the answer; only ever a string
        batch.results.append(
            {"client_id": v.client_id if v else client_id, "status": INVALID, "errors": errors}
        )
        batch.parsed.append(v)

    existing = existing_visits({v.client_id for v in batch.parsed if v})
    ctx = Context(user, [v for v in batch.parsed if v and v.client_id not in existing])
    seen_in_batch: set[str] = set()
    for index, v in enumerate(batch.parsed):
        if v is None or v.client_id in existing or v.client_id in seen_in_batch:
            continue  # a resend: settled below, against what is stored
        try:
            errors = check_context(v, ctx, rules)
            if not errors and v.corrects:
                errors = _resolve_correction(v, user, rules)
        except ITEM_ERRORS:
            errors = {"_": [rules.m["unreadable"]]}
        if errors:
            batch.results[index]["errors"] = errors
            continue
        v.campaign, v.volunteer_id, v.team_id = ctx.campaign(v.campaign_id), user.id, user.team_id
        seen_in_batch.add(v.client_id)
        batch.new[index] = v
    _load_hamlets(batch.new.values())

    # Resends of visits stored before this request: settled from the rows read above.
    for index, v in enumerate(batch.parsed):
        row = existing.get(v.client_id) if v else None
        if row is not None:
            settle_resend(batch, index, row)
    return batch


def settle_resend(batch: Batch, index: int, row) -> None:
    """A resend of the stored visit `row` is a duplicate when it is the same volunteer's same
    content, else a conflict, which the write step records."""
    v = batch.parsed[index]
    if row.volunteer_id == batch.user.id and row.content_hash == v.content_hash:
        batch.results[index].update(status=DUPLICATE, errors={})
        return
    batch.results[index].update(status=CONFLICT, errors={})
    batch.conflicts[index] = row.id


def existing_visits(client_ids) -> dict:
    if not client_ids:
        return {}
    rows = db.session.execute(sql.EXISTING, {"ids": sorted(client_ids)}).all()
    return {row.client_id: row for row in rows}


def _load_hamlets(visits) -> None:
    """The hamlets of the visits that have a position, for the GPS check: one query, here among
    the reads rather than one per visit while writing."""
    with_position = [v for v in visits if v.lat is not None and v.lon is not None]
    if not with_position:
        return
    hamlets = {
        h.id: h
        for h in db.session.scalars(sql.HAMLETS, {"ids": sorted({v.hamlet_id for v in with_position})})
    }
    for v in with_position:
        v.hamlet = hamlets[v.hamlet_id]


def _resolve_correction(v: NewVisit, user, rules: visit_rules.Rules) -> dict:
    corrected = db.session.execute(sql.CORRECTED, {"client_id": v.corrects, "volunteer_id": user.id}).first()
    if corrected is None or corrected.campaign_id != v.campaign_id:
        return {"corrects": [rules.m["corrects"]]}
    # A correction stays where the visit was: in another hamlet (another ward, after a move to
    # another team) its reviewers would supersede a visit they may not even open.
    if corrected.hamlet_id != v.hamlet_id:
        return {"hamlet_id": [_("Bản sửa phải ở cùng thôn/ấp với lượt thăm được sửa.")]}
    v.corrects_id = corrected.id
    return {}
