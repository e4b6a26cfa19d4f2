"""OpenAPI description of campaign/api/visits.py: the phone's batches and "my visits"."""

from campaign.api.schemas.common import (
    CSRF_HEADER,
    SIGNED_IN,
    VISITED_AT,
    array,
    body,
    error_refs,
    listing,
    obj,
    ok,
    ref,
)
from campaign.visits import rules

_COUNT = {"type": "integer", "minimum": 0, "maximum": rules.MAX_COUNT}
_VISIT_IN = {
    "type": "object",
    "required": ["client_id", "campaign_id", "hamlet_id", "household", "outcome", "visited_at"],
    "properties": {
        "client_id": {"type": "string", "format": "uuid"},
        "campaign_id": {"type": "integer", "minimum": 1},
        "hamlet_id": {"type": "integer", "minimum": 1},
        "household": {
            "type": "string",
            "maxLength": rules.MAX_LABEL,
            "description": "A house number; never a name.",
        },
        "site_kind": {"$ref": "#/components/schemas/SiteKind"},
        "outcome": {"$ref": "#/components/schemas/Outcome"},
        "residents": _COUNT,
        "smartphones": _COUNT,
        "already_installed": _COUNT,
        "installs": {"type": "object", "additionalProperties": _COUNT, "description": "App code → installs."},
        "visited_at": {"type": "string", "format": "date-time"},
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "accuracy_m": {"type": ["number", "null"], "minimum": 0},
        "note": {"type": ["string", "null"], "maxLength": rules.MAX_NOTE},
        "corrects": {
            "type": ["string", "null"],
            "format": "uuid",
            "description": "client_id of one of my earlier visits that this one corrects.",
        },
    },
}
_VISIT_OUT = {
    "type": "object",
    "required": ["client_id", "campaign_id", "hamlet_id", "household", "outcome", "review_status"],
    "properties": {
        **_VISIT_IN["properties"],
        "visited_at": VISITED_AT,
        "received_at": {"type": "string", "format": "date-time"},
        "review_status": {"type": "string", "enum": ["pending", "approved", "flagged", "rejected"]},
        "review_reason": {"type": ["string", "null"]},
        "superseded": {"type": "boolean"},
    },
}
_RESULT = {
    "type": "object",
    "required": ["client_id", "status", "errors"],
    "properties": {
        "client_id": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["created", "duplicate", "conflict", "invalid"]},
        "errors": {"$ref": "#/components/schemas/FieldErrors"},
    },
}

OPENAPI_SCHEMAS = {"VisitIn": _VISIT_IN, "VisitOut": _VISIT_OUT, "VisitResult": _RESULT}
OPENAPI_PATHS = {
    "/api/v1/visits": {
        "post": {
            "summary": "Send a batch of visits from the phone's outbox",
            "description": "One result per item, in order. A resend of a stored client_id is a "
            "duplicate (same content) or a conflict (other content; the first version is kept). "
            "One invalid item never blocks the others. Needs the X-CSRFToken header.",
            "security": SIGNED_IN,
            "parameters": [CSRF_HEADER],
            "requestBody": body(obj({"visits": array(ref("VisitIn"), maxItems=rules.MAX_BATCH)}, ["visits"])),
            "responses": {
                **ok("One result per item", listing("results", ref("VisitResult"))),
                **error_refs(400, 401, 413, 415, 422),
            },
        },
        "get": {
            "summary": "My visits with their review status and reason",
            "security": SIGNED_IN,
            "parameters": [
                {
                    "name": "mine",
                    "in": "query",
                    "required": True,
                    "schema": {"type": "string", "enum": ["1"]},
                },
                {
                    "name": "since",
                    "in": "query",
                    "required": False,
                    "description": "Only visits received or reviewed at or after this instant.",
                    "schema": {"type": "string", "format": "date-time"},
                },
            ],
            "responses": {
                **ok("My visits, newest first", listing("visits", ref("VisitOut"))),
                **error_refs(401, 422),
            },
        },
    }
}
