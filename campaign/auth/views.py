from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from campaign.auth import services
from campaign.auth.forms import ChangePasswordForm, LoginForm
from campaign.auth.sessions import start_session
from campaign.auth.throttle import throttle_current_password, throttle_sign_in
from campaign.extensions import db
from campaign.redirects import safe_next

bp = Blueprint("auth", __name__)


@bp.teardown_app_request
def forget_user(_error=None) -> None:
    """Flask-Login caches the user in `g`, which outlives the request when an app context was
    already pushed (tests, scripts): without this, the next request of ANOTHER client would be
    answered as this user. Every request loads its user from its own cookie."""
    g.pop("_login_user", None)


@bp.route("/login", methods=["GET", "POST"])
@throttle_sign_in
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.username.data, form.password.data)
        if user is not None:
            start_session(user)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
        flash(_("Tên đăng nhập hoặc mật khẩu không đúng."), "error")
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_sessions(current_user)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
@throttle_current_password
def change_password():
    """Any signed-in user changes their password; every other session of theirs ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data)
        except services.PasswordChangeError as error:
            db.session.rollback()
            getattr(form, error.field).errors.append(str(error))
        else:
            db.session.commit()
            start_session(current_user._get_current_object())  # this browser stays signed in
            flash(_("Đã đổi mật khẩu. Các thiết bị khác đang đăng nhập đã bị đăng xuất."), "info")
            return redirect(url_for("home.index"))
    return render_template("auth/password.html", form=form)


@bp.post("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
    response = redirect(safe_next(request.form.get("next")) or url_for("home.index"))
    if code in current_app.config["LANGUAGES"]:
        response.set_cookie("lang", code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def unauthorized():
    """Not signed in: the API answers 401 JSON, pages send the browser to the login form."""
    from campaign.errors import json_error, wants_json

    if wants_json():
        return json_error(401)
    flash(_("Vui lòng đăng nhập để tiếp tục."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
