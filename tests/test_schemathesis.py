"""Hostile input on the JSON API: schemathesis generates requests from /api/openapi.json and sends
them to the app (WSGI, no network) with a volunteer's and a lead's session. No 5xx, and every answer
matches the document (status codes, content type, body schema). Bounded and repeatable in `make test`:
25 examples per operation from a fixed seed. `FUZZ_EXAMPLES=500 make fuzz` digs deeper with fresh random
input each run.
"""

import copy
import hashlib
import os
import pickle
from functools import cache
from pathlib import Path

import hypothesis
import pytest
import schemathesis
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.core import NOT_SET, NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests import fuzzing
from tests.conftest import NINH_KIEU, PASSWORD
from tests.fuzzing import fuzz_settings

# One worker runs them in turn (`make test` runs pytest-xdist), so the second role sends the
# cases the first one drew instead of drawing them at the same time on another worker.
pytestmark = pytest.mark.xdist_group("schemathesis")

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def login_cookie(app, user) -> str:
    client = app.test_client()
    response = client.post("/api/v1/session", json={"username": user.username, "password": PASSWORD})
    assert response.status_code == 201, response.get_data(as_text=True)
    cookie = client.get_cookie(app.config.get("SESSION_COOKIE_NAME", "session"))
    return cookie.value


def operations(app):
    # Logging out would end the session the other operations run with; tests/test_auth.py covers it.
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) != ("DELETE", "/api/v1/session"):
            yield operation


def real_ids(field) -> dict:
    """Path parameters that name something in the field, so generated bodies reach the services."""
    return {
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "team_id": field.team.id,
        "user_id": field.volunteer.id,
        "code": NINH_KIEU,
    }


# The cases hypothesis generated for an operation in a mode, in order, with the draws of `real`,
# as drawn (before a session was put in). From the fixed seed, a run for one role and a run for the
# other draw the very same cases when both pass, and so does the next session (the PostgreSQL
# pass after the SQLite one): the same cases are sent again instead of generated anew. They are
# kept in memory and in .hypothesis/schemathesis/, under a key that changes with the API
# document, this file, the fuzz settings and the libraries' versions. Any failure in a replay,
# or fresh random input (`make fuzz`), runs hypothesis.
GENERATED: dict[tuple, list] = {}
STORE = Path(__file__).resolve().parent.parent / ".hypothesis" / "schemathesis"
CONTAINERS = ("path_parameters", "headers", "cookies", "query", "body", "multipart_content_types")


def drawn(case) -> dict:
    """A case's data as hypothesis drew it: containers and metadata copied, not shared."""
    keep = {id(case.operation): case.operation, id(NOT_SET): NOT_SET}
    data = {name: copy.deepcopy(getattr(case, name), dict(keep)) for name in CONTAINERS}
    return {**data, "id": case.id, "media_type": case.media_type, "meta": copy.deepcopy(case._meta, keep)}


def rebuilt(operation, data: dict) -> Case:
    data = copy.deepcopy(data)
    if isinstance(data["body"], NotSet):  # a stored one was unpickled as a copy of the marker
        data["body"] = NOT_SET
    return Case(operation, operation.method.upper(), operation.path, **data)


@cache
def sources_digest(app) -> bytes:
    """What the generated cases follow from: the API document, this file and the fuzz settings."""
    digest = hashlib.sha256()
    document = app.test_client().get("/api/openapi.json").get_data()
    for part in (document, Path(__file__).read_bytes(), Path(fuzzing.__file__).read_bytes()):
        digest.update(hashlib.sha256(part).digest())
    return digest.digest()


def store_path(app, key: tuple) -> Path:
    digest = hashlib.sha256(sources_digest(app))
    digest.update(repr((key, fuzzing.EXAMPLES, hypothesis.__version__, schemathesis.__version__)).encode())
    return STORE / f"{digest.hexdigest()}.pickle"


def stored_cases(app, key: tuple) -> list | None:
    if key not in GENERATED:
        path = store_path(app, key)
        if not path.exists():
            return None
        GENERATED[key] = pickle.loads(path.read_bytes())
    return GENERATED[key]


def keep_cases(app, key: tuple, cases: list) -> None:
    GENERATED[key] = cases
    path = store_path(app, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_suffix(f".{os.getpid()}")
    part.write_bytes(pickle.dumps(cases))
    part.replace(path)


def send(case, real: bool, cookie: str, known: dict) -> None:
    if real and case.path_parameters:
        case.path_parameters = {k: known.get(k, v) for k, v in case.path_parameters.items()}
    # The document's security scheme is the session cookie: schemathesis fills it with junk.
    case.cookies = {**(case.cookies or {}), "session": cookie}
    # Over WSGI nothing decodes a compressed body; the checks read the JSON as the app wrote it.
    case.headers = {**(case.headers or {}), "Accept-Encoding": "identity"}
    case.call_and_validate(checks=CHECKS)


def fuzz(app, operation, cookie: str, mode: GenerationMode, known: dict) -> None:
    key = (str(mode), operation.method.upper(), operation.path)
    if fuzz_settings.derandomize and (cases := stored_cases(app, key)) is not None:
        try:
            for data, real in cases:
                send(rebuilt(operation, data), real, cookie, known)
            return
        except (Exception, FailureGroup):  # noqa: BLE001 - hypothesis runs them again, and shrinks what fails
            pass
    generated = []

    @given(case=operation.as_strategy(generation_mode=mode), real=st.booleans())
    @fuzz_settings
    def run(case, real):
        generated.append((drawn(case), real))
        send(case, real, cookie, known)

    run()
    if fuzz_settings.derandomize:
        keep_cases(app, key, generated)


@pytest.mark.parametrize("role", ["volunteer", "lead"])
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
def test_api_holds_against_generated_input(app, field, role, mode):
    cookie = login_cookie(app, getattr(field, role))
    failures = []
    for operation in operations(app):
        try:
            fuzz(app, operation, cookie, mode, real_ids(field))
        except Unsatisfiable:
            pass  # nothing to break: no parameters and no body (GET /api/v1/csrf in negative mode)
        except Exception as exc:  # noqa: BLE001 - every operation runs; all failures are reported
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert not failures, "\n\n".join(failures)
