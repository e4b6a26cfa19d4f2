"""JSON API for the campaigns feature's field set-up: a ward's teams, and which team covers
which hamlet in a campaign."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import access
from campaign.api import bp
from campaign.api.helpers import invalid, json_form, json_object, managed_ward, refuse, wrong_type
from campaign.areas.models import Hamlet
from campaign.areas.services import ward_hamlets_query
from campaign.campaigns import services
from campaign.campaigns.forms import TeamForm
from campaign.campaigns.models import Campaign, OrgKind, Team
from campaign.extensions import db
from campaign.query_args import known_args
from campaign.types import MAX_ID

TEAM_FIELDS = ["name", "org_kind"]


def team_json(team: Team) -> dict:
    return {"id": team.id, "ward_code": team.ward_code, "name": team.name, "org_kind": team.org_kind.value}


def team_arg(team_id, missing: str | None = None) -> Team:
    """The team a JSON body names by id; 422 (with `missing`) if it names none. Past MAX_ID no
    team exists (and the lookup would overflow SQLite's integers)."""
    if isinstance(team_id, bool) or not isinstance(team_id, int):
        wrong_type("team_id")
    team = db.session.get(Team, team_id) if 0 < team_id <= MAX_ID else None
    if team is None:
        refuse({"team_id": [missing or _("Không tìm thấy đội này.")]})
    return team


# --- teams -----------------------------------------------------------------------------------


@bp.get("/wards/<int:code>/teams")
@login_required
@known_args()
def api_teams(code: int):
    ward = managed_ward(code)
    return jsonify(teams=[team_json(t) for t in db.session.scalars(services.ward_teams_query(ward.code))])


@bp.post("/wards/<int:code>/teams")
@login_required
def api_create_team(code: int):
    ward = managed_ward(code)
    form = json_form(TeamForm, json_object(), TEAM_FIELDS)
    try:
        team = services.create_team(current_user, ward.code, form.name.data, OrgKind(form.org_kind.data))
    except services.SetupError as error:
        return invalid({"name": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(team_json(team)), 201


@bp.patch("/teams/<int:team_id>")
@login_required
def api_update_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    form = json_form(TeamForm, {**services.team_snapshot(team), **json_object()}, TEAM_FIELDS)
    try:
        services.update_team(current_user, team, form.name.data, OrgKind(form.org_kind.data))
    except services.SetupError as error:
        return invalid({"name": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(team_json(team))


# --- assignments -----------------------------------------------------------------------------


@bp.get("/campaigns/<int:campaign_id>/wards/<int:code>/assignments")
@login_required
@known_args()
def api_assignments(campaign_id: int, code: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    ward = managed_ward(code)
    access.require(access.can_see_campaign(current_user, campaign))
    assigned = services.assignments(campaign.id, ward.code)
    return jsonify(
        assignments=[
            {"hamlet_id": h.id, "team_id": assigned.get(h.id)}
            for h in db.session.scalars(ward_hamlets_query(ward.code))
        ]
    )


@bp.put("/campaigns/<int:campaign_id>/hamlets/<int:hamlet_id>/team")
@login_required
def api_assign(campaign_id: int, hamlet_id: int):
    """{"team_id": n} gives the hamlet to a team for the campaign; {"team_id": null} takes it back.
    A team of another ward is refused by `services.assign_hamlet`, like on the page."""
    campaign = db.get_or_404(Campaign, campaign_id)
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(
        access.can_manage_ward(current_user, hamlet.ward_code)
        and access.can_see_campaign(current_user, campaign)
    )
    team_id = json_object().get("team_id")
    # A missing team reads like one of another ward: team ids elsewhere stay unknown.
    team = None if team_id is None else team_arg(team_id, services.same_ward_message())
    try:
        services.assign_hamlet(current_user, campaign, hamlet, team)
    except services.SetupError as error:
        return invalid({"team_id": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(campaign_id=campaign.id, hamlet_id=hamlet.id, team_id=team.id if team else None)
