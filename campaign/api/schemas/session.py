"""OpenAPI description of campaign/api/session.py: CSRF token, log in and out, who am I."""

from campaign.api.schemas.common import (
    CSRF_HEADER,
    INTEGER,
    SIGNED_IN,
    STRING,
    array,
    body,
    error_refs,
    obj,
    ok,
    ref,
)

APP_SCHEMA = {
    "type": "object",
    "required": ["id", "code", "name"],
    "properties": {"id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"}},
}

HAMLET_SCHEMA = {
    "type": "object",
    "required": ["id", "name", "ward_code", "households", "revisit"],
    "properties": {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "ward_code": {"type": "integer"},
        "households": {
            "type": "array",
            "description": "Labels of the hamlet's known households.",
            "items": {"type": "string"},
        },
        "revisit": {
            "type": "array",
            "description": "Households to knock on again, most urgent first.",
            "items": {
                "type": "object",
                "required": ["household", "attempts", "latest_outcome"],
                "properties": {
                    "household": {"type": "string"},
                    "attempts": {"type": "integer"},
                    "latest_outcome": {"$ref": "#/components/schemas/Outcome"},
                    "latest_at": {"type": ["string", "null"], "format": "date-time"},
                },
            },
        },
    },
}

VISIT_RULES_SCHEMA = {
    "type": "object",
    "description": "The limits, choices and messages of the visit rules, for the phone's copy of them.",
    "required": [
        "max_label",
        "max_note",
        "max_count",
        "max_batch",
        "clock_skew_seconds",
        "outcomes",
        "site_kinds",
    ],
    "properties": {
        "max_label": INTEGER,
        "max_note": INTEGER,
        "max_count": INTEGER,
        "max_batch": INTEGER,
        "max_id": INTEGER,
        "clock_skew_seconds": INTEGER,
        "outcomes": array(ref("Outcome")),
        "site_kinds": array(ref("SiteKind")),
        "messages": {"type": "object", "additionalProperties": {"type": "string"}},
    },
}

ME_SCHEMA = {
    "type": "object",
    "required": ["user", "role", "scope", "campaigns", "visit_rules"],
    "properties": {
        "visit_rules": VISIT_RULES_SCHEMA,
        "user": {
            "type": "object",
            "required": ["id", "username", "display_name"],
            "properties": {
                "id": {"type": "integer"},
                "username": {"type": "string"},
                "display_name": {"type": "string"},
            },
        },
        "role": {"type": "string", "enum": ["volunteer", "lead", "coordinator", "admin"]},
        "scope": {
            "type": "object",
            "properties": {
                "province_code": {"type": ["integer", "null"]},
                "ward_code": {"type": ["integer", "null"]},
                "team_id": {"type": ["integer", "null"]},
                "team_name": {"type": ["string", "null"]},
            },
        },
        "campaigns": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "name", "start_date", "deadline", "target_rate", "apps"],
                "properties": {
                    "id": {"type": "integer"},
                    "name": {"type": "string"},
                    "province_code": {"type": ["integer", "null"]},
                    "start_date": {"type": "string", "format": "date"},
                    "deadline": {"type": "string", "format": "date"},
                    "target_rate": {"type": "number"},
                    "apps": {"type": "array", "items": {"$ref": "#/components/schemas/App"}},
                    "hamlets": {
                        "type": "array",
                        "description": "Hamlets I may log visits in for this campaign (volunteers and leads).",
                        "items": {"$ref": "#/components/schemas/Hamlet"},
                    },
                },
            },
        },
    },
}

OPENAPI_PATHS = {
    "/api/v1/csrf": {
        "get": {
            "summary": "A fresh CSRF token for the X-CSRFToken header of the next write",
            "responses": ok("The token", obj({"csrf_token": STRING}, ["csrf_token"])),
        }
    },
    "/api/v1/session": {
        "post": {
            "summary": "Log in",
            "parameters": [CSRF_HEADER],
            "requestBody": body(obj({"username": STRING, "password": STRING}, ["username", "password"])),
            "responses": {
                **ok("Logged in", ref("Me"), 201),
                **error_refs(400, 401, 415, 422, 429),
            },
        },
        "delete": {
            "summary": "Log out (every session of this user ends)",
            "security": SIGNED_IN,
            "parameters": [CSRF_HEADER],
            "responses": {"204": {"description": "Logged out"}, **error_refs(400, 401)},
        },
    },
    "/api/v1/me": {
        "get": {
            "summary": "Who I am: role, scope, campaigns, and the hamlets I may log visits in",
            "security": SIGNED_IN,
            "responses": {**ok("Me", ref("Me")), **error_refs(401)},
        }
    },
}

OPENAPI_SCHEMAS = {"App": APP_SCHEMA, "Hamlet": HAMLET_SCHEMA, "Me": ME_SCHEMA}
