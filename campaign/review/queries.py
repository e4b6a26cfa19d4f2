"""The review queue's queries: the filtered set of visits (one definition for the queue page, bulk actions,
the API and the exports), its pages, and the choices of its filter form."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import request

from campaign import access
from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import User
from campaign.extensions import db
from campaign.i18n import day_bounds
from campaign.types import db_id
from campaign.visits.models import Outcome, ReviewStatus, Visit, VisitInstall

# The queue's default: what still needs a person.
OPEN_STATUSES = (ReviewStatus.PENDING, ReviewStatus.FLAGGED)


@dataclass
class VisitFilter:
    """What the lead chose in the filter form. `status` is "open", "all" or a ReviewStatus value."""

    campaign_id: int | None = None
    ward_code: int | None = None
    hamlet_id: int | None = None
    volunteer_id: int | None = None
    day: date | None = None
    date_from: date | None = None
    date_to: date | None = None
    outcome: str | None = None
    status: str = "open"
    # Bulk actions touch only what the lead saw: visits up to this id.
    upto_id: int | None = None


def visits_query(user: User, f: VisitFilter) -> sa.Select:
    """The visits in the user's scope matching the filter, newest first.

    The one definition of "the filtered set": the queue page, the bulk action, the API and the
    exports all use it. Superseded visits (replaced by an approved correction) never show.
    """
    query = sa.select(Visit).where(
        Visit.hamlet_id.in_(access.review_hamlet_ids_query(user)), Visit.superseded.is_(False)
    )
    if f.campaign_id is not None:
        query = query.where(Visit.campaign_id == f.campaign_id)
    if f.ward_code is not None:
        query = query.where(Visit.hamlet_id.in_(sa.select(Hamlet.id).where(Hamlet.ward_code == f.ward_code)))
    if f.hamlet_id is not None:
        query = query.where(Visit.hamlet_id == f.hamlet_id)
    if f.volunteer_id is not None:
        query = query.where(Visit.volunteer_id == f.volunteer_id)
    if f.day is not None:
        start, end = day_bounds(f.day)
        query = query.where(Visit.visited_at >= start, Visit.visited_at < end)
    if f.date_from is not None:
        query = query.where(Visit.visited_at >= day_bounds(f.date_from)[0])
    if f.date_to is not None:
        query = query.where(Visit.visited_at < day_bounds(f.date_to)[1])
    if f.outcome:
        query = query.where(Visit.outcome == Outcome(f.outcome))
    if f.status == "open":
        query = query.where(Visit.review_status.in_(OPEN_STATUSES))
    elif f.status and f.status != "all":
        query = query.where(Visit.review_status == ReviewStatus(f.status))
    if f.upto_id is not None:
        query = query.where(Visit.id <= f.upto_id)
    return query.order_by(Visit.visited_at.desc(), Visit.id.desc())


def count_of(query: sa.Select) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))


def max_id_of(query: sa.Select) -> int | None:
    return db.session.scalar(sa.select(sa.func.max(query.order_by(None).subquery().c.id)))


def page_of(query, per_page: int, max_per_page: int | None = None):
    """`db.paginate` at the page the query string asks for. The page number is read like an id
    (`db_id`): past MAX_ID it is no page (so page 1), because its OFFSET would overflow SQLite's
    integers (a 500) long before any list has that many pages."""
    page = request.args.get("page", 1, type=db_id)
    return db.paginate(query, page=page, per_page=per_page, max_per_page=max_per_page, error_out=False)


def visits_for_page(visits: list[Visit]) -> list[Visit]:
    """Load what the queue shows for a page of visits in a few queries."""
    ids = [v.id for v in visits]
    if ids:
        db.session.execute(
            sa.select(Visit)
            .where(Visit.id.in_(ids))
            .options(
                sa.orm.selectinload(Visit.installs).joinedload(VisitInstall.app),
                sa.orm.joinedload(Visit.household),
                sa.orm.joinedload(Visit.hamlet),
                sa.orm.joinedload(Visit.volunteer).joinedload(User.team),
            )
        ).unique().all()
    return visits


# --- choices for the filter form -------------------------------------------------------------


def hamlet_choices(user: User) -> list[tuple[int, str]]:
    rows = db.session.execute(
        sa.select(Hamlet.id, Hamlet.name, Ward.name)
        .join(Ward)
        .where(Hamlet.id.in_(access.review_hamlet_ids_query(user)))
        .order_by(Ward.name, Hamlet.name)
    ).all()
    several_wards = len({r[2] for r in rows}) > 1
    return [(r[0], f"{r[1]} ({r[2]})" if several_wards else r[1]) for r in rows]


def volunteer_choices(user: User) -> list[tuple[int, str]]:
    """Volunteers who logged visits in the user's scope (also those moved or deactivated since)."""
    rows = db.session.execute(
        sa.select(User.id, User.display_name)
        .where(
            User.id.in_(
                sa.select(Visit.volunteer_id).where(Visit.hamlet_id.in_(access.review_hamlet_ids_query(user)))
            )
        )
        .order_by(User.display_name, User.id)
    ).all()
    return [(r[0], r[1]) for r in rows]


def ward_choices(user: User) -> list[tuple[int, str]]:
    """Wards with hamlets in the user's scope."""
    rows = db.session.execute(
        sa.select(Ward.code, Ward.name)
        .where(
            Ward.code.in_(
                sa.select(Hamlet.ward_code).where(Hamlet.id.in_(access.review_hamlet_ids_query(user)))
            )
        )
        .order_by(Ward.name)
    ).all()
    return [(r[0], r[1]) for r in rows]
