"""JSON API: visits. The phone's outbox sends batches here; "my visits" reads from here."""

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign.api import bp
from campaign.api.helpers import ApiAbort, invalid, json_object
from campaign.database import reads_first, start_writing
from campaign.extensions import db
from campaign.query_args import known_args
from campaign.visits import rules, services
from campaign.visits.intake import read_batch
from campaign.visits.storing import write_batch


@bp.post("/visits")
@reads_first
@login_required
def post_visits():
    data = json_object()
    items = data.get("visits")
    if not isinstance(items, list):
        return invalid({"visits": [_('Cần một danh sách lượt thăm: {"visits": [ … ]}.')]})
    if len(items) > rules.MAX_BATCH:
        return invalid({"visits": [_("Tối đa %(n)d lượt thăm mỗi lần gửi.", n=rules.MAX_BATCH)]})
    # The user itself, not the proxy: the rules read it for every item.
    batch = read_batch(current_user._get_current_object(), items)
    start_writing(db.session)
    write_batch(batch)
    db.session.commit()
    return jsonify(results=batch.results)


@bp.get("/visits")
@login_required
@known_args("mine", "since")
def get_visits():
    if request.args.get("mine") != "1":
        raise ApiAbort(422, _("Hiện chỉ xem được lượt thăm của chính bạn (mine=1)."), code="invalid")
    since = None
    if request.args.get("since"):
        since = rules.parse_time(request.args["since"])
        if since is None:
            return invalid({"since": [rules.messages()["visited_at"]]})
    visits = db.session.scalars(services.my_visits_query(current_user, since).limit(1000)).all()
    return jsonify(visits=[services.visit_payload(v) for v in visits])


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
