"""The OpenAPI 3.1 document served at /api/openapi.json.

Each module of the API has its description here under the same name: campaign/api/<module>.py
is described by campaign/api/schemas/<module>.py, which defines `OPENAPI_PATHS` (and, if needed,
`OPENAPI_SCHEMAS`). This file merges them with the shared components below (the Error shape of
campaign.errors.json_error, the CSRF header, the session). A test validates real responses
against this document, so keep it true.
"""

from copy import deepcopy
from importlib import import_module

from campaign.api.schemas.common import ERROR_RESPONSE as _ERROR

MODULES = ("session", "visits", "coverage", "review", "hamlets", "teams", "people", "revisits")

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
                "request_id": {
                    "type": "string",
                    "description": "On a 5xx: the id of the server's log line (also the X-Request-ID header).",
                },
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
        "paths": {},
        "components": components(),
    }
    session_paths = import_module("campaign.api.schemas.session").OPENAPI_PATHS
    for name in MODULES:
        module = import_module(f"campaign.api.schemas.{name}")
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
            if method == "get" and path not in session_paths:
                operation["responses"].setdefault("422", _ERROR)
    return doc
