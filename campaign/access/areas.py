"""Which hamlets, wards and provinces a user sees."""

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, TeamHamlet
from campaign.extensions import db


def hamlet_ids_query(user: User, campaign_id: int | None = None) -> sa.Select:
    """The ids of the hamlets the user may see (those they log visits in: `loggable_hamlet_ids`)."""
    return _hamlet_ids(user.role, user.province_code, user.ward_code, user.team_id, campaign_id)


def _hamlet_ids(role: Role, province_code, ward_code, team_id, campaign_id) -> sa.Select:
    """The one rule behind `hamlet_ids_query`. Each scope value is a value or a bind parameter
    (see `_campaign_statement`), so the rule may only compare them, never test them in Python."""
    if role == Role.ADMIN:
        return sa.select(Hamlet.id)
    if role == Role.COORDINATOR:
        return sa.select(Hamlet.id).join(Ward).where(Ward.province_code == province_code)
    if role == Role.LEAD:
        return sa.select(Hamlet.id).where(Hamlet.ward_code == ward_code)
    query = sa.select(TeamHamlet.hamlet_id).where(TeamHamlet.team_id == team_id)
    if campaign_id is not None:
        query = query.where(TeamHamlet.campaign_id == campaign_id)
    return query


def can_see_hamlet(user: User, hamlet: Hamlet, campaign_id: int | None = None) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return hamlet.ward.province_code == user.province_code
    if user.role == Role.LEAD:
        return hamlet.ward_code == user.ward_code
    if user.team_id is None:
        return False
    query = sa.select(TeamHamlet.hamlet_id).where(
        TeamHamlet.team_id == user.team_id, TeamHamlet.hamlet_id == hamlet.id
    )
    if campaign_id is not None:
        query = query.where(TeamHamlet.campaign_id == campaign_id)
    return db.session.execute(query.limit(1)).first() is not None


def can_see_ward(user: User, ward: Ward) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return ward.province_code == user.province_code
    return user.role == Role.LEAD and user.ward_code == ward.code


def can_see_province(user: User, province_code: int) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and user.province_code == province_code


def can_see_country(user: User) -> bool:
    return user.role == Role.ADMIN


def can_see_national_ranking(user: User, campaign: Campaign | None) -> bool:
    """The country page of a national campaign (every province's aggregates, ranked): its
    coordinators too, since their province's press release quotes that rank. Nothing below a
    province other than their own opens: can_see_province, can_see_ward and can_see_hamlet decide
    those. Without a campaign (the first check, before one is chosen): whether any could be."""
    if user.role != Role.COORDINATOR:
        return False
    return campaign is None or campaign.province_code is None


def open_hamlets():
    """The condition a hamlet must meet to take new visits: not retired. Its visits still count."""
    return Hamlet.retired_at.is_(None)
