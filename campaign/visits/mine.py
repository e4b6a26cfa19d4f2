"""A volunteer's own visits: the pages of "Lượt thăm của tôi", by day and status, and the visits
that wait for the volunteer's correction (the home page counts them)."""

from itertools import groupby

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from campaign.extensions import db
from campaign.i18n import local_day
from campaign.review.queries import page_of
from campaign.visits.models import ReviewStatus, Visit
from campaign.visits.services import my_visits_query
from campaign.vocabulary import STATUSES

PER_PAGE = 20  # a cheap phone renders a page of cards at once
CORRECTABLE = frozenset({ReviewStatus.FLAGGED, ReviewStatus.REJECTED})
NEEDS_FIXING = "needs_fixing"


def status_choices() -> dict:
    return {
        "": _l("Tất cả"),
        NEEDS_FIXING: _l("Cần sửa"),
        **{s.value: label for s, label in STATUSES.items()},
    }


def needs_fixing_clause():
    """Flagged or not accepted, not replaced, and no correction of it still on its way or accepted."""
    correction = sa.orm.aliased(Visit)
    return sa.and_(
        Visit.review_status.in_(sorted(CORRECTABLE)),
        Visit.superseded.is_(False),
        ~sa.exists().where(
            correction.corrects_id == Visit.id, correction.review_status != ReviewStatus.REJECTED
        ),
    )


def needs_fixing_count(user) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Visit)
        .where(Visit.volunteer_id == user.id, needs_fixing_clause())
    )


def page(user, status: str):
    """One page of the user's visits with this status ("" for all), newest first."""
    query = my_visits_query(user).options(sa.orm.joinedload(Visit.household), sa.orm.joinedload(Visit.hamlet))
    if status == NEEDS_FIXING:
        query = query.where(needs_fixing_clause())
    elif status:
        query = query.where(Visit.review_status == ReviewStatus(status))
    return page_of(query, PER_PAGE)


def by_day(visits: list[Visit]) -> list[tuple]:
    """[(local day, [visits])], in the page's order (newest first)."""
    return [(day, list(group)) for day, group in groupby(visits, key=lambda v: local_day(v.visited_at))]


def may_correct(visit: Visit) -> bool:
    return visit.review_status in CORRECTABLE and not visit.superseded
