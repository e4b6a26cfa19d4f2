"""JSON API for the campaigns feature's people: a team's volunteers, deactivating and moving
someone, and setting a password."""

from flask import jsonify
from flask_login import current_user, login_required

from campaign import access
from campaign.api import bp
from campaign.api.helpers import invalid, json_form, json_object, refuse_unknown_fields, wrong_type
from campaign.api.teams import team_arg
from campaign.auth.models import User
from campaign.auth.services import UserError
from campaign.auth.throttle import throttle_current_password
from campaign.campaigns import services
from campaign.campaigns.forms import PasswordForm, PersonForm
from campaign.campaigns.models import Team
from campaign.extensions import db
from campaign.query_args import known_args


def user_json(person: User) -> dict:
    return {
        "id": person.id,
        "username": person.username,
        "display_name": person.display_name,
        "role": person.role.value,
        "team_id": person.team_id,
        "active": person.active,
    }


def _managed_team(team_id: int) -> Team:
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    return team


def _managed_person(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    access.require(access.can_manage_person(current_user, person))
    return person


@bp.get("/teams/<int:team_id>/volunteers")
@login_required
@known_args()
def api_volunteers(team_id: int):
    team = _managed_team(team_id)
    members = db.session.scalars(services.team_members_query(team.id))
    return jsonify(volunteers=[user_json(u) for u in members])


@bp.post("/teams/<int:team_id>/volunteers")
@login_required
def api_create_volunteer(team_id: int):
    team = _managed_team(team_id)
    form = json_form(PersonForm, json_object(), ["username", "display_name", "password"])
    try:
        person = services.create_volunteer(
            current_user, team, form.username.data, form.display_name.data, form.password.data
        )
    except UserError as error:
        db.session.rollback()
        return invalid({"username": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(user_json(person)), 201


def _person_change(data: dict) -> tuple[bool | None, Team | None]:
    """(active, team) from a PATCH body: each None when not asked; the team one the user manages."""
    refuse_unknown_fields(data, {"active", "team_id"})
    if "active" in data and not isinstance(data["active"], bool):
        wrong_type("active")
    team = team_arg(data["team_id"]) if "team_id" in data else None
    if team is not None:
        access.require(access.can_manage_team(current_user, team))
    return data.get("active"), team


@bp.patch("/users/<int:user_id>")
@login_required
def api_update_user(user_id: int):
    """{"active": false} deactivates (and ends sessions); {"team_id": n} moves a volunteer."""
    person = _managed_person(user_id)
    active, team = _person_change(json_object())
    try:
        if team is not None:
            services.move_volunteer(current_user, person, team)
        if active is not None:
            services.set_active(current_user, person, active)
    except services.SetupError as error:
        db.session.rollback()
        return invalid({}, str(error))
    db.session.commit()
    return jsonify(user_json(person))


@bp.post("/users/<int:user_id>/password")
@login_required
@throttle_current_password
def api_reset_password(user_id: int):
    person = _managed_person(user_id)
    form = json_form(PasswordForm, json_object(), ["password", "current_password"])
    try:
        services.reset_password(current_user, person, form.password.data, form.current_password.data)
    except UserError as error:
        db.session.rollback()
        return invalid({getattr(error, "field", "password"): [str(error)]}, str(error))
    db.session.commit()
    return "", 204
