"""The OpenAPI document tells the truth: real responses validate against it."""

import uuid
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from campaign.api.schemas import document


def schema_for(doc, path, method, status) -> dict:
    """The response schema for one operation and status, resolved against the whole document."""
    response = doc["paths"][path][method]["responses"][str(status)]
    pointer = None
    if "$ref" in response:
        pointer = response["$ref"]
        name = pointer.rsplit("/", 1)[1]
        response = doc["components"]["responses"][name]
        pointer += "/content/application~1json/schema"
    else:
        escaped = path.replace("~", "~0").replace("/", "~1")
        pointer = f"#/paths/{escaped}/{method}/responses/{status}/content/application~1json/schema"
    assert "application/json" in response["content"]
    return {**doc, "$ref": pointer}


def check(doc, path, method, response):
    schema = schema_for(doc, path, method, response.status_code)
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        response.get_json()
    )


def visit(field, **overrides):
    return {
        "client_id": str(uuid.uuid4()),
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "household": "Số 5",
        "outcome": "installed",
        "residents": 3,
        "smartphones": 2,
        "installs": {"bluezone": 1},
        "visited_at": (datetime.now(UTC) - timedelta(minutes=5)).isoformat(),
        **overrides,
    }


@pytest.fixture(scope="module")
def doc():
    return document()


def test_document_is_openapi_3_1_and_merges_every_module(client, doc):
    served = client.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.get_json()["openapi"] == "3.1.0"
    for path in ("/api/v1/visits", "/api/v1/me", "/api/v1/session", "/api/v1/csrf"):
        assert path in served.get_json()["paths"]
    assert "Error" in doc["components"]["schemas"]
    jsonschema.Draft202012Validator.check_schema({**doc, "$ref": "#/components/schemas/VisitIn"})


def test_real_responses_match_the_document(field, client, auth, doc):
    check(doc, "/api/v1/me", "get", client.get("/api/v1/me"))  # 401
    check(doc, "/api/v1/visits", "post", client.post("/api/v1/visits", json={"visits": []}))  # 401
    check(doc, "/api/v1/csrf", "get", client.get("/api/v1/csrf"))
    check(doc, "/api/v1/session", "post", client.post("/api/v1/session", json={"username": 1}))  # 422
    check(
        doc,
        "/api/v1/session",
        "post",
        client.post("/api/v1/session", json={"username": "x", "password": "y"}),
    )
    login = auth.api_login(field.volunteer)
    assert login.status_code == 201
    check(doc, "/api/v1/session", "post", login)

    one = visit(field)
    batch = [one, one, {**one, "residents": 9}, visit(field, household="Lê Văn B"), "x"]
    posted = client.post("/api/v1/visits", json={"visits": batch})
    assert [r["status"] for r in posted.get_json()["results"]] == [
        "created",
        "duplicate",
        "conflict",
        "invalid",
        "invalid",
    ]
    check(doc, "/api/v1/visits", "post", posted)
    check(
        doc,
        "/api/v1/visits",
        "post",
        client.post("/api/v1/visits", data="{", content_type="application/json"),
    )
    check(doc, "/api/v1/visits", "post", client.post("/api/v1/visits", data="a=1"))  # 415
    check(doc, "/api/v1/visits", "post", client.post("/api/v1/visits", json={"visits": 3}))  # 422
    big = client.post("/api/v1/visits", json={"visits": [], "pad": "x" * 1_100_000})
    assert big.status_code == 413
    check(doc, "/api/v1/visits", "post", big)

    mine = client.get("/api/v1/visits?mine=1")
    assert len(mine.get_json()["visits"]) == 1
    check(doc, "/api/v1/visits", "get", mine)
    check(doc, "/api/v1/visits", "get", client.get("/api/v1/visits"))  # 422
    me = client.get("/api/v1/me")
    assert me.get_json()["campaigns"][0]["hamlets"][0]["households"] == ["Số 5"]
    check(doc, "/api/v1/me", "get", me)
