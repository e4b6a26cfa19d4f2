"""The guards a view puts in front of itself, and where a user works (their province, ward)."""

from functools import wraps

from flask import abort
from flask_login import current_user

from campaign.auth.models import Role, User


def roles_required(*roles: Role):
    """Only these roles (and the admin) may call the view; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from campaign.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require(allowed: bool) -> None:
    """Abort with 403 unless allowed. Views call this with one of the predicates above."""
    if not allowed:
        abort(403)


def user_province_code(user: User) -> int | None:
    if user.role == Role.COORDINATOR:
        return user.province_code
    if user.role == Role.LEAD and user.ward is not None:
        return user.ward.province_code
    if user.role == Role.VOLUNTEER and user.team is not None:
        return user.team.ward.province_code
    return None


def user_ward_code(user: User) -> int | None:
    if user.role == Role.LEAD:
        return user.ward_code
    if user.role == Role.VOLUNTEER and user.team is not None:
        return user.team.ward_code
    return None


def own_ward_code(user: User) -> int | None:
    """The one ward a lead works in (their hamlets, teams and audit); None for the other roles."""
    return user.ward_code if user.role == Role.LEAD else None
