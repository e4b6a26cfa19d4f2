"""Users: loading, authentication, creation."""

import secrets
from functools import cache

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from werkzeug.security import check_password_hash, generate_password_hash

from campaign.auth.models import Role, User
from campaign.auth.passwords import password_problem
from campaign.auth.throttle import count_wrong_current_password
from campaign.database import read_once
from campaign.extensions import db
from campaign.types import MAX_ID


@cache
def _dummy_hash(method: str) -> str:
    """A hash to check against when the username is unknown, so both paths cost the same."""
    return generate_password_hash(secrets.token_hex(16), method=method)


class UserError(ValueError):
    """A user could not be created or changed; the message is for a person."""


# The user's own columns, by attribute name: what load_user reads.
_USER_BY_ID = sa.select(*(column.label(name) for name, column in User.__mapper__.columns.items())).where(
    User.id == sa.bindparam("id")
)


def load_user(user_id: str) -> User | None:
    """Flask-Login loader. The id carries the session version, so old cookies stop working.

    Every signed-in request pays for this load, so it is one read of the user's own row outside
    the request's transaction (database.read_once), made into the session's User without a second
    query. The team and the ward load on first use: most requests never read them."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        user_id, version = int(raw_id), int(raw_version)
        if not 0 < user_id <= MAX_ID:
            return None
    except (ValueError, TypeError):
        return None
    key = identity_key(User, user_id)
    user = db.session.identity_map.get(key)  # already loaded by this session (a test, a script)
    if user is None:
        row = read_once(_USER_BY_ID, {"id": user_id})
        if row is None:
            return None
        user = User(**row)
        make_transient_to_detached(user)  # as if the session had loaded it
        db.session.add(user)
    if user.session_version != version or not user.active:
        return None
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.username == username.strip().lower()))


def authenticate(username: str, password: str) -> User | None:
    """The user if the password matches an active account; None otherwise (one generic answer)."""
    user = find_user(username)
    if user is None or not user.active or user.password_hash is None:
        # The same cost whether or not the name exists.
        check_password_hash(_dummy_hash(current_app.config["PASSWORD_HASH_METHOD"]), password)
        return None
    return user if user.check_password(password) else None


def end_sessions(user: User) -> None:
    """Every session cookie issued to this user stops working."""
    user.session_version += 1


def create_user(
    username: str,
    password: str,
    display_name: str,
    role: Role,
    *,
    ward_code: int | None = None,
    province_code: int | None = None,
    team_id: int | None = None,
    check_password: bool = True,
) -> User:
    username = username.strip().lower()
    if not username or len(username) > 40 or not all(c.isalnum() or c in "._-" for c in username):
        raise UserError(_("Tên đăng nhập chỉ gồm chữ, số và . _ - (tối đa 40 ký tự)."))
    if find_user(username) is not None:
        raise UserError(_("Tên đăng nhập này đã có người dùng."))
    if check_password:
        problem = password_problem(password, username)
        if problem:
            raise UserError(problem)
    if role == Role.LEAD and ward_code is None:
        raise UserError(_("Trưởng nhóm cần có phường/xã."))
    if role == Role.COORDINATOR and province_code is None:
        raise UserError(_("Điều phối viên cần có tỉnh/thành phố."))
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        role=role,
        ward_code=ward_code,
        province_code=province_code,
        team_id=team_id,
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


class PasswordChangeError(UserError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def require_current_password(actor: User, person: User, current_password: str | None) -> None:
    """Whoever sets their OWN password gives the current one, on every route: a session left open
    on a shared phone is not the account. (The command line is the machine's owner: it does not
    ask.) Another person's password is set by whoever may manage them, without theirs."""
    if actor.id != person.id:
        return
    if not isinstance(current_password, str) or not person.check_password(current_password):
        count_wrong_current_password()
        raise PasswordChangeError("current_password", _("Mật khẩu hiện tại không đúng."))


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Check the current password and the new one, store it, and end every session of the user.

    The caller starts a fresh session for the person who made the change.
    """
    require_current_password(user, user, current_password)
    problem = password_problem(new_password, user.username)
    if problem:
        raise PasswordChangeError("new_password", problem)
    if user.check_password(new_password):
        raise PasswordChangeError("new_password", _("Mật khẩu mới phải khác mật khẩu hiện tại."))
    user.set_password(new_password)
    end_sessions(user)
    db.session.flush()
