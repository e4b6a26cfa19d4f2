"""The OpenAPI 3.1 document served at /api/openapi.json.

Each module of the API contributes its own paths: define `OPENAPI_PATHS` (and, if needed,
`OPENAPI_SCHEMAS`) in campaign/api/<module>.py and this file merges them with the shared
components below (the Error shape of campaign.errors.json_error, the CSRF header, the session).
A test validates real responses against this document, so keep it true.
"""

from copy import deepcopy
from importlib import import_module

MODULES = ("session", "visits", "areas", "review", "setup")

ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["status", "code", "message"],
            "properties": {
                "status": {"type": "integer"},
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"$ref": "#/components/schemas/FieldErrors"},
            },
        }
    },
}

_ERROR = {"$ref": "#/components/responses/Error"}

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
        "max_label": {"type": "integer"},
        "max_note": {"type": "integer"},
        "max_count": {"type": "integer"},
        "max_batch": {"type": "integer"},
        "max_id": {"type": "integer"},
        "clock_skew_seconds": {"type": "integer"},
        "outcomes": {"type": "array", "items": {"$ref": "#/components/schemas/Outcome"}},
        "site_kinds": {"type": "array", "items": {"$ref": "#/components/schemas/SiteKind"}},
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

SESSION_PATHS = {
    "/api/v1/csrf": {
        "get": {
            "summary": "A fresh CSRF token for the X-CSRFToken header of the next write",
            "responses": {
                "200": {
                    "description": "The token",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["csrf_token"],
                                "properties": {"csrf_token": {"type": "string"}},
                            }
                        }
                    },
                }
            },
        }
    },
    "/api/v1/session": {
        "post": {
            "summary": "Log in",
            "parameters": [{"$ref": "#/components/parameters/CsrfHeader"}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["username", "password"],
                            "properties": {"username": {"type": "string"}, "password": {"type": "string"}},
                        }
                    }
                },
            },
            "responses": {
                "201": {
                    "description": "Logged in",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}},
                },
                "400": _ERROR,
                "401": _ERROR,
                "415": _ERROR,
                "422": _ERROR,
                "429": _ERROR,
            },
        },
        "delete": {
            "summary": "Log out (every session of this user ends)",
            "security": [{"session": []}],
            "parameters": [{"$ref": "#/components/parameters/CsrfHeader"}],
            "responses": {"204": {"description": "Logged out"}, "400": _ERROR, "401": _ERROR},
        },
    },
    "/api/v1/me": {
        "get": {
            "summary": "Who I am: role, scope, campaigns, and the hamlets I may log visits in",
            "security": [{"session": []}],
            "responses": {
                "200": {
                    "description": "Me",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Me"}}},
                },
                "401": _ERROR,
            },
        }
    },
}


def components() -> dict:
    from campaign.visits.models import Outcome, SiteKind

    return {
        "schemas": {
            "Error": ERROR_SCHEMA,
            "FieldErrors": {
                "type": "object",
                "description": "Field name → Vietnamese messages. Install counts are named installs.<code>.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            "Outcome": {"type": "string", "enum": [o.value for o in Outcome]},
            "SiteKind": {"type": "string", "enum": [k.value for k in SiteKind]},
            "App": APP_SCHEMA,
            "Hamlet": HAMLET_SCHEMA,
            "Me": ME_SCHEMA,
        },
        "responses": {
            "Error": {
                "description": "An error, in the API's one shape",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        },
        "parameters": {
            "CsrfHeader": {
                "name": "X-CSRFToken",
                "in": "header",
                "required": True,
                "description": "From GET /api/v1/csrf just before the write.",
                "schema": {"type": "string"},
            }
        },
        "securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "session"}},
    }


HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def document() -> dict:
    doc = {
        "openapi": "3.1.0",
        "info": {
            "title": "Gõ cửa từng nhà API",
            "version": "1",
            "description": "The API the volunteer's phone uses. Errors always have the Error shape.",
        },
        "servers": [{"url": "/"}],
        "paths": deepcopy(SESSION_PATHS),
        "components": components(),
    }
    for name in MODULES:
        module = import_module(f"campaign.api.{name}")
        for path, operations in getattr(module, "OPENAPI_PATHS", {}).items():
            # Modules may name their paths relative to the blueprint's /api/v1.
            path = path if path.startswith("/api/") else "/api/v1" + path
            doc["paths"].setdefault(path, {}).update(deepcopy(operations))
        doc["components"]["schemas"].update(deepcopy(getattr(module, "OPENAPI_SCHEMAS", {})))
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if method not in HTTP_METHODS:
                continue
            # Any request can be refused before it reaches its route (a NUL character, a lone
            # surrogate, JSON nested too deep: security.refuse_unstorable_input), so every
            # operation may answer 400.
            operation.setdefault("responses", {}).setdefault("400", _ERROR)
            # Reads of rows refuse a query parameter they do not know (campaign.query_args).
            if method == "get" and path not in SESSION_PATHS:
                operation["responses"].setdefault("422", _ERROR)
    return doc
