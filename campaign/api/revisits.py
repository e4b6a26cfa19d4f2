"""JSON API for the revisit list (areas feature): households to knock on again, and today's
claims on them."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import access
from campaign.api import bp
from campaign.api.helpers import invalid
from campaign.areas import households as hh
from campaign.areas.models import Hamlet, Household
from campaign.campaigns.models import Campaign
from campaign.errors import json_error
from campaign.extensions import db
from campaign.query_args import known_args
from campaign.types import db_id


def _revisit_json(item: dict) -> dict:
    return {**item, "latest_at": item["latest_at"].isoformat() if item["latest_at"] else None}


@bp.get("/campaigns/<int:campaign_id>/revisits")
@login_required
@known_args("hamlet_id")
def api_revisits(campaign_id: int):
    """The revisit list of one hamlet (?hamlet_id=) or of every hamlet the user logs visits in."""
    campaign = db.get_or_404(Campaign, campaign_id)
    access.require(access.can_see_campaign(current_user, campaign))
    hamlet_id = request.args.get("hamlet_id", type=db_id)
    if hamlet_id is not None:
        hamlet = db.get_or_404(Hamlet, hamlet_id)
        access.require(access.can_see_revisits(current_user, hamlet, campaign))
        ids = [hamlet.id]
    elif access.logs_visits(current_user):
        ids = access.hamlet_ids_query(current_user, campaign.id)
    else:  # a province or the country: too many to list at once
        return invalid({"hamlet_id": [_("Hãy chọn một thôn/ấp.")]})
    return jsonify(
        campaign_id=campaign.id, households=[_revisit_json(i) for i in hh.revisit_list(campaign, ids)]
    )


def _claim_target(campaign_id: int, household_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    household = db.get_or_404(Household, household_id)
    access.require(access.can_see_campaign(current_user, campaign))
    return campaign, household


@bp.post("/campaigns/<int:campaign_id>/households/<int:household_id>/claim")
@login_required
def api_claim(campaign_id: int, household_id: int):
    campaign, household = _claim_target(campaign_id, household_id)
    access.require(access.can_claim(current_user, household.hamlet, campaign))
    try:
        claim = hh.claim_household(current_user, campaign, household)
    except hh.ClaimError as error:
        db.session.rollback()
        return json_error(error.status, str(error), code="claimed" if error.status == 409 else None)
    db.session.commit()
    return jsonify(
        household_id=household.id, day=claim.day.isoformat(), claimed_by=current_user.display_name
    ), 201


@bp.delete("/campaigns/<int:campaign_id>/households/<int:household_id>/claim")
@login_required
def api_unclaim(campaign_id: int, household_id: int):
    campaign, household = _claim_target(campaign_id, household_id)
    access.require(access.can_see_revisits(current_user, household.hamlet, campaign))
    manager = access.can_manage_ward(current_user, household.hamlet.ward_code)
    try:
        released = hh.unclaim_household(current_user, campaign, household, any_user=manager)
    except hh.ClaimError as error:
        return json_error(403, str(error))
    if not released:
        return json_error(404, _("Hôm nay chưa ai nhận hộ này."))
    db.session.commit()
    return "", 204
