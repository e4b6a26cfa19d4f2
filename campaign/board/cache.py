"""The cache behind the public board: Flask-Caching, configured from the app's settings.

Why a time limit and not a version that data changes bump: every number on a board moves with
visits, reviews, corrections, official and population imports, campaign settings and area names.
A version stamp would need every one of those paths to bump it (one forgotten path serves a wrong
board until the next restart), and the visits' path would write one shared row per campaign on
each visit (200 visits a second queueing on one row lock). A board that is at most
BOARD_CACHE_SECONDS old is right by construction, and the Ministry itself publishes once a day.
What must take effect at once, publishing and unpublishing, is read from the database on every
request (one primary-key read of a small table, never a visit table) and is part of the key.
"""

import logging

import redis
from flask.sessions import SecureCookieSessionInterface

from campaign.extensions import cache

logger = logging.getLogger(__name__)
REDIS_TIMEOUT_S = 0.5


def cache_config(config) -> dict:
    """Flask-Caching's settings: CACHE_TYPE when given; else Redis at REDIS_URL (shared by every
    worker and server); else each worker's own memory (right too, one render per worker)."""
    settings = {"CACHE_DEFAULT_TIMEOUT": config["BOARD_CACHE_SECONDS"], "CACHE_KEY_PREFIX": "campaign:"}
    if config.get("CACHE_TYPE"):
        return {**settings, "CACHE_TYPE": config["CACHE_TYPE"]}
    if config.get("REDIS_URL"):
        # A Redis that connects but never answers must cost a render, not hang the worker.
        timeouts = {"socket_connect_timeout": REDIS_TIMEOUT_S, "socket_timeout": REDIS_TIMEOUT_S}
        return {
            **settings,
            "CACHE_TYPE": "RedisCache",
            "CACHE_REDIS_URL": config["REDIS_URL"],
            "CACHE_OPTIONS": timeouts,
        }
    return {**settings, "CACHE_TYPE": "SimpleCache", "CACHE_THRESHOLD": 2000}


def cached(key: str, make):
    """The value under `key`, made by `make()` and kept when missing. Redis being down costs a
    render, never the page: /healthz already reports it."""
    try:
        value = cache.get(key)
    except redis.RedisError:
        logger.warning("board cache unreachable (get %s)", key, exc_info=True)
        return make()
    if value is None:
        value = make()
        try:
            cache.set(key, value)
        except redis.RedisError:
            logger.warning("board cache unreachable (set %s)", key, exc_info=True)
    return value


class PublicSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, except on a response that says `Cache-Control: public` (the
    public board, static files): such a response is the same for every reader, so it neither sets
    the session cookie nor varies on it (Flask-Login reads the session after every request, which
    would add `Vary: Cookie` and keep shared caches from storing one copy for everyone)."""

    def save_session(self, app, session, response) -> None:
        if response.cache_control.public:
            return
        super().save_session(app, session, response)
