"""OpenAPI description of campaign/api/hamlets.py: a ward's hamlets and a hamlet's households."""

from campaign.api.hamlets import FIELDS
from campaign.api.schemas.common import CSV_BODY, SETUP_TAGS, body, errors, ok, path_int

_HAMLET = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "ward_code": {"type": "integer"},
        "name": {"type": "string", "maxLength": 80},
        "kind": {"type": "string", "enum": ["thon", "ap", "ban", "to_dan_pho", "khu_pho"]},
        "households": {"type": "integer", "minimum": 0},
        "population": {"type": "integer", "minimum": 0},
        "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
        "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
        "listed_households": {"type": "integer", "description": "Households imported from the list"},
    },
}
_HAMLET_IN = {
    "type": "object",
    "required": ["name", "kind"],
    "properties": {k: v for k, v in _HAMLET["properties"].items() if k in FIELDS},
}

OPENAPI_PATHS = {
    "/wards/{code}/hamlets": {
        "parameters": path_int("code"),
        "get": {
            "tags": SETUP_TAGS,
            "summary": "Hamlets of a ward",
            "responses": {
                **ok(
                    "The hamlets",
                    {"type": "object", "properties": {"hamlets": {"type": "array", "items": _HAMLET}}},
                ),
                **errors(401, 403, 404),
            },
        },
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Create a hamlet",
            "requestBody": body(_HAMLET_IN),
            "responses": {**ok("Created", _HAMLET, 201), **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/wards/{code}/hamlets/import": {
        "parameters": path_int("code"),
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Create or update hamlets from a CSV (Tên, Loại, Số hộ, Dân số, Vĩ độ, Kinh độ); all or nothing",
            "requestBody": CSV_BODY,
            "responses": {
                **ok("Counts of created, updated and unchanged hamlets", {"type": "object"}),
                **errors(400, 401, 403, 404, 413, 422),
            },
        },
    },
    "/hamlets/{hamlet_id}": {
        "parameters": path_int("hamlet_id"),
        "patch": {
            "tags": SETUP_TAGS,
            "summary": "Change some fields of a hamlet",
            "requestBody": body({**_HAMLET_IN, "required": []}),
            "responses": {**ok("The hamlet", _HAMLET), **errors(400, 401, 403, 404, 415, 422)},
        },
    },
    "/hamlets/{hamlet_id}/households": {
        "parameters": [
            *path_int("hamlet_id"),
            {"name": "campaign_id", "in": "query", "schema": {"type": "integer"}},
        ],
        "get": {
            "tags": SETUP_TAGS,
            "summary": "The hamlet's households with latest outcome and attempts",
            "responses": {**ok("The households", {"type": "object"}), **errors(401, 403, 404)},
        },
    },
    "/hamlets/{hamlet_id}/households/import": {
        "parameters": path_int("hamlet_id"),
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Import the household list (one column Số nhà); the hamlet's household count follows",
            "requestBody": CSV_BODY,
            "responses": {
                **ok("Counts: added, marked, listed", {"type": "object"}),
                **errors(400, 401, 403, 404, 413, 422),
            },
        },
    },
}
