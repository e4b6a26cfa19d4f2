"""OpenAPI description of campaign/api/teams.py: a ward's teams and the hamlets they cover."""

from campaign.api.schemas.common import SETUP_TAGS, body, errors, ok, path_int
from campaign.campaigns.models import OrgKind

_TEAM = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ward_code": {"type": "integer"},
        "name": {"type": "string", "maxLength": 80},
        "org_kind": {"type": "string", "enum": [k.value for k in OrgKind]},
    },
}

OPENAPI_PATHS = {
    "/wards/{code}/teams": {
        "parameters": path_int("code"),
        "get": {
            "tags": SETUP_TAGS,
            "summary": "Teams of a ward",
            "responses": {
                **ok(
                    "The teams",
                    {"type": "object", "properties": {"teams": {"type": "array", "items": _TEAM}}},
                ),
                **errors(401, 403, 404),
            },
        },
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Create a team",
            "requestBody": body(
                {"type": "object", "required": ["name", "org_kind"], "properties": _TEAM["properties"]}
            ),
            "responses": {**ok("Created", _TEAM, 201), **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/teams/{team_id}": {
        "parameters": path_int("team_id"),
        "patch": {
            "tags": SETUP_TAGS,
            "summary": "Rename a team or change its organisation",
            "requestBody": body({"type": "object", "properties": _TEAM["properties"]}),
            "responses": {**ok("The team", _TEAM), **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/campaigns/{campaign_id}/wards/{code}/assignments": {
        "parameters": path_int("campaign_id", "code"),
        "get": {
            "tags": SETUP_TAGS,
            "summary": "Which team covers each hamlet of the ward in the campaign",
            "responses": {**ok("Assignments", {"type": "object"}), **errors(401, 403, 404)},
        },
    },
    "/campaigns/{campaign_id}/hamlets/{hamlet_id}/team": {
        "parameters": path_int("campaign_id", "hamlet_id"),
        "put": {
            "tags": SETUP_TAGS,
            "summary": "Give the hamlet to a team for the campaign (team_id null: to nobody)",
            "requestBody": body({"type": "object", "properties": {"team_id": {"type": ["integer", "null"]}}}),
            "responses": {
                **ok("The assignment", {"type": "object"}),
                **errors(400, 401, 403, 404, 415, 422),
            },
        },
    },
}
