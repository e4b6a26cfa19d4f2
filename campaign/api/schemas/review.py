"""OpenAPI description of campaign/api/review.py: the queue, decisions, edits and history."""

from campaign.api.schemas.common import INTEGER, STRING, VISITED_AT, array, body, error, obj, ok

_ERRORS = {
    "401": error("Not signed in"),
    "403": error("Not a reviewer of this area"),
    "422": error("Invalid filter or body"),
}
_FILTER_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    for name, schema, description in [
        ("ward", {"type": "integer"}, "Ward code"),
        ("hamlet", {"type": "integer"}, "Hamlet id"),
        ("volunteer", {"type": "integer"}, "Volunteer user id"),
        ("day", {"type": "string", "format": "date"}, "Local day (Asia/Ho_Chi_Minh)"),
        ("date_from", {"type": "string", "format": "date"}, "First local day"),
        ("date_to", {"type": "string", "format": "date"}, "Last local day"),
        (
            "outcome",
            {
                "enum": [
                    "installed",
                    "already_installed",
                    "refused",
                    "not_home",
                    "no_smartphone",
                    "come_back_later",
                ]
            },
            "Outcome",
        ),
        (
            "status",
            {"enum": ["open", "pending", "flagged", "approved", "rejected", "all"], "default": "open"},
            "Review status; open = pending and flagged",
        ),
    ]
]
_VISIT_SCHEMA = {
    "type": "object",
    "required": ["id", "review_status", "outcome", "visited_at"],
    "properties": {
        "id": INTEGER,
        "campaign_id": INTEGER,
        "hamlet_id": INTEGER,
        "hamlet": STRING,
        "household": STRING,
        "volunteer_id": INTEGER,
        "volunteer": STRING,
        "site_kind": STRING,
        "outcome": STRING,
        "residents": INTEGER,
        "smartphones": INTEGER,
        "already_installed": INTEGER,
        "installs": {"type": "object", "additionalProperties": INTEGER},
        "visited_at": VISITED_AT,
        "review_status": {"enum": ["pending", "flagged", "approved", "rejected"]},
        "review_reason": {"type": ["string", "null"]},
        "auto_flags": {"type": "array", "items": STRING},
        "corrects_id": {"type": ["integer", "null"]},
        "superseded": {"type": "boolean"},
        "counts_in_totals": {"type": "boolean"},
        "version": {
            "type": "integer",
            "description": "Send it back (If-Match or version) to change the visit",
        },
    },
}
_VERSION = {
    "type": "integer",
    "minimum": 0,
    "description": "The version read (or send If-Match with the ETag); without either: 428",
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The ETag of the visit as read, e.g. "3"; or the body\'s version',
}
# A change of one visit: no version is a 428, an old one a 409 with the visit as stored now.
_VERSION_ERRORS = {
    "409": {
        "description": "The visit changed since it was read; `current` is the visit now",
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/Error"}],
                    "properties": {"current": _VISIT_SCHEMA},
                }
            }
        },
    },
    "428": error("No version: send If-Match or version"),
}
_ACTION_BODY = {
    "type": "object",
    "required": ["action"],
    "additionalProperties": False,
    "properties": {
        "action": {"enum": ["approve", "flag", "reject"]},
        "reason": {"type": "string", "maxLength": 300, "description": "Required for flag and reject"},
        "version": _VERSION,
    },
}
_VISIT_ID = {"name": "visit_id", "in": "path", "required": True, "schema": INTEGER}
_COUNT = {"type": "integer", "minimum": 0}
_CHANGED = ok("The visit (ETag: its new version)", _VISIT_SCHEMA)
_NOT_FOUND = {"404": error("No such visit")}

OPENAPI_PATHS = {
    "/review/visits": {
        "get": {
            "summary": "Review queue: visits in the reviewer's area matching the filter, newest first",
            "tags": ["review"],
            "parameters": [
                *_FILTER_PARAMETERS,
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
            "responses": {
                **ok(
                    "A page of visits",
                    obj(
                        {
                            "items": array(_VISIT_SCHEMA),
                            "page": INTEGER,
                            "pages": INTEGER,
                            "total": INTEGER,
                            "upto_id": {"type": ["integer", "null"]},
                        }
                    ),
                ),
                **_ERRORS,
            },
        }
    },
    "/review/visits/{visit_id}": {
        "parameters": [_VISIT_ID],
        "post": {
            "summary": "Approve, flag or reject one visit, at the version read",
            "tags": ["review"],
            "parameters": [_IF_MATCH],
            "requestBody": body(_ACTION_BODY),
            "responses": {
                **_CHANGED,
                **_ERRORS,
                **_NOT_FOUND,
                **_VERSION_ERRORS,
            },
        },
        "patch": {
            "summary": "Edit a visit's counts at the version read (audited; same rules as logging)",
            "tags": ["review"],
            "parameters": [_IF_MATCH],
            "requestBody": body(
                obj(
                    {
                        "version": _VERSION,
                        "residents": _COUNT,
                        "smartphones": _COUNT,
                        "already_installed": _COUNT,
                        "installs": {"type": "object", "additionalProperties": _COUNT},
                    },
                    additionalProperties=False,
                )
            ),
            "responses": {
                **_CHANGED,
                **_ERRORS,
                **_NOT_FOUND,
                **_VERSION_ERRORS,
            },
        },
    },
    "/review/bulk": {
        "post": {
            "summary": "Apply one action to exactly the filtered set (visits up to upto_id)",
            "tags": ["review"],
            "parameters": _FILTER_PARAMETERS,
            "requestBody": body(
                {
                    **_ACTION_BODY,
                    "required": ["action", "upto_id"],
                    "properties": {
                        "action": _ACTION_BODY["properties"]["action"],
                        "reason": _ACTION_BODY["properties"]["reason"],
                        "count": {
                            **_COUNT,
                            "description": "The number of visits the client expects; another is a 409",
                        },
                        "upto_id": {**_COUNT, "description": "upto_id of the listing"},
                    },
                }
            ),
            "responses": {
                **ok(
                    "How many visits matched and how many changed",
                    obj(
                        {
                            "matched": INTEGER,
                            "changed": INTEGER,
                            "skipped": {
                                "type": "integer",
                                "description": "Matched but not the user's to review (their own visits, ...)",
                            },
                        }
                    ),
                ),
                **_ERRORS,
                "409": error("count was given and the filter now matches another number"),
            },
        }
    },
    "/review/visits/{visit_id}/history": {
        "parameters": [_VISIT_ID],
        "get": {
            "summary": "A visit's audit entries, resend conflicts and correction chain",
            "tags": ["review"],
            "responses": {
                **ok(
                    "History",
                    obj(
                        {
                            "visit": _VISIT_SCHEMA,
                            "chain": array(_VISIT_SCHEMA),
                            "audit": array({"type": "object"}),
                            "conflicts": array({"type": "object"}),
                        }
                    ),
                ),
                **_ERRORS,
                **_NOT_FOUND,
            },
        },
    },
}
# Every operation with a body reads it with json_object: a body that is not JSON is a 415, and
# JSON that is not an object is a 400.
for _item in OPENAPI_PATHS.values():
    for _operation in _item.values():
        if isinstance(_operation, dict) and "requestBody" in _operation:
            _operation["responses"].setdefault("400", error("The body is not a JSON object"))
            _operation["responses"].setdefault("415", error("The body is not JSON"))
