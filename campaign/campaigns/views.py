"""Pages to set up the field: teams and their volunteers, assignments, campaigns and leads."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from campaign import access
from campaign.areas.models import Province, Ward
from campaign.areas.services import ward_hamlets_query
from campaign.auth.models import User
from campaign.auth.services import UserError
from campaign.auth.throttle import throttle_current_password
from campaign.campaigns import services
from campaign.campaigns.forms import CampaignForm, LeadForm, MoveForm, PasswordForm, PersonForm, TeamForm
from campaign.campaigns.models import Campaign, OrgKind, Team
from campaign.extensions import db
from campaign.types import db_id

bp = Blueprint("campaigns", __name__)


# --- teams and assignments -------------------------------------------------------------------


def _teams_page(ward: Ward, form: TeamForm, status: int = 200):
    teams = db.session.scalars(services.ward_teams_query(ward.code)).all()
    campaigns = services.ward_campaigns(ward)
    campaign_id = request.args.get("campaign", type=db_id)
    campaign = next((c for c in campaigns if c.id == campaign_id), campaigns[0] if campaigns else None)
    return render_template(
        "campaigns/teams.html",
        ward=ward,
        teams=teams,
        counts=services.active_member_counts([t.id for t in teams]),
        form=form,
        orgs=services.ORG_LABELS,
        campaigns=campaigns,
        campaign=campaign,
        hamlets=db.session.scalars(ward_hamlets_query(ward.code)).all(),
        assigned=services.assignments(campaign.id, ward.code) if campaign else {},
    ), status


@bp.get("/wards/<int:code>/teams")
@login_required
def teams(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    return _teams_page(ward, TeamForm())


@bp.post("/wards/<int:code>/teams")
@login_required
def create_team(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(current_user, ward.code, form.name.data, OrgKind(form.org_kind.data))
        except services.SetupError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Đã tạo đội %(name)s.", name=team.name), "info")
            return redirect(url_for("campaigns.team", team_id=team.id))
    return _teams_page(ward, form, 422)


def _team_id(raw: str) -> int | None:
    try:
        return db_id(raw)
    except ValueError:
        return None


def _wanted_assignments(ward: Ward) -> list[tuple] | None:
    """(hamlet, team or None) for each hamlet the form names; None if it names a team that is
    not one of the ward's."""
    teams = {t.id: t for t in db.session.scalars(services.ward_teams_query(ward.code))}
    wanted = []
    for hamlet in db.session.scalars(ward_hamlets_query(ward.code)):
        key = f"hamlet-{hamlet.id}"
        if key not in request.form:
            continue
        raw = request.form[key].strip()
        team = teams.get(_team_id(raw)) if raw else None
        if raw and team is None:
            return None
        wanted.append((hamlet, team))
    return wanted


@bp.post("/wards/<int:code>/assignments")
@login_required
def assign(code: int):
    """One form for the whole ward: field `hamlet-<id>` holds the team id (empty: no team)."""
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    campaign = db.get_or_404(Campaign, request.form.get("campaign_id", type=db_id) or 0)
    access.require(access.can_see_campaign(current_user, campaign))
    back = redirect(url_for("campaigns.teams", code=ward.code, campaign=campaign.id))
    wanted = _wanted_assignments(ward)
    if wanted is None:
        flash(_("Đội và thôn/ấp phải thuộc phường/xã này."), "error")
        return back
    try:
        changed = sum(services.assign_hamlet(current_user, campaign, hamlet, team) for hamlet, team in wanted)
    except services.SetupError as error:
        db.session.rollback()
        flash(str(error), "error")
        return back
    db.session.commit()
    message = ngettext(
        "Đã lưu phân công: %(num)d thôn/ấp thay đổi.", "Đã lưu phân công: %(num)d thôn/ấp thay đổi.", changed
    )
    flash(message, "info")
    return back


def _team_page(team: Team, *, rename=None, person=None, status=200):
    members = db.session.scalars(services.team_members_query(team.id)).all()
    others = db.session.scalars(services.ward_teams_query(team.ward_code).where(Team.id != team.id)).all()
    move = MoveForm()
    move.team_id.choices = [(t.id, t.name) for t in others]
    if rename is None:
        rename = TeamForm(obj=team)
        rename.org_kind.data = team.org_kind.value
    campaigns = services.ward_campaigns(team.ward)
    campaign = campaigns[0] if campaigns else None
    return render_template(
        "campaigns/team.html",
        team=team,
        members=members,
        rename=rename,
        person=person or PersonForm(),
        password=PasswordForm(),
        move=move,
        orgs=services.ORG_LABELS,
        campaign=campaign,
        hamlets=services.team_hamlets(campaign, team) if campaign else [],
    ), status


@bp.get("/teams/<int:team_id>")
@login_required
def team(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    return _team_page(team)


@bp.post("/teams/<int:team_id>")
@login_required
def update_team(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    form = TeamForm()
    if form.validate_on_submit():
        try:
            changed = services.update_team(current_user, team, form.name.data, OrgKind(form.org_kind.data))
        except services.SetupError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _("Đã lưu đội %(name)s.", name=team.name) if changed else _("Không có gì thay đổi."), "info"
            )
            return redirect(url_for("campaigns.team", team_id=team.id))
    db.session.rollback()
    return _team_page(team, rename=form, status=422)


@bp.post("/teams/<int:team_id>/volunteers")
@login_required
def create_volunteer(team_id: int):
    team = db.get_or_404(Team, team_id)
    access.require(access.can_manage_team(current_user, team))
    form = PersonForm()
    if form.validate_on_submit():
        try:
            volunteer = services.create_volunteer(
                current_user, team, form.username.data, form.display_name.data, form.password.data
            )
        except UserError as error:
            form.username.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Đã tạo tài khoản %(name)s.", name=volunteer.username), "info")
            return redirect(url_for("campaigns.team", team_id=team.id))
    db.session.rollback()
    return _team_page(team, person=form, status=422)


# --- people: deactivate, reset password, move ------------------------------------------------


def _person_back(person: User):
    if person.team_id:
        return redirect(url_for("campaigns.team", team_id=person.team_id))
    if person.ward is not None:
        return redirect(url_for("campaigns.leads", code=person.ward.province_code))
    return redirect(url_for("home.index"))


@bp.post("/people/<int:user_id>/active")
@login_required
def set_active(user_id: int):
    person = db.get_or_404(User, user_id)
    access.require(access.can_manage_person(current_user, person))
    active = request.form.get("active") == "1"
    try:
        changed = services.set_active(current_user, person, active)
    except services.SetupError as error:
        flash(str(error), "error")
        return _person_back(person)
    db.session.commit()
    if changed:
        message = _("Đã mở lại tài khoản %(name)s.") if active else _("Đã khóa tài khoản %(name)s.")
        flash(message % {"name": person.username}, "info")
    return _person_back(person)


@bp.post("/people/<int:user_id>/password")
@login_required
@throttle_current_password
def reset_password(user_id: int):
    person = db.get_or_404(User, user_id)
    access.require(access.can_manage_person(current_user, person))
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(current_user, person, form.password.data, form.current_password.data)
        except UserError as error:
            db.session.rollback()
            flash(_("%(name)s: %(error)s", name=person.username, error=str(error)), "error")
        else:
            db.session.commit()
            flash(
                _(
                    "Đã đặt mật khẩu mới cho %(name)s; các phiên đăng nhập cũ đã kết thúc.",
                    name=person.username,
                ),
                "info",
            )
    else:
        flash(_("Vui lòng nhập mật khẩu."), "error")
    return _person_back(person)


@bp.post("/people/<int:user_id>/move")
@login_required
def move(user_id: int):
    person = db.get_or_404(User, user_id)
    access.require(access.can_manage_person(current_user, person))
    target = db.get_or_404(Team, request.form.get("team_id", type=db_id) or 0)
    access.require(access.can_manage_team(current_user, target))
    try:
        changed = services.move_volunteer(current_user, person, target)
    except services.SetupError as error:
        flash(str(error), "error")
        return _person_back(person)
    db.session.commit()
    if changed:
        flash(_("Đã chuyển %(name)s sang %(team)s.", name=person.display_name, team=target.name), "info")
    return _person_back(person)


# --- campaigns (coordinators) ----------------------------------------------------------------


def _province_choices(form: CampaignForm) -> None:
    if access.can_manage_national_campaigns(current_user):
        provinces = db.session.scalars(sa.select(Province).order_by(Province.name)).all()
        form.province_code.choices = [(0, _("Cả nước"))] + [(p.code, p.name) for p in provinces]
    else:
        province = db.session.get(Province, current_user.province_code)
        form.province_code.choices = [(province.code, province.name)] if province else []


@bp.get("/campaigns/manage")
@login_required
def manage_campaigns():
    access.require(access.can_manage_campaigns(current_user))
    rows = [
        c
        for c in db.session.scalars(access.campaigns_query(current_user))
        if access.can_manage_campaign(current_user, c)
    ]
    return render_template("campaigns/list.html", campaigns=rows)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@login_required
def new_campaign():
    access.require(access.can_manage_campaigns(current_user))
    return _campaign_form(None)


@bp.route("/campaigns/<int:campaign_id>/edit", methods=["GET", "POST"])
@login_required
def edit_campaign(campaign_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    access.require(access.can_manage_campaign(current_user, campaign))
    return _campaign_form(campaign)


def _campaign_form(campaign: Campaign | None):
    if request.method == "POST":  # a campaign may only be put in a province one manages
        code = request.form.get("province_code", type=db_id)
        access.require(access.can_manage_campaign(current_user, province_code=code or None))
    form = CampaignForm()
    _province_choices(form)
    if request.method == "GET" and campaign is not None:
        form.show(campaign)
    if form.validate_on_submit():
        saved = _save_campaign(form, campaign)
        if saved is not None:
            db.session.commit()
            flash(_("Đã lưu chiến dịch %(name)s.", name=saved.name), "info")
            return redirect(url_for("campaigns.manage_campaigns"))
        db.session.rollback()
    status = 422 if form.errors else 200
    return render_template("campaigns/form.html", form=form, campaign=campaign), status


def _save_campaign(form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    """The saved campaign, or None with the reason on the form."""
    values = form.values()
    if not access.can_manage_campaign(current_user, province_code=values["province_code"]):
        form.province_code.errors.append(_("Bạn chỉ quản lý chiến dịch trong tỉnh của mình."))
        return None
    try:
        return services.save_campaign(current_user, campaign, values, services.parse_apps(form.apps.data))
    except services.SetupError as error:
        form.name.errors.append(str(error))
        return None


# --- leads (coordinators) --------------------------------------------------------------------


def _leads_page(province: Province, form: LeadForm, status=200):
    leads = db.session.scalars(services.province_leads_query(province.code)).all()
    return render_template(
        "campaigns/leads.html",
        province=province,
        leads=leads,
        form=form,
        password=PasswordForm(),
        wards=services.province_wards(province.code),
    ), status


def _lead_form(province: Province) -> LeadForm:
    form = LeadForm()
    form.ward_code.choices = [(w.code, w.name) for w in services.province_wards(province.code)]
    return form


@bp.get("/provinces/<int:code>/leads")
@login_required
def leads(code: int):
    province = db.get_or_404(Province, code)
    access.require(access.can_manage_province_leads(current_user, province.code))
    return _leads_page(province, _lead_form(province))


@bp.post("/provinces/<int:code>/leads")
@login_required
def create_lead(code: int):
    province = db.get_or_404(Province, code)
    access.require(access.can_manage_province_leads(current_user, province.code))
    form = _lead_form(province)
    if form.validate_on_submit():
        access.require(access.can_manage_leads(current_user, form.ward_code.data))
        try:
            lead = services.create_lead(
                current_user,
                form.ward_code.data,
                form.username.data,
                form.display_name.data,
                form.password.data,
            )
        except UserError as error:
            form.username.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Đã tạo trưởng nhóm %(name)s.", name=lead.username), "info")
            return redirect(url_for("campaigns.leads", code=province.code))
    db.session.rollback()
    return _leads_page(province, form, 422)
