"""OpenAPI description of campaign/api/visits.py: the phone's batches and "my visits"."""

from campaign.api.schemas.common import VISITED_AT
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
            "security": [{"session": []}],
            "parameters": [{"$ref": "#/components/parameters/CsrfHeader"}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["visits"],
                            "properties": {
                                "visits": {
                                    "type": "array",
                                    "maxItems": rules.MAX_BATCH,
                                    "items": {"$ref": "#/components/schemas/VisitIn"},
                                }
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "One result per item",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["results"],
                                "properties": {
                                    "results": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/VisitResult"},
                                    }
                                },
                            }
                        }
                    },
                },
                "400": {"$ref": "#/components/responses/Error"},
                "401": {"$ref": "#/components/responses/Error"},
                "413": {"$ref": "#/components/responses/Error"},
                "415": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            },
        },
        "get": {
            "summary": "My visits with their review status and reason",
            "security": [{"session": []}],
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
                "200": {
                    "description": "My visits, newest first",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["visits"],
                                "properties": {
                                    "visits": {
                                        "type": "array",
                                        "items": {"$ref": "#/components/schemas/VisitOut"},
                                    }
                                },
                            }
                        }
                    },
                },
                "401": {"$ref": "#/components/responses/Error"},
                "422": {"$ref": "#/components/responses/Error"},
            },
        },
    }
}
