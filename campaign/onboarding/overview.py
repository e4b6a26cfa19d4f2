"""The province's onboarding checklist: each count, and the list behind it."""

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Team, TeamHamlet
from campaign.extensions import db

LISTS = (
    "wards_with_hamlets",
    "wards_without_hamlets",
    "hamlets_without_team",
    "teams_without_volunteers",
    "not_joined",
)
LIST_LIMIT = 500  # a list longer than this is cut, and says so


def _province_wards(code: int):
    return sa.select(Ward.code).where(Ward.province_code == code)


def queries(province_code: int, campaign_id: int | None) -> dict[str, sa.Select]:
    wards = _province_wards(province_code)
    has_hamlet = sa.select(Hamlet.ward_code).where(Hamlet.retired_at.is_(None))
    assigned = sa.select(TeamHamlet.hamlet_id).where(TeamHamlet.campaign_id == campaign_id)
    has_member = sa.select(User.team_id).where(
        User.role == Role.VOLUNTEER, User.active.is_(True), User.team_id.is_not(None)
    )
    return {
        "wards_with_hamlets": sa.select(Ward)
        .where(Ward.code.in_(wards), Ward.code.in_(has_hamlet))
        .order_by(Ward.name),
        "wards_without_hamlets": sa.select(Ward)
        .where(Ward.code.in_(wards), Ward.code.not_in(has_hamlet))
        .order_by(Ward.name),
        "hamlets_without_team": sa.select(Hamlet)
        .where(Hamlet.ward_code.in_(wards), Hamlet.retired_at.is_(None), Hamlet.id.not_in(assigned))
        .order_by(Hamlet.ward_code, Hamlet.name),
        "teams_without_volunteers": sa.select(Team)
        .where(Team.ward_code.in_(wards), Team.id.not_in(has_member))
        .order_by(Team.ward_code, Team.name),
        "not_joined": sa.select(User)
        .join(Team, Team.id == User.team_id)
        .where(
            Team.ward_code.in_(wards),
            User.role == Role.VOLUNTEER,
            User.active.is_(True),
            User.joined_at.is_(None),
        )
        .order_by(Team.ward_code, Team.name, User.display_name),
    }


def counts(province_code: int, campaign_id: int | None) -> dict[str, int]:
    return {
        name: db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
        for name, query in queries(province_code, campaign_id).items()
    }


def rows(province_code: int, campaign_id: int | None, name: str) -> list:
    return db.session.scalars(queries(province_code, campaign_id)[name].limit(LIST_LIMIT + 1)).all()
