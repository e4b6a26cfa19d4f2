"""JSON API for the areas feature: a ward's hamlets and a hamlet's household list."""

from flask import abort, jsonify, request
from flask_login import current_user, login_required

from campaign import access
from campaign.api import bp
from campaign.api.helpers import invalid, json_form, json_object, managed_ward, refuse_unknown_fields, upload
from campaign.areas import households as hh
from campaign.areas.forms import HamletForm
from campaign.areas.models import Hamlet
from campaign.areas.services import (
    AreaError,
    create_hamlet,
    hamlet_snapshot,
    import_hamlets,
    listed_counts,
    update_hamlet,
    ward_hamlets_query,
)
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.imports import all_or_nothing
from campaign.query_args import known_args
from campaign.types import db_id

FIELDS = ["name", "kind", "households", "population", "lat", "lon"]


def hamlet_json(hamlet: Hamlet, listed: int = 0) -> dict:
    return {
        "id": hamlet.id,
        "ward_code": hamlet.ward_code,
        **hamlet_snapshot(hamlet),
        "listed_households": listed,
    }


def _managed_hamlet(hamlet_id: int) -> Hamlet:
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(access.can_manage_ward(current_user, hamlet.ward_code))
    return hamlet


# --- hamlets ---------------------------------------------------------------------------------


@bp.get("/wards/<int:code>/hamlets")
@login_required
@known_args()
def api_hamlets(code: int):
    ward = managed_ward(code)
    rows = db.session.scalars(ward_hamlets_query(ward.code)).all()
    listed = listed_counts([h.id for h in rows]) if rows else {}
    return jsonify(hamlets=[hamlet_json(h, listed.get(h.id, 0)) for h in rows])


@bp.post("/wards/<int:code>/hamlets")
@login_required
def api_create_hamlet(code: int):
    ward = managed_ward(code)
    form = json_form(HamletForm, json_object(), FIELDS)
    try:
        hamlet = create_hamlet(current_user, ward.code, form.values())
    except AreaError as error:
        return invalid({"name": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(hamlet_json(hamlet)), 201


@bp.patch("/hamlets/<int:hamlet_id>")
@login_required
def api_update_hamlet(hamlet_id: int):
    hamlet = _managed_hamlet(hamlet_id)
    data = json_object()
    refuse_unknown_fields(data, FIELDS)
    form = json_form(HamletForm, {**hamlet_snapshot(hamlet), **data}, FIELDS)
    try:
        update_hamlet(current_user, hamlet, form.values())
    except AreaError as error:
        return invalid({"households": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(hamlet_json(hamlet, listed_counts([hamlet.id]).get(hamlet.id, 0)))


@bp.post("/wards/<int:code>/hamlets/import")
@login_required
def api_import_hamlets(code: int):
    ward = managed_ward(code)
    result = all_or_nothing(import_hamlets, current_user, ward.code, upload())
    db.session.commit()
    return jsonify(result)


# --- households ------------------------------------------------------------------------------


def _campaign_arg(name: str = "campaign_id") -> Campaign:
    """The campaign asked for, else the user's latest; one they may see."""
    campaign_id = request.args.get(name, type=db_id)
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    if campaign is None:
        campaign = db.session.scalars(access.campaigns_query(current_user).limit(1)).first()
    if campaign is None:
        abort(404)
    access.require(access.can_see_campaign(current_user, campaign))
    return campaign


def _household_json(row) -> dict:
    return {
        "id": row.id,
        "label": row.label,
        "attempts": row.attempts,
        "latest_outcome": str(row.latest_outcome) if row.latest_outcome else None,
        "latest_at": row.latest_at.isoformat() if row.latest_at else None,
    }


@bp.get("/hamlets/<int:hamlet_id>/households")
@login_required
@known_args("campaign_id")
def api_households(hamlet_id: int):
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    campaign = _campaign_arg()
    access.require(access.can_see_revisits(current_user, hamlet, campaign))
    rows = db.session.execute(hh.household_status_query(campaign.id, [hamlet.id])).all()
    return jsonify(
        campaign_id=campaign.id,
        hamlet_id=hamlet.id,
        households_declared=hamlet.households,
        listed_households=listed_counts([hamlet.id]).get(hamlet.id, 0),
        households=[_household_json(r) for r in rows],
    )


@bp.post("/hamlets/<int:hamlet_id>/households/import")
@login_required
def api_import_households(hamlet_id: int):
    hamlet = _managed_hamlet(hamlet_id)
    result = all_or_nothing(hh.import_households, current_user, hamlet, upload())
    db.session.commit()
    return jsonify(result)
