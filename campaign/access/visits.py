"""Who logs visits, and where: the API, the visit form, the claims and the revisit lists ask this."""

from functools import cache

import sqlalchemy as sa

from campaign.access.areas import _hamlet_ids, open_hamlets
from campaign.access.campaigns import can_see_campaign
from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign
from campaign.extensions import db

# Those who knock on doors: they log visits, claim households and keep their hamlets offline.
# Coordinators and admins see a province or the country, too much ground for that.
LOGGING_ROLES = (Role.VOLUNTEER, Role.LEAD)


def logs_visits(user: User) -> bool:
    return user.role in LOGGING_ROLES


def _scope_params(user: User, campaign: Campaign) -> dict:
    return {
        "campaign_id": campaign.id,
        "campaign_province": campaign.province_code,
        "province_code": user.province_code,
        "ward_code": user.ward_code,
        "team_id": user.team_id,
    }


def campaign_hamlet_ids(user: User, campaign: Campaign, hamlet_ids, *, only_open=False) -> set[int]:
    """Of these hamlets, those the user sees inside the campaign's area (with `only_open`, those
    that still take visits). One query for a batch."""
    if not can_see_campaign(user, campaign):
        return set()
    params = {**_scope_params(user, campaign), "hamlet_ids": sorted(set(hamlet_ids))}
    statement = _among_statement(user.role, campaign.province_code is not None, only_open)
    return set(db.session.scalars(statement, params))


def loggable_hamlet_ids(user: User, campaign: Campaign, hamlet_ids) -> set[int]:
    """Of these hamlets, those where the user may log the campaign's visits: the API, the form
    and the claims all ask this (or `loggable_hamlets_query`, the same rule for every hamlet).
    A retired hamlet takes no new visits."""
    if not logs_visits(user):
        return set()
    return campaign_hamlet_ids(user, campaign, hamlet_ids, only_open=True)


def loggable_hamlets_query(user: User, campaign: Campaign) -> sa.Select:
    """The ids of every hamlet where the user may log the campaign's visits (the form, /me)."""
    if not logs_visits(user) or not can_see_campaign(user, campaign):
        return sa.select(Hamlet.id).where(sa.false())
    statement = _campaign_statement(user.role, campaign.province_code is not None, True)
    return statement.params(_scope_params(user, campaign))


@cache
def _campaign_statement(role: Role, in_province: bool, only_open: bool) -> sa.Select:
    """The hamlets a role sees inside a campaign's area, built once per role (it runs for every
    visit sent): `hamlet_ids_query`'s rule, with the user's scope as parameters, not values."""
    scope = _hamlet_ids(
        role,
        sa.bindparam("province_code"),
        sa.bindparam("ward_code"),
        sa.bindparam("team_id"),
        sa.bindparam("campaign_id"),
    )
    query = sa.select(Hamlet.id).where(Hamlet.id.in_(scope))
    if only_open:
        query = query.where(open_hamlets())
    if in_province:
        query = query.join(Ward).where(Ward.province_code == sa.bindparam("campaign_province"))
    return query


@cache
def _among_statement(role: Role, in_province: bool, only_open: bool) -> sa.Select:
    return _campaign_statement(role, in_province, only_open).where(
        Hamlet.id.in_(sa.bindparam("hamlet_ids", expanding=True))
    )


def can_log_in_hamlet(user: User, hamlet: Hamlet, campaign: Campaign) -> bool:
    return hamlet.id in loggable_hamlet_ids(user, campaign, [hamlet.id])


def can_see_revisits(user: User, hamlet: Hamlet, campaign: Campaign) -> bool:
    """The revisit list of a hamlet: the volunteers of its team in the campaign, and leads up."""
    return hamlet.id in campaign_hamlet_ids(user, campaign, [hamlet.id])


def can_claim(user: User, hamlet: Hamlet, campaign: Campaign) -> bool:
    """Those who log the hamlet's visits claim its doors: its team's volunteers, its ward's lead."""
    return can_log_in_hamlet(user, hamlet, campaign)
