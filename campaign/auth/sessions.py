"""Starting a signed-in session: the login page and the API's POST /api/v1/session both do it."""

from flask import session
from flask_login import login_user

from campaign.extensions import db
from campaign.types import utcnow


def start_session(user) -> None:
    """A fresh session on every login, so a cookie planted before login is worthless."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user)
    if user.joined_at is None:  # "who hasn't joined yet" counts first sign-ins
        user.joined_at = utcnow()
        db.session.commit()
