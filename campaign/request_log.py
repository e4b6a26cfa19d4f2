"""One log line per request, tagged with a request id that the client also gets.

The id comes from the proxy's X-Request-ID when it is a sane token (nginx sends $request_id),
else a new one. It goes back in the X-Request-ID header, on the 500 page and in a 5xx JSON
error, so that a volunteer's screenshot can be matched to the line in the log.
"""

import logging
import re
import sys
import time
import uuid

from flask import Flask, Response, request

HEADER = "X-Request-ID"
ENVIRON_KEY, STARTED_KEY = "campaign.request_id", "campaign.request_started"
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
logger = logging.getLogger("campaign.request")


def request_id() -> str:
    """This request's id, made on first use. Kept in the request's environ, not in `g`: an app
    context can outlive a request (tests, scripts), a request's environ cannot."""
    environ = request.environ
    if ENVIRON_KEY not in environ:
        incoming = request.headers.get(HEADER, "")
        environ[ENVIRON_KEY] = incoming if _SANE_ID.fullmatch(incoming) else uuid.uuid4().hex
    return environ[ENVIRON_KEY]


def _start() -> None:
    request.environ[STARTED_KEY] = time.perf_counter()
    request_id()


def elapsed_seconds() -> float:
    return time.perf_counter() - request.environ.get(STARTED_KEY, time.perf_counter())


def _finish(response: Response) -> Response:
    response.headers[HEADER] = request_id()
    # The path only: a query string may carry what a person typed.
    logger.info(
        "%s %s %s %s %d %.1fms",
        request_id(),
        request.remote_addr or "-",
        request.method,
        request.path,
        response.status_code,
        elapsed_seconds() * 1000,
    )
    return response


def register(app: Flask) -> None:
    if not logger.handlers:  # gunicorn leaves the root logger bare; its error log takes stderr
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s request %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    app.before_request(_start)
    app.after_request(_finish)
    app.jinja_env.globals["request_id"] = request_id
