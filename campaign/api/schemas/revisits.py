"""OpenAPI description of campaign/api/revisits.py: the revisit list and today's claims."""

from campaign.api.schemas.common import SETUP_TAGS, errors, ok, path_int

_REVISIT = {
    "type": "object",
    "properties": {
        "household_id": {"type": "integer"},
        "hamlet_id": {"type": "integer"},
        "hamlet": {"type": "string"},
        "label": {"type": "string"},
        "attempts": {"type": "integer"},
        "latest_outcome": {"type": "string", "enum": ["not_home", "come_back_later"]},
        "latest_at": {"type": "string", "format": "date-time"},
        "claimed_by_id": {"type": ["integer", "null"]},
        "claimed_by": {"type": ["string", "null"], "description": "Display name of today's claimant"},
    },
}

OPENAPI_PATHS = {
    "/campaigns/{campaign_id}/revisits": {
        "parameters": [
            *path_int("campaign_id"),
            {"name": "hamlet_id", "in": "query", "schema": {"type": "integer"}},
        ],
        "get": {
            "tags": SETUP_TAGS,
            "summary": "Households to knock on again, fewest attempts first, with today's claims",
            "responses": {
                **ok(
                    "The revisit list",
                    {"type": "object", "properties": {"households": {"type": "array", "items": _REVISIT}}},
                ),
                **errors(401, 403, 404, 422),
            },
        },
    },
    "/campaigns/{campaign_id}/households/{household_id}/claim": {
        "parameters": path_int("campaign_id", "household_id"),
        "post": {
            "tags": SETUP_TAGS,
            "summary": "Claim the household for today (local day); expires at midnight",
            "responses": {**ok("Claimed", {"type": "object"}, 201), **errors(400, 401, 403, 404, 409)},
        },
        "delete": {
            "tags": SETUP_TAGS,
            "summary": "Release today's claim (one's own; a lead may release any in the ward)",
            "responses": {"204": {"description": "Released"}, **errors(400, 401, 403, 404)},
        },
    },
}
