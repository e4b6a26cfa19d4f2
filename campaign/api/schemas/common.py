"""Pieces the API's OpenAPI descriptions share: the error responses, bodies and path ids."""

ERROR_REF = {"$ref": "#/components/schemas/Error"}
# A visit's time in every answer of the API (GET /api/v1/visits, the review API): one format.
VISITED_AT = {
    "type": "string",
    "format": "date-time",
    "pattern": "\\+07:00$",
    "description": "When the visit was made: ISO 8601 in Vietnam's time, always with the +07:00 offset.",
}
ERROR_RESPONSE = {"$ref": "#/components/responses/Error"}
CSRF_HEADER = {"$ref": "#/components/parameters/CsrfHeader"}
SIGNED_IN = [{"session": []}]  # an operation's `security`: the session cookie
INTEGER = {"type": "integer"}
STRING = {"type": "string"}

DESCRIPTIONS = {
    400: "Bad JSON or CSRF token",
    401: "Not logged in",
    403: "Outside the user's scope",
    404: "Not found",
    409: "Already claimed by someone else today",
    413: "Body over 1 MB",
    415: "Not JSON",
    422: "Invalid fields or CSV rows (fields.rows lists errors by line)",
    429: "Too many wrong current passwords: wait Retry-After seconds",
}


def error(description: str) -> dict:
    """One error response in the API's one shape (campaign.errors.json_error)."""
    return {"description": description, "content": {"application/json": {"schema": ERROR_REF}}}


def errors(*statuses: int) -> dict:
    return {str(s): error(DESCRIPTIONS[s]) for s in statuses}


def error_refs(*statuses: int) -> dict:
    """Error responses that point to the document's shared one (components/responses/Error)."""
    return {str(s): ERROR_RESPONSE for s in statuses}


def ok(description: str, schema: dict | None = None, status: int = 200) -> dict:
    body = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {str(status): body}


def body(schema: dict) -> dict:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    """One of the document's schemas (components/schemas)."""
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    """A JSON object with these properties; `required` names those it always has."""
    schema = {"type": "object", **extra, "properties": properties}
    if required:
        schema["required"] = required
    return schema


def array(items: dict, **extra) -> dict:
    return {"type": "array", **extra, "items": items}


def listing(key: str, items: dict) -> dict:
    """An answer that is one list under one key: {"visits": [...]}."""
    return obj({key: array(items)}, [key])


def path_int(*names: str) -> list:
    return [{"name": n, "in": "path", "required": True, "schema": {"type": "integer"}} for n in names]


CSV_BODY = {
    "required": True,
    "content": {
        "multipart/form-data": {
            "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
        },
        "text/csv": {"schema": {"type": "string"}},
    },
}
# The field set-up routes (hamlets, households, teams, people, revisits) share one tag.
SETUP_TAGS = ["setup"]
