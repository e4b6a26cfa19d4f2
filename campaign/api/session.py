"""Session endpoints for the phone: CSRF token, log in, log out, who am I."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from flask_wtf.csrf import generate_csrf

from campaign.api import bp
from campaign.api.helpers import form_errors, invalid, json_object, scalar_formdata
from campaign.auth import services
from campaign.auth.forms import LoginForm
from campaign.auth.sessions import start_session
from campaign.auth.throttle import throttle_sign_in
from campaign.errors import json_error
from campaign.extensions import db
from campaign.home.services import me_payload


@bp.get("/csrf")
def csrf_token():
    return jsonify(csrf_token=generate_csrf())


@bp.post("/session")
@throttle_sign_in
def create_session():
    data = json_object()
    formdata, type_errors = scalar_formdata(data, ["username", "password"])
    form = LoginForm(formdata=formdata, meta={"csrf": False})  # CSRF is checked on the header
    if type_errors or not form.validate():
        return invalid({**form_errors(form), **type_errors})
    user = services.authenticate(form.username.data, form.password.data)
    if user is None:
        return json_error(401, _("Tên đăng nhập hoặc mật khẩu không đúng."), code="bad_credentials")
    start_session(user)
    return jsonify(me_payload(user)), 201


@bp.delete("/session")
@login_required
def delete_session():
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    return "", 204


@bp.get("/me")
@login_required
def me():
    return jsonify(me_payload(current_user))
