"""Configuration defaults. Later layers: instance/config.py, then the environment."""

import os
from contextlib import suppress

from campaign.numbers import whole_number


class Config:
    # SECRET_KEY comes from the environment or instance/secret_key (see create_app).
    SQLALCHEMY_DATABASE_URI = None  # None means the SQLite file in instance/
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # A visit the server acknowledged must survive a power cut: SQLite syncs the WAL on every
    # commit. NORMAL is faster but can lose the last commits; `make bench` measures the cost.
    SQLITE_SYNCHRONOUS = "FULL"
    # PostgreSQL: how long a new connection may take (libpq's connect_timeout; a
    # `?connect_timeout=` in DATABASE_URL wins). A server that accepts and never answers then
    # fails a request in seconds instead of holding the worker until gunicorn kills it.
    DATABASE_CONNECT_TIMEOUT_S = 5
    # A batch of 500 visits is about 250 KB of JSON; 1 MB leaves room and stops abuse.
    MAX_CONTENT_LENGTH = 1024 * 1024
    MAX_FORM_MEMORY_SIZE = 1024 * 1024
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    WTF_CSRF_SSL_STRICT = False
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    TRUSTED_PROXIES = 0  # reverse proxies in front of gunicorn whose X-Forwarded-* we believe
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # Failed sign-ins only (campaign/auth/throttle.py): per account from one address, per address
    # (higher, for carrier NAT and office Wi-Fi), and per account from everywhere (ASVS 2.2.1: at
    # most 100 an hour), past which only the addresses that failed on the account are refused.
    LOGIN_LIMITS = "10 per minute;50 per hour"
    LOGIN_ADDRESS_LIMITS = "30 per minute;300 per hour"
    LOGIN_ACCOUNT_LIMITS = "100 per hour"
    # The phone's requests (static/js/net.js): each gives up after CLIENT_TIMEOUT_MS, and a failed
    # send is retried after a delay that doubles from CLIENT_RETRY_MIN_MS up to CLIENT_RETRY_MAX_MS.
    # 30 s carries a batch of 200 visits (about 100 KB) over slow 3G.
    CLIENT_TIMEOUT_MS = 30_000
    # Onboarding (campaign/onboarding): a printed join code works for JOIN_CODE_DAYS; "remember
    # this phone" keeps a volunteer signed in for JOIN_REMEMBER_DAYS unless they choose fewer.
    # Failed join attempts per address (a training room shares one address; successes never count).
    JOIN_CODE_DAYS = 14
    JOIN_REMEMBER_DAYS = 60
    JOIN_LIMITS = "20 per minute;200 per hour"
    CLIENT_RETRY_MIN_MS = 5_000
    CLIENT_RETRY_MAX_MS = 300_000
    # After a save, "Hoàn tác" takes the visit back for this long; its send waits as long.
    CLIENT_UNDO_MS = 5_000
    # Flask-Compress: text types only (not PNGs), and not what is too small to gain. The proxy
    # must not compress again (campaign/deploy/nginx.conf turns its gzip off).
    COMPRESS_MIN_SIZE = 500
    REDIS_URL = None  # checked by /healthz when set; RATELIMIT_STORAGE_URI=redis://… is too
    # The public ranking board (campaign/board): how long a rendered board is served from the
    # cache and by browsers and proxies (its numbers are at most this old). The cache is
    # Flask-Caching's: Redis at REDIS_URL when set (one render per board for all workers),
    # else each worker's own memory. CACHE_TYPE in instance/config.py chooses another.
    BOARD_CACHE_SECONDS = 60
    CACHE_TYPE = None
    # How passwords are stored (werkzeug's method). Only the test suite changes it, for a cheap
    # hash: scrypt costs ~0.26 s a sign-in, and the suite signs in hundreds of times.
    PASSWORD_HASH_METHOD = "scrypt"


SQLITE_SYNCHRONOUS_LEVELS = ("OFF", "NORMAL", "FULL", "EXTRA")


def from_environment() -> dict:
    """Settings that the environment may override."""
    settings: dict = {}
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    with suppress(ValueError):  # ASCII digits only: "²" passes isdigit() and fails int()
        settings["TRUSTED_PROXIES"] = whole_number(os.environ.get("TRUSTED_PROXIES", ""), 10)
    if os.environ.get("SQLITE_SYNCHRONOUS", "").upper() in SQLITE_SYNCHRONOUS_LEVELS:
        settings["SQLITE_SYNCHRONOUS"] = os.environ["SQLITE_SYNCHRONOUS"].upper()
    if os.environ.get("REDIS_URL"):
        settings["REDIS_URL"] = os.environ["REDIS_URL"]
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        settings["RATELIMIT_STORAGE_URI"] = os.environ["RATELIMIT_STORAGE_URI"]
    for name in ("CLIENT_TIMEOUT_MS", "CLIENT_RETRY_MIN_MS", "CLIENT_RETRY_MAX_MS", "CLIENT_UNDO_MS"):
        with suppress(ValueError):
            if value := whole_number(os.environ.get(name, ""), 3_600_000):
                settings[name] = value
    # PRODUCTION=1 (or SESSION_COOKIE_SECURE=1): the site is served over HTTPS, cookies say so.
    if os.environ.get("SESSION_COOKIE_SECURE") == "1" or os.environ.get("PRODUCTION") == "1":
        settings["SESSION_COOKIE_SECURE"] = True
        settings["REMEMBER_COOKIE_SECURE"] = True
    return settings
