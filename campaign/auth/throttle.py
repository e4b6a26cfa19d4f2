"""Throttling of failed sign-ins, for every route that signs in (the page and the phone's API).

Only failures count, so a room of volunteers behind one carrier address can all sign in. Three
counts, all in Flask-Limiter's storage (memory:// per worker, redis:// across workers and hosts):

- per address, over all accounts (LOGIN_ADDRESS_LIMITS): one address guessing many accounts;
- per account AND address (LOGIN_LIMITS): one address guessing one account;
- per account, over all addresses (LOGIN_ACCOUNT_LIMITS, ASVS 2.2.1: at most 100 an hour). Past
  it, only the addresses that have failed on the account are refused: a guesser can make the
  account refuse its own addresses, never its owner signing in from elsewhere.

A refusal is a 429 with Retry-After at once; nothing waits in a worker.

Guesses of a signed-in user's current password (to set a new one) count per user, on every route
that sets one's own password (LOGIN_LIMITS).
"""

import math
import time
from functools import wraps

from flask import current_app, g, make_response, request
from flask_limiter.util import get_remote_address
from flask_login import current_user
from limits import parse_many

from campaign.errors import error_response
from campaign.extensions import limiter


def login_limits() -> str:
    """Failed sign-ins allowed per account from one address."""
    return current_app.config["LOGIN_LIMITS"]


def login_address_limits() -> str:
    """Failed sign-ins allowed per address (higher: phones share addresses behind carrier NAT)."""
    return current_app.config["LOGIN_ADDRESS_LIMITS"]


def login_failed(response) -> bool:
    """Only failed attempts count, so a room of volunteers on one address can all sign in."""
    return response.status_code not in (201, 302)


def sign_in_username() -> str:
    """The account a sign-in names, as the account is stored (trimmed, lower case)."""
    source = request.get_json(silent=True) if request.is_json else request.form
    name = source.get("username") if isinstance(source, dict) else None
    return str(name).strip().lower()[:40] if name else "-"


def account_address_key() -> str:
    return f"login-user:{sign_in_username()}@{get_remote_address()}"


_per_address = limiter.shared_limit(
    login_address_limits, scope="login-address", methods=["POST"], deduct_when=login_failed
)
_per_account_address = limiter.shared_limit(
    login_limits,
    scope="login-account-address",
    methods=["POST"],
    key_func=account_address_key,
    deduct_when=login_failed,
)


def _ceiling_keys() -> tuple[list[str], list[str]]:
    """Storage identifiers of the account's count and of this address's count on the account."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    account = sign_in_username()
    return (
        [prefix, f"login-account:{account}", "login-account"],
        [prefix, f"login-account:{account}@{get_remote_address()}", "login-account"],
    )


def _ceilings():
    return parse_many(current_app.config["LOGIN_ACCOUNT_LIMITS"])


def _ceiling_refusal():
    """A 429 when the account is past a ceiling and this address failed on it in that window."""
    account, pair = _ceiling_keys()
    strategy = limiter.limiter
    for item in _ceilings():
        if strategy.test(item, *account) or strategy.get_window_stats(item, *pair).remaining >= item.amount:
            continue
        reset = strategy.get_window_stats(item, *account).reset_time
        response = make_response(error_response(429))
        response.headers["Retry-After"] = str(max(1, math.ceil(reset - time.time())))
        return response
    return None


def _count_failure() -> None:
    for item in _ceilings():
        for identifiers in _ceiling_keys():
            limiter.limiter.hit(item, *identifiers)


def _account_ceiling(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if request.method != "POST" or not limiter.enabled:
            return view(*args, **kwargs)
        refusal = _ceiling_refusal()
        if refusal is not None:
            return refusal
        response = make_response(view(*args, **kwargs))
        if login_failed(response):
            _count_failure()
        return response

    return wrapper


def throttle_sign_in(view):
    """Every sign-in route wears this: the three counts above, one set for the page and the API."""
    return _per_address(_per_account_address(_account_ceiling(view)))


# --- the current password, asked before one's own password changes ----------------------------


def current_user_key() -> str:
    """Per account (the limit runs before login_required, hence the default)."""
    return f"password-user:{getattr(current_user, 'id', '-')}"


def count_wrong_current_password() -> None:
    """A wrong current password counts as a failed sign-in of the account."""
    g.wrong_current_password = True


def _current_password_was_wrong(_response) -> bool:
    return g.get("wrong_current_password", False)


throttle_current_password = limiter.shared_limit(
    login_limits,
    scope="password-user",
    methods=["POST"],
    key_func=current_user_key,
    deduct_when=_current_password_was_wrong,
)
