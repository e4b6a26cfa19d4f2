"""The public ranking board: which boards are published, and what a board shows.

A board is the ranking of a campaign's country page (the provinces) or of a province's page (its
wards), from the same service as those pages (`coverage.report.area_report`): the same ranks,
changes, top 5 and climbers. It keeps only what may be public: each area's name (official names
of provinces and wards), rate, rank and change. No hamlet, household, team or person is in it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from campaign import audit
from campaign.areas.models import Province
from campaign.board.models import PublishedBoard
from campaign.campaigns.models import Campaign
from campaign.coverage.numbers import Numbers
from campaign.coverage.report import area_report
from campaign.coverage.tree import country_area, find_area
from campaign.extensions import db

# The board compares each rank with the one a week before, as the articles do ("up 6 places").
SINCE_DAYS = 7


def _scope_filter(campaign_id: int, province_code: int | None):
    scope = (
        PublishedBoard.province_code.is_(None)
        if province_code is None
        else PublishedBoard.province_code == province_code
    )
    return sa.and_(PublishedBoard.campaign_id == campaign_id, scope)


def publication(campaign_id: int, province_code: int | None) -> PublishedBoard | None:
    """The published board of a campaign and scope, or None (unknown campaign, not published)."""
    query = sa.select(PublishedBoard).where(_scope_filter(campaign_id, province_code))
    return db.session.scalars(query.order_by(PublishedBoard.id).limit(1)).first()


def has_board(campaign: Campaign, province_code: int | None) -> bool:
    """Whether this campaign has such a board: the national one for a national campaign, a
    province's for a campaign that covers that province."""
    if province_code is None:
        return campaign.province_code is None
    if campaign.province_code not in (None, province_code):
        return False
    return db.session.get(Province, province_code) is not None


def publish(user, campaign: Campaign, province_code: int | None) -> PublishedBoard:
    """Publish the board (publishing a published board keeps it as it is)."""
    existing = publication(campaign.id, province_code)
    if existing is not None:
        return existing
    board = PublishedBoard(campaign_id=campaign.id, province_code=province_code, published_by_id=user.id)
    db.session.add(board)
    db.session.flush()
    audit.record(user, "board.publish", board, after={"campaign_id": campaign.id, "province": province_code})
    return board


def unpublish(user, campaign: Campaign, province_code: int | None) -> bool:
    """Take the board down; False when it was not published."""
    boards = db.session.scalars(
        sa.select(PublishedBoard).where(_scope_filter(campaign.id, province_code))
    ).all()
    for board in boards:
        audit.record(
            user, "board.unpublish", board, before={"campaign_id": campaign.id, "province": province_code}
        )
        db.session.delete(board)
    db.session.flush()
    return bool(boards)


@dataclass(frozen=True)
class Row:
    code: int
    name: str
    rank: int | None
    rank_change: int | None
    rate: float | None


@dataclass(frozen=True)
class Board:
    """What a board shows, as plain values (it is kept in the cache)."""

    campaign_id: int
    campaign_name: str
    province_code: int | None  # None: the national board
    area_name: str
    basis_app: str | None  # the app whose official counts rank the areas; None: users found
    target_rate: float
    deadline: date
    as_of: date
    since: date
    own: Row  # the area itself: its rate, and a province's rank in the country
    own_ranked_count: int
    ranked_count: int
    rows: tuple[Row, ...]  # ranked first, then those with no figure
    top5: tuple[Row, ...]
    climbers: tuple[Row, ...]

    def row(self, code: int) -> Row | None:
        return next((r for r in self.rows if r.code == code), None)


def _row(numbers: Numbers) -> Row:
    return Row(int(numbers.code), numbers.name, numbers.rank, numbers.rank_change, numbers.basis_rate)


def board(campaign: Campaign, province_code: int | None, as_of: date) -> Board:
    """The board of a campaign's country (provinces) or province (wards) as of a day."""
    area = country_area() if province_code is None else find_area("province", province_code)
    since = as_of - timedelta(days=SINCE_DAYS)
    report = area_report(campaign, area, as_of, since, with_trend=False, with_child_installs=False)
    own = report.numbers
    # A province has a rank in the country only in a national campaign; the country has none.
    ranked_in_country = province_code is not None and campaign.province_code is None
    app_names = {app.code: app.name for app in campaign.apps}
    return Board(
        campaign_id=campaign.id,
        campaign_name=campaign.name,
        province_code=province_code,
        area_name=area.name,
        basis_app=app_names.get(campaign.ranking_app_code) if campaign.ranking_app_code else None,
        target_rate=campaign.target_rate,
        deadline=campaign.deadline,
        as_of=report.as_of,
        since=report.since,
        own=Row(
            0 if province_code is None else province_code,
            area.name,
            own.rank if ranked_in_country else None,
            own.rank_change if ranked_in_country else None,
            own.basis_rate,
        ),
        own_ranked_count=own.ranked_count if ranked_in_country else 0,
        ranked_count=sum(1 for c in report.children if c.rank is not None),
        rows=tuple(_row(c) for c in report.children),
        top5=tuple(_row(c) for c in report.top5),
        climbers=tuple(_row(c) for c in report.climbers),
    )
