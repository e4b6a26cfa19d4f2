"""Which campaigns a user takes part in, and who runs them."""

import sqlalchemy as sa

from campaign.access.roles import user_province_code
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign


def campaigns_query(user: User) -> sa.Select:
    """Campaigns the user takes part in: national ones and those of their province."""
    query = sa.select(Campaign).order_by(Campaign.start_date.desc(), Campaign.id.desc())
    if user.role == Role.ADMIN:
        return query
    return query.where(
        sa.or_(Campaign.province_code.is_(None), Campaign.province_code == user_province_code(user))
    )


def can_see_campaign(user: User, campaign: Campaign) -> bool:
    if user.role == Role.ADMIN or campaign.province_code is None:
        return True
    return campaign.province_code == user_province_code(user)


def can_manage_campaign(user: User, campaign: Campaign | None = None, province_code=None) -> bool:
    """Coordinators run campaigns of their own province; admins any."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.COORDINATOR:
        return False
    code = campaign.province_code if campaign is not None else province_code
    return code is not None and code == user.province_code


def can_manage_campaigns(user: User) -> bool:
    """The campaign pages: the coordinator of a province, or an admin."""
    return can_manage_campaign(user, province_code=user.province_code)


def can_manage_national_campaigns(user: User) -> bool:
    """A campaign of the whole country, or of any province: the admin."""
    return user.role == Role.ADMIN


def can_manage_province_leads(user: User, province_code: int) -> bool:
    """The leads of a province's wards are managed by whoever runs its campaigns."""
    return can_manage_campaign(user, province_code=province_code)


def can_end_campaign(user: User, campaign: Campaign) -> bool:
    """Deactivate or reactivate a campaign's volunteers, or copy it: whoever runs it."""
    return can_manage_campaign(user, campaign)
