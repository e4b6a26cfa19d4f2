"""JSON API: setting up the field (hamlets, households, teams, volunteers, assignments) and the
revisit list with claims. Same services and access checks as the HTML pages."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import access
from campaign.api import bp
from campaign.api.helpers import form_errors, invalid, json_object, scalar_formdata
from campaign.areas import households as hh
from campaign.areas.forms import HamletForm
from campaign.areas.models import Hamlet, Household, Ward
from campaign.areas.services import (
    AreaError,
    create_hamlet,
    hamlet_snapshot,
    import_hamlets,
    listed_counts,
    update_hamlet,
    ward_hamlets_query,
)
from campaign.auth.models import User
from campaign.auth.services import UserError
from campaign.auth.throttle import throttle_current_password
from campaign.campaigns import services
from campaign.campaigns.forms import PasswordForm, PersonForm, TeamForm
from campaign.campaigns.models import Campaign, OrgKind, Team
from campaign.errors import json_error
from campaign.extensions import db
from campaign.imports import ImportFileError
from campaign.query_args import known_args
from campaign.types import MAX_ID, db_id


def _hamlet_json(hamlet: Hamlet, listed: int = 0) -> dict:
    return {
        "id": hamlet.id,
        "ward_code": hamlet.ward_code,
        **hamlet_snapshot(hamlet),
        "listed_households": listed,
    }


def _team_json(team: Team) -> dict:
    return {"id": team.id, "ward_code": team.ward_code, "name": team.name, "org_kind": team.org_kind.value}


def _user_json(person: User) -> dict:
    return {
        "id": person.id,
        "username": person.username,
        "display_name": person.display_name,
        "role": person.role.value,
        "team_id": person.team_id,
        "active": person.active,
    }


def _form(form_class, data: dict, fields: list[str]):
    formdata, type_errors = scalar_formdata(data, fields)
    form = form_class(formdata=formdata, meta={"csrf": False})
    ok = form.validate() and not type_errors
    return form, ({**form_errors(form), **type_errors} if not ok else None)


def _upload():
    """The CSV sent as multipart field `file`, or as the raw body with Content-Type text/csv."""
    if "file" in request.files:
        return request.files["file"]
    return request.get_data() if request.mimetype == "text/csv" else None


FIELDS = ["name", "kind", "households", "population", "lat", "lon"]


# --- hamlets ---------------------------------------------------------------------------------


@bp.get("/wards/<int:code>/hamlets")
@login_required
@known_args()
def api_hamlets(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    rows = db.session.scalars(ward_hamlets_query(ward.code)).all()
    listed = listed_counts([h.id for h in rows]) if rows else {}
    return jsonify(hamlets=[_hamlet_json(h, listed.get(h.id, 0)) for h in rows])


@bp.post("/wards/<int:code>/hamlets")
@login_required
def api_create_hamlet(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    form, errors = _form(HamletForm, json_object(), FIELDS)
    if errors:
        return invalid(errors)
    try:
        hamlet = create_hamlet(current_user, ward.code, form.values())
    except AreaError as error:
        return invalid({"name": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(_hamlet_json(hamlet)), 201


@bp.patch("/hamlets/<int:hamlet_id>")
@login_required
def api_update_hamlet(hamlet_id: int):
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(access.can_manage_ward(current_user, hamlet.ward_code))
    data = json_object()
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        return invalid({name: [_("Trường này không sửa được.")] for name in unknown})
    form, errors = _form(HamletForm, {**hamlet_snapshot(hamlet), **data}, FIELDS)
    if errors:
        return invalid(errors)
    try:
        update_hamlet(current_user, hamlet, form.values())
    except AreaError as error:
        return invalid({"households": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(_hamlet_json(hamlet, listed_counts([hamlet.id]).get(hamlet.id, 0)))


@bp.post("/wards/<int:code>/hamlets/import")
@login_required
def api_import_hamlets(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    try:
        result = import_hamlets(current_user, ward.code, _upload())
    except ImportFileError as error:
        db.session.rollback()
        return json_error(422, str(error), code="bad_file")
    if result["errors"]:
        db.session.rollback()
        return json_error(
            422, _("Tệp có lỗi nên chưa có gì thay đổi."), code="invalid", fields={"rows": result["errors"]}
        )
    db.session.commit()
    return jsonify(result)


# --- households ------------------------------------------------------------------------------


def _campaign_arg(name: str = "campaign_id") -> Campaign:
    campaign_id = request.args.get(name, type=db_id)
    campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
    if campaign is None:
        campaign = db.session.scalars(access.campaigns_query(current_user).limit(1)).first()
    if campaign is None:
        abort(404)
    access.require(access.can_see_campaign(current_user, campaign))
    return campaign


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
        households=[
            {
                "id": r.id,
                "label": r.label,
                "attempts": r.attempts,
                "latest_outcome": str(r.latest_outcome) if r.latest_outcome else None,
                "latest_at": r.latest_at.isoformat() if r.latest_at else None,
            }
            for r in rows
        ],
    )


@bp.post("/hamlets/<int:hamlet_id>/households/import")
@login_required
def api_import_households(hamlet_id: int):
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(access.can_manage_ward(current_user, hamlet.ward_code))
    try:
        result = hh.import_households(current_user, hamlet, _upload())
    except ImportFileError as error:
        db.session.rollback()
        return json_error(422, str(error), code="bad_file")
    if result["errors"]:
        db.session.rollback()
        return json_error(
            422, _("Tệp có lỗi nên chưa có gì thay đổi."), code="invalid", fields={"rows": result["errors"]}
        )
    db.session.commit()
    return jsonify(result)


# --- teams and volunteers --------------------------------------------------------------------


@bp.get("/wards/<int:code>/teams")
@login_required
@known_args()
def api_teams(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    return jsonify(teams=[_team_json(t) for t in db.session.scalars(services.ward_teams_query(ward.code))])


@bp.post("/wards/<int:code>/teams")
@login_required
def api_create_team(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    form, errors = _form(TeamForm, json_object(), ["name", "org_kind"])
    if errors:
        return invalid(errors)
    try:
        team = services.create_team(current_user, ward.code, form.name.data, OrgKind(form.org_kind.data))
    except services.SetupError as error:
        return invalid({"name": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(_team_json(team)), 201


@bp.patch("/teams/<int:team_id>")
@login_required
def api_update_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    form, errors = _form(TeamForm, {**services.team_snapshot(team), **json_object()}, ["name", "org_kind"])
    if errors:
        return invalid(errors)
    try:
        services.update_team(current_user, team, form.name.data, OrgKind(form.org_kind.data))
    except services.SetupError as error:
        return invalid({"name": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(_team_json(team))


@bp.get("/teams/<int:team_id>/volunteers")
@login_required
@known_args()
def api_volunteers(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    return jsonify(
        volunteers=[_user_json(u) for u in db.session.scalars(services.team_members_query(team.id))]
    )


@bp.post("/teams/<int:team_id>/volunteers")
@login_required
def api_create_volunteer(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    form, errors = _form(PersonForm, json_object(), ["username", "display_name", "password"])
    if errors:
        return invalid(errors)
    try:
        person = services.create_volunteer(
            current_user, team, form.username.data, form.display_name.data, form.password.data
        )
    except UserError as error:
        db.session.rollback()
        return invalid({"username": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(_user_json(person)), 201


@bp.patch("/users/<int:user_id>")
@login_required
def api_update_user(user_id: int):
    """{"active": false} deactivates (and ends sessions); {"team_id": n} moves a volunteer."""
    person = db.get_or_404(User, user_id)
    access.require(access.can_manage_person(current_user, person))
    data = json_object()
    unknown = sorted(set(data) - {"active", "team_id"})
    if unknown:
        return invalid({name: [_("Trường này không sửa được.")] for name in unknown})
    if "active" in data and not isinstance(data["active"], bool):
        return invalid({"active": [_("Giá trị không đúng kiểu.")]})
    if "team_id" in data and (isinstance(data["team_id"], bool) or not isinstance(data["team_id"], int)):
        return invalid({"team_id": [_("Giá trị không đúng kiểu.")]})
    try:
        if "team_id" in data:
            # Past MAX_ID no team exists (and the lookup would overflow SQLite's integers).
            target = db.session.get(Team, data["team_id"]) if 0 < data["team_id"] <= MAX_ID else None
            if target is None:
                return invalid({"team_id": [_("Không tìm thấy đội này.")]})
            access.require(access.can_manage_team(current_user, target))
            services.move_volunteer(current_user, person, target)
        if "active" in data:
            services.set_active(current_user, person, data["active"])
    except services.SetupError as error:
        db.session.rollback()
        return invalid({}, str(error))
    db.session.commit()
    return jsonify(_user_json(person))


@bp.post("/users/<int:user_id>/password")
@login_required
@throttle_current_password
def api_reset_password(user_id: int):
    person = db.get_or_404(User, user_id)
    access.require(access.can_manage_person(current_user, person))
    form, errors = _form(PasswordForm, json_object(), ["password", "current_password"])
    if errors:
        return invalid(errors)
    try:
        services.reset_password(current_user, person, form.password.data, form.current_password.data)
    except UserError as error:
        db.session.rollback()
        return invalid({getattr(error, "field", "password"): [str(error)]}, str(error))
    db.session.commit()
    return "", 204


# --- assignments -----------------------------------------------------------------------------


@bp.get("/campaigns/<int:campaign_id>/wards/<int:code>/assignments")
@login_required
@known_args()
def api_assignments(campaign_id: int, code: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    ward = db.get_or_404(Ward, code)
    access.require(
        access.can_manage_ward(current_user, ward.code) and access.can_see_campaign(current_user, campaign)
    )
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
    """{"team_id": n} gives the hamlet to a team for the campaign; {"team_id": null} takes it back."""
    campaign = db.get_or_404(Campaign, campaign_id)
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(
        access.can_manage_ward(current_user, hamlet.ward_code)
        and access.can_see_campaign(current_user, campaign)
    )
    data = json_object()
    team_id = data.get("team_id")
    if team_id is not None and (isinstance(team_id, bool) or not isinstance(team_id, int)):
        return invalid({"team_id": [_("Giá trị không đúng kiểu.")]})
    # An id beyond 32 bits names no team (and would overflow the database's integer).
    team = db.session.get(Team, team_id) if team_id is not None and 0 < team_id <= MAX_ID else None
    if team_id is not None and (team is None or team.ward_code != hamlet.ward_code):
        return invalid({"team_id": [_("Đội và thôn/ấp phải cùng một phường/xã.")]})
    try:
        services.assign_hamlet(current_user, campaign, hamlet, team)
    except services.SetupError as error:
        return invalid({"team_id": [str(error)]}, str(error))
    db.session.commit()
    return jsonify(campaign_id=campaign.id, hamlet_id=hamlet.id, team_id=team.id if team else None)


# --- revisits and claims ---------------------------------------------------------------------


def _revisit_json(item: dict) -> dict:
    return {**item, "latest_at": item["latest_at"].isoformat() if item["latest_at"] else None}


@bp.get("/campaigns/<int:campaign_id>/revisits")
@login_required
@known_args("hamlet_id")
def api_revisits(campaign_id: int):
    """The revisit list of one hamlet (?hamlet_id=) or of every hamlet the user works in."""
    campaign = db.get_or_404(Campaign, campaign_id)
    access.require(access.can_see_campaign(current_user, campaign))
    hamlet_id = request.args.get("hamlet_id", type=db_id)
    if hamlet_id is not None:
        hamlet = db.get_or_404(Hamlet, hamlet_id)
        access.require(access.can_see_revisits(current_user, hamlet, campaign))
        ids = [hamlet.id]
    else:
        if current_user.role.value not in ("volunteer", "lead"):
            return invalid({"hamlet_id": [_("Hãy chọn một thôn/ấp.")]})
        ids = access.hamlet_ids_query(current_user, campaign.id)
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


# --- OpenAPI ---------------------------------------------------------------------------------


def _errors(*statuses: int) -> dict:
    descriptions = {
        400: "Bad JSON or CSRF token",
        401: "Not logged in",
        403: "Outside the user's scope",
        404: "Not found",
        409: "Already claimed by someone else today",
        413: "Body over 1 MB",
        415: "Not JSON",
        422: "Invalid fields or CSV rows (fields.rows lists errors by line)",
        429: "Too many wrong current passwords: wait Retry-After seconds",
    }
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    return {str(s): {"description": descriptions[s], **error} for s in statuses}


def _ok(description: str, schema: dict | None = None, status: int = 200) -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {str(status): body}


def _body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path_int(*names: str) -> list:
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "integer"}} for n in names]


_HAMLET = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ward_code": {"type": "integer"},
        "name": {"type": "string", "maxLength": 80},
        "kind": {"type": "string", "enum": ["thon", "ap", "ban", "to_dan_pho", "khu_pho"]},
        "households": {"type": "integer", "minimum": 0},
        "population": {"type": "integer", "minimum": 0},
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "listed_households": {"type": "integer", "description": "Households imported from the list"},
    },
}
_HAMLET_IN = {
    "type": "object",
    "required": ["name", "kind"],
    "properties": {k: v for k, v in _HAMLET["properties"].items() if k in FIELDS},
}
_TEAM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ward_code": {"type": "integer"},
        "name": {"type": "string", "maxLength": 80},
        "org_kind": {"type": "string", "enum": [k.value for k in OrgKind]},
    },
}
_USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "display_name": {"type": "string"},
        "role": {"type": "string"},
        "team_id": {"type": ["integer", "null"]},
        "active": {"type": "boolean"},
    },
}
_REVISIT = {
    "type": "object",
    "properties": {
        "household_id": {"type": "integer"},
        "hamlet_id": {"type": "integer"},
        "hamlet": {"type": "string"},
        "label": {"type": "string"},
        "attempts": {"type": "integer"},
        "latest_outcome": {"type": "string", "enum": ["not_home", "come_back_later"]},
        "latest_at": {"type": "string", "format": "date-time"},
        "claimed_by_id": {"type": ["integer", "null"]},
        "claimed_by": {"type": ["string", "null"], "description": "Display name of today's claimant"},
    },
}
_CSV_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        "text/csv": {"schema": {"type": "string"}},
    },
}
_TAGS = ["setup"]

OPENAPI_PATHS = {
    "/wards/{code}/hamlets": {
        "parameters": _path_int("code"),
        "get": {
            "tags": _TAGS,
            "summary": "Hamlets of a ward",
            "responses": {
                **_ok(
                    "The hamlets",
                    {"type": "object", "properties": {"hamlets": {"type": "array", "items": _HAMLET}}},
                ),
                **_errors(401, 403, 404),
            },
        },
        "post": {
            "tags": _TAGS,
            "summary": "Create a hamlet",
            "requestBody": _body(_HAMLET_IN),
            "responses": {**_ok("Created", _HAMLET, 201), **_errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/wards/{code}/hamlets/import": {
        "parameters": _path_int("code"),
        "post": {
            "tags": _TAGS,
            "summary": "Create or update hamlets from a CSV (Tên, Loại, Số hộ, Dân số, Vĩ độ, Kinh độ); all or nothing",
            "requestBody": _CSV_BODY,
            "responses": {
                **_ok("Counts of created, updated and unchanged hamlets", {"type": "object"}),
                **_errors(400, 401, 403, 404, 413, 422),
            },
        },
    },
    "/hamlets/{hamlet_id}": {
        "parameters": _path_int("hamlet_id"),
        "patch": {
            "tags": _TAGS,
            "summary": "Change some fields of a hamlet",
            "requestBody": _body({**_HAMLET_IN, "required": []}),
            "responses": {**_ok("The hamlet", _HAMLET), **_errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/hamlets/{hamlet_id}/households": {
        "parameters": [
            *_path_int("hamlet_id"),
            {"name": "campaign_id", "in": "query", "schema": {"type": "integer"}},
        ],
        "get": {
            "tags": _TAGS,
            "summary": "The hamlet's households with latest outcome and attempts",
            "responses": {**_ok("The households", {"type": "object"}), **_errors(401, 403, 404)},
        },
    },
    "/hamlets/{hamlet_id}/households/import": {
        "parameters": _path_int("hamlet_id"),
        "post": {
            "tags": _TAGS,
            "summary": "Import the household list (one column Số nhà); the hamlet's household count follows",
            "requestBody": _CSV_BODY,
            "responses": {
                **_ok("Counts: added, marked, listed", {"type": "object"}),
                **_errors(400, 401, 403, 404, 413, 422),
            },
        },
    },
    "/wards/{code}/teams": {
        "parameters": _path_int("code"),
        "get": {
            "tags": _TAGS,
            "summary": "Teams of a ward",
            "responses": {
                **_ok(
                    "The teams",
                    {"type": "object", "properties": {"teams": {"type": "array", "items": _TEAM}}},
                ),
                **_errors(401, 403, 404),
            },
        },
        "post": {
            "tags": _TAGS,
            "summary": "Create a team",
            "requestBody": _body(
                {"type": "object", "required": ["name", "org_kind"], "properties": _TEAM["properties"]}
            ),
            "responses": {**_ok("Created", _TEAM, 201), **_errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/teams/{team_id}": {
        "parameters": _path_int("team_id"),
        "patch": {
            "tags": _TAGS,
            "summary": "Rename a team or change its organisation",
            "requestBody": _body({"type": "object", "properties": _TEAM["properties"]}),
            "responses": {**_ok("The team", _TEAM), **_errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/teams/{team_id}/volunteers": {
        "parameters": _path_int("team_id"),
        "get": {
            "tags": _TAGS,
            "summary": "Members of a team",
            "responses": {**_ok("The volunteers", {"type": "object"}), **_errors(401, 403, 404)},
        },
        "post": {
            "tags": _TAGS,
            "summary": "Create a volunteer account in the team",
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["username", "display_name", "password"],
                    "properties": {
                        "username": {"type": "string", "maxLength": 40},
                        "display_name": {"type": "string", "maxLength": 80},
                        "password": {"type": "string", "minLength": 12},
                    },
                }
            ),
            "responses": {**_ok("Created", _USER, 201), **_errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/users/{user_id}": {
        "parameters": _path_int("user_id"),
        "patch": {
            "tags": _TAGS,
            "summary": "Deactivate/reactivate (ends sessions) or move a volunteer to another team",
            "requestBody": _body(
                {
                    "type": "object",
                    "properties": {"active": {"type": "boolean"}, "team_id": {"type": "integer"}},
                }
            ),
            "responses": {**_ok("The user", _USER), **_errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/users/{user_id}/password": {
        "parameters": _path_int("user_id"),
        "post": {
            "tags": _TAGS,
            "summary": "Set a new password; every session of the user ends",
            "description": "One's own password needs `current_password` (422 without it or when wrong).",
            "requestBody": _body(
                {
                    "type": "object",
                    "required": ["password"],
                    "properties": {"password": {"type": "string"}, "current_password": {"type": "string"}},
                }
            ),
            "responses": {"204": {"description": "Changed"}, **_errors(400, 401, 403, 404, 415, 422, 429)},
        },
    },
    "/campaigns/{campaign_id}/wards/{code}/assignments": {
        "parameters": _path_int("campaign_id", "code"),
        "get": {
            "tags": _TAGS,
            "summary": "Which team covers each hamlet of the ward in the campaign",
            "responses": {**_ok("Assignments", {"type": "object"}), **_errors(401, 403, 404)},
        },
    },
    "/campaigns/{campaign_id}/hamlets/{hamlet_id}/team": {
        "parameters": _path_int("campaign_id", "hamlet_id"),
        "put": {
            "tags": _TAGS,
            "summary": "Give the hamlet to a team for the campaign (team_id null: to nobody)",
            "requestBody": _body(
                {"type": "object", "properties": {"team_id": {"type": ["integer", "null"]}}}
            ),
            "responses": {
                **_ok("The assignment", {"type": "object"}),
                **_errors(400, 401, 403, 404, 415, 422),
            },
        },
    },
    "/campaigns/{campaign_id}/revisits": {
        "parameters": [
            *_path_int("campaign_id"),
            {"name": "hamlet_id", "in": "query", "schema": {"type": "integer"}},
        ],
        "get": {
            "tags": _TAGS,
            "summary": "Households to knock on again, fewest attempts first, with today's claims",
            "responses": {
                **_ok(
                    "The revisit list",
                    {"type": "object", "properties": {"households": {"type": "array", "items": _REVISIT}}},
                ),
                **_errors(401, 403, 404, 422),
            },
        },
    },
    "/campaigns/{campaign_id}/households/{household_id}/claim": {
        "parameters": _path_int("campaign_id", "household_id"),
        "post": {
            "tags": _TAGS,
            "summary": "Claim the household for today (local day); expires at midnight",
            "responses": {**_ok("Claimed", {"type": "object"}, 201), **_errors(400, 401, 403, 404, 409)},
        },
        "delete": {
            "tags": _TAGS,
            "summary": "Release today's claim (one's own; a lead may release any in the ward)",
            "responses": {"204": {"description": "Released"}, **_errors(400, 401, 403, 404)},
        },
    },
}
