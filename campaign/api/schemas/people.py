"""OpenAPI description of campaign/api/people.py: volunteers, deactivating, moving and passwords."""

from campaign.api.schemas.common import SETUP_TAGS, body, errors, ok, path_int

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

OPENAPI_PATHS = {
    "/teams/{team_id}/volunteers": {
        "parameters": path_int("team_id"),
        "get": {
            "tags": SETUP_TAGS,
            "summary": "Members of a team",
            "responses": {**ok("The volunteers", {"type": "object"}), **errors(401, 403, 404)},
        },
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Create a volunteer account in the team",
            "requestBody": body(
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
            "responses": {**ok("Created", _USER, 201), **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/users/{user_id}": {
        "parameters": path_int("user_id"),
        "patch": {
            "tags": SETUP_TAGS,
            "summary": "Deactivate/reactivate (ends sessions) or move a volunteer to another team",
            "requestBody": body(
                {
                    "type": "object",
                    "properties": {"active": {"type": "boolean"}, "team_id": {"type": "integer"}},
                }
            ),
            "responses": {**ok("The user", _USER), **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/users/{user_id}/password": {
        "parameters": path_int("user_id"),
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Set a new password; every session of the user ends",
            "description": "One's own password needs `current_password` (422 without it or when wrong).",
            "requestBody": body(
                {
                    "type": "object",
                    "required": ["password"],
                    "properties": {"password": {"type": "string"}, "current_password": {"type": "string"}},
                }
            ),
            "responses": {"204": {"description": "Changed"}, **errors(400, 401, 403, 404, 415, 422, 429)},
        },
    },
}
