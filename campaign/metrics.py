"""Prometheus metrics: requests by route, visits by result, automatic flags, sign-ins, and the
age of the oldest unreviewed visit.

Under gunicorn every worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR set (the
gunicorn config in campaign/deploy sets it before the workers start) each one writes its
counts to files there and a scrape sums them. /metrics answers only a client on this machine
that did not come through the proxy; nginx also answers 404 for it.
"""

import ipaddress
import os
from collections import Counter as Tally
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import Blueprint, Flask, Response, abort, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import event
from sqlalchemy.orm import Session

from campaign.extensions import db, limiter
from campaign.request_log import elapsed_seconds

# A process started with the variable (a `flask` command in the app's environment) must not fail
# because no gunicorn made the folder yet.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)

REQUESTS = Counter("campaign_http_requests", "HTTP requests answered", ["method", "route", "status"])
LATENCY = Histogram(
    "campaign_http_request_seconds",
    "Time to answer a request",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
VISITS = Counter("campaign_visits", "Visits sent by phones, by result", ["result"])
FLAGS = Counter("campaign_visit_auto_flags", "Visits flagged by the automatic checks")
LOGINS = Counter("campaign_logins", "Sign-in attempts by result", ["result"])
LOGIN_ENDPOINTS = frozenset({"auth.login", "api.create_session"})

bp = Blueprint("metrics", __name__)


def count_visits(results: list[dict]) -> None:
    """The visit API's result list, once stored: created / duplicate / conflict / invalid."""
    for status, n in Tally(r["status"] for r in results).items():
        VISITS.labels(status).inc(n)


def count_flags(flagged: list) -> None:
    """Flags raised in the current transaction; counted when it commits (a rollback drops them)."""
    if flagged:
        info = db.session.info
        info["metrics_flags"] = info.get("metrics_flags", 0) + len(flagged)


@event.listens_for(Session, "after_commit")
def _flags_committed(session) -> None:
    n = session.info.pop("metrics_flags", 0)
    if n:
        FLAGS.inc(n)


@event.listens_for(Session, "after_rollback")
def _flags_rolled_back(session) -> None:
    session.info.pop("metrics_flags", None)


def _observe(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "unmatched"  # never the raw path
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(request.method, route).observe(elapsed_seconds())
    if request.endpoint in LOGIN_ENDPOINTS and request.method == "POST":
        from campaign.auth.throttle import login_failed

        if response.status_code == 429:
            LOGINS.labels("throttled").inc()
        else:
            LOGINS.labels("failure" if login_failed(response) else "success").inc()
    return response


class ReviewQueueCollector:
    """Read from the database at scrape time: the same answer whichever worker is asked."""

    def collect(self):
        from campaign.visits.models import ReviewStatus, Visit

        oldest = db.session.scalar(
            sa.select(sa.func.min(Visit.received_at)).where(
                Visit.review_status.in_([ReviewStatus.PENDING, ReviewStatus.FLAGGED])
            )
        )
        age = GaugeMetricFamily(
            "campaign_oldest_unreviewed_visit_seconds",
            "Age of the oldest visit waiting for review (0 when none waits)",
        )
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        age.add_metric([], (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0)
        yield age


def is_local_direct() -> bool:
    """A client on this machine that did not come through a proxy."""
    if "X-Forwarded-For" in request.headers:
        return False
    peer = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR") or request.remote_addr
    try:
        return ipaddress.ip_address(peer or "").is_loopback
    except ValueError:
        return False


@bp.get("/metrics")
@limiter.exempt
def metrics():
    if not is_local_direct():
        abort(404)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    scrape = CollectorRegistry()
    scrape.register(ReviewQueueCollector())
    body = generate_latest(registry) + generate_latest(scrape)
    db.session.rollback()  # the scrape's read ends here
    return Response(body, content_type=CONTENT_TYPE_LATEST)


def register(app: Flask) -> None:
    app.after_request(_observe)
    app.register_blueprint(bp)
