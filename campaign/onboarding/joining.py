"""Joining with a card: the code on a volunteer's card signs their phone in, then the welcome
page offers to keep it signed in and to choose a first password. The volunteer's side of
onboarding; the pages of those who print the cards are in onboarding/views.py."""

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from campaign.auth import join as join_codes
from campaign.auth.forms import ChoosePasswordForm
from campaign.auth.passwords import password_problem
from campaign.auth.sessions import start_session
from campaign.extensions import db, limiter
from campaign.onboarding.forms import JoinForm, RememberForm


def _join_failed(response) -> bool:
    """Only failures count, so a training room on one Wi-Fi can all join."""
    return response.status_code != 302


_throttle = limiter.shared_limit(
    lambda: current_app.config["JOIN_LIMITS"],
    scope="join-address",
    methods=["POST"],
    deduct_when=_join_failed,
)


def join():
    """GET shows a "Tham gia" button and spends nothing (a chat app's link preview, a scanner);
    only the POST spends the code."""
    form = JoinForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        scanned = join_codes.normalise(request.args.get("code"))
        form.code.data = join_codes.grouped(scanned) if scanned else ""
        return render_template("onboarding/join.html", form=form, scanned=scanned is not None)
    if form.validate_on_submit():
        person = join_codes.redeem(form.code.data)
        if person is not None:
            start_session(person)
            db.session.commit()
            return redirect(url_for(".welcome"))
        db.session.rollback()
        form.code.errors.append(
            _("Mã này không đúng, đã được dùng hoặc đã hết hạn. Hãy hỏi trưởng nhóm thẻ mới.")
        )
    return render_template("onboarding/join.html", form=form, scanned=False), 422


def welcome():
    return render_template(
        "onboarding/welcome.html",
        remember=RememberForm(formdata=None, days=current_app.config["JOIN_REMEMBER_DAYS"]),
        password=ChoosePasswordForm(formdata=None),
    )


def remember():
    form = RememberForm()
    if not form.validate_on_submit():
        return render_template(
            "onboarding/welcome.html", remember=form, password=ChoosePasswordForm(formdata=None)
        ), 422
    user = current_user._get_current_object()
    login_user(user, remember=True, duration=timedelta(days=form.days.data))
    flash(_("Điện thoại này sẽ đăng nhập sẵn trong %(n)s ngày.", n=form.days.data), "info")
    return redirect(url_for("visits.new"))


def choose_password():
    """A roster account chooses its first password here (no current one to give); an account
    that has one changes it on the usual page, which asks for it."""
    form = ChoosePasswordForm()
    user = current_user._get_current_object()
    if user.password_hash is not None:
        return redirect(url_for("auth.change_password"))
    if form.validate_on_submit():
        problem = password_problem(form.new_password.data, user.username)
        if problem is None:
            user.set_password(form.new_password.data)
            db.session.commit()
            start_session(user)
            flash(
                _("Đã lưu mật khẩu. Lần sau hãy đăng nhập bằng tên %(username)s.", username=user.username),
                "info",
            )
            return redirect(url_for("visits.new"))
        form.new_password.errors.append(problem)
    remember_form = RememberForm(formdata=None, days=current_app.config["JOIN_REMEMBER_DAYS"])
    return render_template("onboarding/welcome.html", remember=remember_form, password=form), 422


def add_routes(bp: Blueprint) -> None:
    """/join (throttled per address), /join/welcome, /join/remember and /join/password."""
    bp.add_url_rule("/join", "join", _throttle(join), methods=["GET", "POST"])
    bp.add_url_rule("/join/welcome", "welcome", login_required(welcome), methods=["GET"])
    bp.add_url_rule("/join/remember", "remember", login_required(remember), methods=["POST"])
    bp.add_url_rule("/join/password", "choose_password", login_required(choose_password), methods=["POST"])
