"""Who sees an area's coverage, sets its thresholds, and imports its official figures."""

from campaign.access.areas import (
    can_see_country,
    can_see_hamlet,
    can_see_national_ranking,
    can_see_province,
    can_see_ward,
)
from campaign.access.campaigns import can_manage_campaign, can_manage_national_campaigns, can_see_campaign
from campaign.access.review import is_reviewer
from campaign.access.roles import roles_required, user_province_code
from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign
from campaign.extensions import db


def can_see_area(
    user: User, campaign: Campaign | None, level: str, code, hamlet: Hamlet | None = None
) -> bool:
    """Coverage of an area: a volunteer their team's hamlets, a lead their ward (and its hamlets),
    a coordinator their province (and below), an admin the country. Without a campaign: in any."""
    if campaign is not None and not can_see_campaign(user, campaign):
        return False
    if level == "country":
        return can_see_country(user) or can_see_national_ranking(user, campaign)
    if level == "province":
        return can_see_province(user, int(code))
    if level == "ward":
        ward = db.session.get(Ward, int(code))
        return ward is not None and can_see_ward(user, ward)
    return hamlet is not None and can_see_hamlet(user, hamlet, campaign.id if campaign else None)


def can_set_coverage_thresholds(user: User, campaign: Campaign) -> bool:
    return can_manage_campaign(user, campaign)


def population_scope(user: User) -> int | None:
    """The province whose official population figures the user imports; None: every province."""
    return None if can_manage_national_campaigns(user) else user_province_code(user)


def can_import_population(user: User, province_code: int | None) -> bool:
    """Official population figures of a province and its wards: its coordinator, or an admin
    (who alone imports them for every province at once, `province_code` None)."""
    if province_code is None:
        return can_manage_national_campaigns(user)
    return can_manage_campaign(user, None, province_code=province_code)


# Official user counts are imported by a province's coordinator (their province) or an admin.
official_importers_only = roles_required(Role.COORDINATOR)


def official_import_scope(user: User) -> int | None:
    """The province a coordinator's official figures are limited to; None for an admin (anywhere).
    Only for users who passed `official_importers_only`."""
    return None if user.role == Role.ADMIN else user.province_code


def home_area(user: User) -> tuple[str, object] | None:
    """The coverage page a user opens first: (level, code)."""
    if user.role == Role.ADMIN:
        return ("country", "vn")
    if user.role == Role.COORDINATOR and user.province_code is not None:
        return ("province", user.province_code)
    if user.role == Role.LEAD and user.ward_code is not None:
        return ("ward", user.ward_code)
    return None


def can_see_breakdowns(
    user: User, campaign: Campaign, level: str, code, hamlet: Hamlet | None = None
) -> bool:
    """An area's figures by organisation kind and site kind (page and export): a hamlet's, a
    ward's or a province's for whoever reviews that area (a volunteer sees on a hamlet's page the
    hamlet, not how other teams share its work), the country's for an admin only (a
    coordinator's view of the country is the ranking, nothing split by teams)."""
    if level == "hamlet":
        if not is_reviewer(user):
            return False
        hamlet = hamlet or db.session.get(Hamlet, int(code))
    if level == "country" and not can_see_country(user):
        return False
    return can_see_area(user, campaign, level, code, hamlet)
