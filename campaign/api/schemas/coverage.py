"""OpenAPI description of campaign/api/coverage.py: an area's numbers and its ranked children."""

from campaign.api.schemas.common import array, error, obj, ok
from campaign.coverage.tree import LEVELS

_PARAMS = [
    {"name": "level", "in": "path", "required": True, "schema": {"enum": list(LEVELS)}},
    {
        "name": "code",
        "in": "path",
        "required": True,
        "description": "`vn` for the country, an official province or ward code, or a hamlet id.",
        "schema": {"type": "string"},
    },
    {"name": "campaign_id", "in": "query", "required": True, "schema": {"type": "integer"}},
    {
        "name": "date",
        "in": "query",
        "description": "As-of local day (Asia/Ho_Chi_Minh), inclusive; default today.",
        "schema": {"type": "string", "format": "date"},
    },
]
_DAY = {"type": "string", "format": "date"}
_SINCE = {
    "name": "since",
    "in": "query",
    "description": "Earlier day for the rank change; default 7 days before `date`.",
    "schema": {"type": "string", "format": "date"},
}
_ERRORS = {
    str(status): error(description)
    for status, description in (
        (400, "Bad parameters (campaign_id, date, since)."),
        (401, "Not signed in."),
        (403, "The area is outside the user's scope."),
        (404, "Unknown level, area or campaign, or the area is outside the campaign."),
    )
}
_NUMBERS = {
    "type": "object",
    "required": ["level", "code", "name", "population", "known_users", "user_rate", "rank"],
    "properties": {
        "level": {"type": "string"},
        "code": {"type": ["integer", "string"]},
        "name": {"type": "string"},
        "population": {"type": "integer"},
        "households": {"type": "integer"},
        "households_reached": {"type": "integer"},
        "households_reached_rate": {"type": ["number", "null"]},
        "visits": {"type": "integer"},
        "already_installed": {"type": "integer"},
        "installs": {"type": "integer"},
        "known_users": {"type": "integer"},
        "user_rate": {"type": ["number", "null"]},
        "target_share": {"type": ["number", "null"]},
        "colour": {"enum": ["good", "warn", "bad", None]},
        "installs_by_app": {"type": "array", "items": {"type": "object"}},
        "outcomes": {"type": "object", "additionalProperties": {"type": "integer"}},
        "users_per_day": {"type": "number"},
        "rank": {"type": ["integer", "null"]},
        "rank_since": {"type": ["integer", "null"]},
        "rank_change": {"type": ["integer", "null"]},
        "ranked_among": {"type": "integer"},
    },
}

OPENAPI_PATHS = {
    "/api/v1/areas/{level}/{code}/summary": {
        "get": {
            "summary": "Coverage numbers of an area for a campaign as of a day",
            "operationId": "areaSummary",
            "tags": ["areas"],
            "parameters": [*_PARAMS, _SINCE],
            "responses": {
                **ok(
                    "Totals, user rate, pace, rank and trend.",
                    {
                        "allOf": [
                            _NUMBERS,
                            obj(
                                {
                                    "area": {"type": "object"},
                                    "campaign": {"type": "object"},
                                    "as_of": _DAY,
                                    "since": _DAY,
                                    "pace": obj(
                                        {
                                            "projected_date": {"type": ["string", "null"], "format": "date"},
                                            "reachable": {
                                                "type": ["boolean", "null"],
                                                "description": "false: not reachable at "
                                                "this pace (no gain, or past year 9999); "
                                                "null: no population.",
                                            },
                                        }
                                    ),
                                    "trend": array({"type": "object"}),
                                },
                                ["area", "campaign", "as_of", "since", "pace", "trend"],
                            ),
                        ]
                    },
                ),
                **_ERRORS,
            },
        }
    },
    "/api/v1/areas/{level}/{code}/children": {
        "get": {
            "summary": "Ranked children of an area with their rank change",
            "operationId": "areaChildren",
            "tags": ["areas"],
            "parameters": [*_PARAMS, _SINCE],
            "responses": {
                **ok(
                    "Children (provinces, wards or hamlets) ranked by user rate.",
                    obj(
                        {
                            "area": {"type": "object"},
                            "campaign": {"type": "object"},
                            "as_of": _DAY,
                            "since": _DAY,
                            "children_level": {"type": ["string", "null"]},
                            "children": array(_NUMBERS),
                            "top5": {"type": "array"},
                            "climbers": {"type": "array"},
                        },
                        ["area", "campaign", "children", "top5", "climbers"],
                    ),
                ),
                **_ERRORS,
            },
        }
    },
}
