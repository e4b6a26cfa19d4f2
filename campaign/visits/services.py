"""Visits: storing a batch outside a request, and the queries behind "my visits".

A request stores visits in two steps that its view runs: `intake.read_batch` (only reads), then
`database.start_writing` and `storing.write_batch`. `submit_visits` runs the same steps for a
caller that is no request (a script, the tests' `make_visit`). Both flush; the caller commits.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from campaign import vocabulary
from campaign.database import start_writing
from campaign.extensions import db
from campaign.i18n import day_bounds, local_iso, local_today
from campaign.visits.intake import read_batch
from campaign.visits.models import Visit, VisitInstall
from campaign.visits.storing import write_batch


def submit_visits(user, items: list, now: datetime | None = None) -> list[dict]:
    """Store what is new and valid; one result per item, in order. Flushes; the caller commits."""
    batch = read_batch(user, items, now)
    start_writing(db.session)
    return write_batch(batch)


def my_visits_query(user, since: datetime | None = None) -> sa.Select:
    """The user's own visits, newest first; `since` keeps those received or reviewed after it."""
    query = (
        sa.select(Visit)
        .where(Visit.volunteer_id == user.id)
        # Everything `visit_payload` and the page read, in a fixed number of queries.
        .options(
            joinedload(Visit.household),
            joinedload(Visit.corrected),
            selectinload(Visit.installs).joinedload(VisitInstall.app),
        )
    )
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


def visit_fields(visit: Visit) -> dict:
    """What every JSON shape of a visit says (the phone's "my visits", the review API): the same
    names, the time in Vietnam's offset."""
    return {
        "campaign_id": visit.campaign_id,
        "hamlet_id": visit.hamlet_id,
        "household": visit.household.label,
        "site_kind": visit.site_kind.value,
        "outcome": visit.outcome.value,
        "residents": visit.residents,
        "smartphones": visit.smartphones,
        "already_installed": visit.already_installed,
        "installs": {i.app.code: i.count for i in visit.installs},
        "visited_at": local_iso(visit.visited_at),
        "review_status": visit.review_status.value,
        "review_reason": vocabulary.visit_reason(visit),
        "superseded": visit.superseded,
    }


def visit_payload(visit: Visit) -> dict:
    """One of the user's own visits, as the phone keeps it."""
    return {
        **visit_fields(visit),
        "client_id": visit.client_id,
        "received_at": visit.received_at.isoformat(),
        "lat": visit.lat,
        "lon": visit.lon,
        "accuracy_m": visit.accuracy_m,
        "note": visit.note,
        "corrects": visit.corrected.client_id if visit.corrected else None,
    }


def own_visit(user, client_id: str) -> Visit | None:
    return db.session.scalar(
        sa.select(Visit).where(Visit.client_id == client_id, Visit.volunteer_id == user.id)
    )


def stored_visited_at(volunteer_id: int, client_id):
    """When the volunteer's visit with this client_id was made, if it is stored already."""
    if not isinstance(client_id, str) or len(client_id) > 40:
        return None
    return db.session.scalar(
        sa.select(Visit.visited_at).where(Visit.client_id == client_id, Visit.volunteer_id == volunteer_id)
    )
