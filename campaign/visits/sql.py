"""The statements on every arriving visit's path, built once: building a statement costs more
than running it. Raw where SQLAlchemy's dialect constructs are compiled again on every call."""

import enum
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from campaign.areas.models import Hamlet, Household
from campaign.campaigns.models import Campaign
from campaign.types import UTCDateTime
from campaign.visits.models import NewVisit, Visit, VisitInstall

_VISIT, _HOUSEHOLD = Visit.__table__, Household.__table__

# The batch's campaigns with their apps, in one query (the rules read both for every item).
CAMPAIGNS_WITH_APPS = (
    sa.select(Campaign)
    .where(Campaign.id.in_(sa.bindparam("ids", expanding=True)))
    .options(joinedload(Campaign.apps))
)
HAMLETS = sa.select(Hamlet).where(Hamlet.id.in_(sa.bindparam("ids", expanding=True)))
# What a resend is settled against: who stored that client_id, with what content.
EXISTING = sa.select(_VISIT.c.id, _VISIT.c.client_id, _VISIT.c.volunteer_id, _VISIT.c.content_hash).where(
    _VISIT.c.client_id.in_(sa.bindparam("ids", expanding=True))
)
CORRECTED = sa.select(_VISIT.c.id, _VISIT.c.campaign_id, _VISIT.c.hamlet_id).where(
    _VISIT.c.client_id == sa.bindparam("client_id"), _VISIT.c.volunteer_id == sa.bindparam("volunteer_id")
)
HOUSEHOLDS_FOR_UPDATE = (
    sa.select(_HOUSEHOLD.c.hamlet_id, _HOUSEHOLD.c.label_key, _HOUSEHOLD.c.id)
    .where(
        sa.tuple_(_HOUSEHOLD.c.hamlet_id, _HOUSEHOLD.c.label_key).in_(sa.bindparam("keys", expanding=True))
    )
    .order_by(_HOUSEHOLD.c.id)
    .with_for_update()
)
# ON CONFLICT as text, the same on SQLite and PostgreSQL: SQLAlchemy's dialect inserts with
# on_conflict are compiled again on every call (not cacheable), which cost more than the insert.
INSERT_HOUSEHOLDS = sa.text(
    "INSERT INTO household (hamlet_id, label, label_key, listed) VALUES (:hamlet_id, :label, :label_key, :listed) "
    "ON CONFLICT (hamlet_id, label_key) DO NOTHING"
)
INSERT_INSTALLS = sa.insert(VisitInstall.__table__)

# Each is the NewVisit attribute of that name, but received_at (the batch's).
VISIT_COLUMNS = (
    "client_id",
    "campaign_id",
    "hamlet_id",
    "household_id",
    "volunteer_id",
    "team_id",
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
VISIT_INSERT_ROWS = 100  # per statement: 2,200 parameters, far below SQLite's and PostgreSQL's limits


@lru_cache(maxsize=VISIT_INSERT_ROWS)
def insert_visits(rows: int) -> sa.TextClause:
    """One INSERT of `rows` visits that skips a client_id already stored and returns
    (client_id, id) of those it stored. Multi-row VALUES, since RETURNING needs one statement."""
    values = ", ".join("(" + ", ".join(f":{c}_{n}" for c in VISIT_COLUMNS) + ")" for n in range(rows))
    statement = sa.text(
        f"INSERT INTO visit ({', '.join(VISIT_COLUMNS)}) VALUES {values} "
        "ON CONFLICT (client_id) DO NOTHING RETURNING client_id, id"
    )
    times = (
        sa.bindparam(f"{c}_{n}", type_=UTCDateTime())
        for n in range(rows)
        for c in ("visited_at", "received_at")
    )
    return statement.bindparams(*times)


def visit_params(visits: list[NewVisit], received_at) -> dict:
    """The parameters of `insert_visits(len(visits))`. Enums as their values: the drivers are
    not asked to guess how to write one."""
    params = {}
    for n, visit in enumerate(visits):
        for column in VISIT_COLUMNS:
            value = received_at if column == "received_at" else getattr(visit, column)
            params[f"{column}_{n}"] = value.value if isinstance(value, enum.Enum) else value
    return params
