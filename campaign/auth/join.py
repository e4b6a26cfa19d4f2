"""One-time join codes: the printed card's QR link and short code, instead of a password to type.

A code is random, single use and expires. Only its HMAC-SHA256 under the secret key is stored,
one per account: minting a new one (printing again, or a lead's reissue) voids the earlier card.
A keyed hash rather than scrypt, because printing mints thousands at once (scrypt would take
about 45 minutes for 10,000) and a random 10-character code needs no slow hash to resist guessing:
failed attempts are throttled per address (onboarding.joining.join).
"""

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.auth.models import User
from campaign.extensions import db
from campaign.types import UTCDateTime, utcnow

# No look-alikes: no 0/O, no 1/I/L. 31 symbols, 10 of them: about 49 bits.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10
HASH_CHUNK = 500  # rows per statement when printing a thousand cards


class JoinCode(db.Model):
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalise(typed) -> str | None:
    """A typed or scanned code as stored: upper case, without the spaces and dashes that group it.
    None when it cannot be a code (so no hash is ever computed for a megabyte of text)."""
    if not isinstance(typed, str) or len(typed) > 4 * CODE_LENGTH:
        return None
    code = "".join(typed.split()).replace("-", "").upper()
    if len(code) != CODE_LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code


def grouped(code: str) -> str:
    """ "ABCDEFGHJK" as printed, "ABCDE-FGHJK": easier to read aloud and to type."""
    half = CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def code_hash(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    return hmac.new(key, b"join-code:" + code.encode("ascii"), hashlib.sha256).hexdigest()


def mint(user_ids: list[int], days: int | None = None) -> dict[int, str]:
    """A new code for each account, voiding any earlier one. Returns {user id: code}."""
    days = days or current_app.config["JOIN_CODE_DAYS"]
    expires = utcnow() + timedelta(days=days)
    codes = {user_id: new_code() for user_id in user_ids}
    ids = list(codes)
    for start in range(0, len(ids), HASH_CHUNK):
        chunk = ids[start : start + HASH_CHUNK]
        db.session.execute(sa.delete(JoinCode).where(JoinCode.user_id.in_(chunk)))
        db.session.execute(
            sa.insert(JoinCode),
            [{"user_id": i, "code_hash": code_hash(codes[i]), "expires_at": expires} for i in chunk],
        )
    db.session.flush()
    return codes


def redeem(typed) -> User | None:
    """The account whose live code this is, and the code is spent; None for a wrong, spent or
    expired code, or an account that is not active (its code never works)."""
    code = normalise(typed)
    if code is None:
        return None
    digest = code_hash(code)
    row = db.session.scalar(sa.select(JoinCode).where(JoinCode.code_hash == digest))
    if row is None or row.expires_at <= utcnow() or not row.user.active:
        return None
    # Two phones posting the same code at once: only the one whose DELETE removes the row joins.
    spent = db.session.execute(
        sa.delete(JoinCode).where(JoinCode.code_hash == digest, JoinCode.user_id == row.user_id)
    )
    if spent.rowcount != 1:
        return None
    return db.session.get(User, row.user_id)


def has_live_code(user_ids) -> set[int]:
    now = utcnow()
    return set(
        db.session.scalars(
            sa.select(JoinCode.user_id).where(JoinCode.user_id.in_(list(user_ids)), JoinCode.expires_at > now)
        )
    )
