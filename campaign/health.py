"""GET /healthz for the proxy and for monitoring: does this host have what it needs to serve?

It names each part and whether it holds, never why in detail: no address, no error text, no data.
"""

import os
from functools import cache
from pathlib import Path

import redis
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify

from campaign.extensions import db, limiter

bp = Blueprint("health", __name__)
MIGRATIONS = Path(__file__).parent / "migrations"
TIMEOUT_S = 2
# "not checked": what another failing part hides; that part is the one named.
PASSING = ("ok", "not configured", "not checked")


@cache
def migration_heads() -> frozenset[str]:
    """The revisions this code expects (read once per process: they change only with the code)."""
    return frozenset(ScriptDirectory(str(MIGRATIONS)).get_heads())


def redis_url() -> str | None:
    """Redis, where the app uses it: the rate limits' shared storage, or REDIS_URL."""
    storage = current_app.config.get("RATELIMIT_STORAGE_URI") or ""
    if storage.startswith(("redis://", "rediss://", "unix://")):
        return storage
    return current_app.config.get("REDIS_URL") or os.environ.get("REDIS_URL") or None


def check_database() -> dict[str, str]:
    try:
        with db.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
            revisions = frozenset(MigrationContext.configure(conn).get_current_heads())
    except sa.exc.SQLAlchemyError:
        return {"database": "unreachable", "migrations": "not checked"}
    return {"database": "ok", "migrations": "ok" if revisions == migration_heads() else "not current"}


def check_redis() -> dict[str, str]:
    url = redis_url()
    if not url:
        return {"redis": "not configured"}
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
        client.ping()
        client.close()
    except redis.RedisError:
        return {"redis": "unreachable"}
    return {"redis": "ok"}


@bp.get("/healthz")
@limiter.exempt
def healthz():
    checks = {**check_database(), **check_redis()}
    failing = sorted(name for name, state in checks.items() if state not in PASSING)
    body = {"status": "failing" if failing else "ok", "checks": checks}
    if failing:
        body["failing"] = failing
    response = jsonify(body)
    response.status_code = 503 if failing else 200
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app) -> None:
    app.register_blueprint(bp)
