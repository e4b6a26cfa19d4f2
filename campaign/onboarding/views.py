"""Pages for standing up a province: the hamlet file and rosters (their steps in uploads.py), join
cards and codes, who has not joined, the campaign's end, and a new campaign from an earlier one.
The volunteer's side, joining with a card, is in joining.py. Views stay thin: the services
decide, campaign/access says who may."""

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import access
from campaign.areas.models import Hamlet, Province, Ward
from campaign.areas.services import ward_hamlets_query
from campaign.auth.models import User
from campaign.campaigns.models import Campaign, Team
from campaign.campaigns.services import SetupError
from campaign.extensions import db
from campaign.i18n import number
from campaign.onboarding import cards, hamlets, joining, next_campaign, overview, people, roster, uploads
from campaign.onboarding.forms import (
    CardsForm,
    NextCampaignForm,
)
from campaign.onboarding.uploads import Upload, form_error
from campaign.types import db_id

bp = Blueprint("onboarding", __name__)


def _province(code: int) -> Province:
    province = db.get_or_404(Province, code)
    access.require(access.can_onboard_province(current_user, province.code))
    return province


def _ward(code: int) -> Ward:
    ward = db.get_or_404(Ward, code)
    access.require(access.can_onboard_ward(current_user, ward.code))
    return ward


def _hamlet_file(province: Province) -> Upload:
    return Upload(
        kind=hamlets.KIND,
        title=_("Thôn/ấp của cả %(province)s", province=province.name),
        columns=[c.headers[0] for c in hamlets.PROVINCE_HAMLET_COLUMNS],
        back=url_for(".province", code=province.code),
        preview=lambda data: hamlets.preview(province, data),
        apply=hamlets.apply,
        hint=_(
            "Mỗi dòng một thôn/ấp: mã phường/xã, tên, loại, số hộ, dân số, và có thể có vĩ độ, kinh độ tâm."
        ),
    )


def _roster(wards: dict, default_ward, scope_name: str, back: str) -> Upload:
    return Upload(
        kind=roster.KIND,
        title=_("Danh sách tình nguyện viên: %(scope)s", scope=scope_name),
        columns=[c.headers[0] for c in roster.ROSTER_COLUMNS],
        back=back,
        preview=lambda data: roster.preview(wards, default_ward, data, scope_name),
        apply=lambda user, result: roster.apply(user, result, uploads.team_kinds(result)),
        hint=_("Mỗi dòng một người: họ tên, đội, mã phường/xã, và có thể có tổ chức, số điện thoại.")
        if default_ward is None
        else _("Mỗi dòng một người: họ tên, đội; mã phường/xã có thể bỏ trống (là phường/xã của bạn)."),
    )


def _ward_roster(ward: Ward) -> Upload:
    return _roster({ward.code: ward}, ward.code, ward.name, url_for(".ward", code=ward.code))


def _province_roster(province: Province) -> Upload:
    return _roster(
        hamlets.province_wards(province.code), None, province.name, url_for(".province", code=province.code)
    )


# The imports: the province's hamlet file, a ward's roster (its form is on the ward's page) and a
# province's roster. Each is a form, a preview and an apply (onboarding/uploads.py).
uploads.add_routes(
    bp, "hamlet_file", "/provinces/<int:code>/hamlets/import", lambda c: _hamlet_file(_province(c))
)
uploads.add_routes(
    bp, "ward_roster", "/wards/<int:code>/roster", lambda c: _ward_roster(_ward(c)), form_page=False
)
uploads.add_routes(
    bp, "province_roster", "/provinces/<int:code>/roster", lambda c: _province_roster(_province(c))
)


# --- hamlets that stop taking visits ------------------------------------------------------------


def _retire_or_restore(hamlet_id: int, change, message: str):
    """`change` (hamlets.retire or hamlets.restore) the hamlet; `message` names it once changed."""
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(access.can_onboard_ward(current_user, hamlet.ward_code))
    if change(current_user, hamlet):
        db.session.commit()
        flash(message % {"name": hamlet.name}, "info")
    return redirect(url_for(".ward", code=hamlet.ward_code))


@bp.post("/hamlets/<int:hamlet_id>/retire")
@login_required
def retire(hamlet_id: int):
    return _retire_or_restore(
        hamlet_id, hamlets.retire, _("%(name)s đã ngừng nhận lượt thăm mới; các lượt đã có vẫn được tính.")
    )


@bp.post("/hamlets/<int:hamlet_id>/restore")
@login_required
def restore(hamlet_id: int):
    return _retire_or_restore(hamlet_id, hamlets.restore, _("%(name)s nhận lượt thăm trở lại."))


# --- a ward's onboarding page, cards and who has not joined ------------------------------------


@bp.get("/wards/<int:code>/onboarding")
@login_required
def ward(code: int):
    ward = _ward(code)
    return render_template(
        "onboarding/ward.html",
        ward=ward,
        cards_form=CardsForm(formdata=None),
        teams=people.joined_by_team([ward.code]),
        hamlets=db.session.scalars(ward_hamlets_query(ward.code)).all(),
        **uploads.form_context(_ward_roster(ward)),
    )


def _cards(ward_codes: list[int], ward_code: int | None, back: str):
    """Print the cards of the people the form chose among these wards' (`ward_code`: the one ward
    the cards are printed for, in the audit)."""
    form = CardsForm()
    if not form.validate_on_submit():
        flash(form_error(form), "error")
        return redirect(back)
    team_id = form.team.data
    if team_id is not None:
        team = db.get_or_404(Team, team_id)
        access.require(team.ward_code in ward_codes)
    query = cards.volunteers_query(ward_codes, team_id, only_not_joined=form.which.data == "not_joined")
    printed = cards.print_cards(current_user, db.session.scalars(query).all(), ward_code)
    db.session.commit()
    return render_template("onboarding/cards.html", pages=cards.pages(printed), count=len(printed), back=back)


@bp.post("/wards/<int:code>/cards")
@login_required
def ward_cards(code: int):
    ward = _ward(code)
    return _cards([ward.code], ward.code, url_for(".ward", code=ward.code))


@bp.post("/provinces/<int:code>/cards")
@login_required
def province_cards(code: int):
    province = _province(code)
    wards = list(hamlets.province_wards(province.code))
    return _cards(wards, None, url_for(".not_joined_province", code=province.code))


@bp.post("/people/<int:user_id>/join-code")
@login_required
def reissue(user_id: int):
    person = db.get_or_404(User, user_id)
    access.require(access.can_reissue_join_code(current_user, person))
    if not person.active:
        flash(_("Tài khoản này đang bị khóa; hãy mở khóa trước khi cấp lại thẻ."), "error")
        return redirect(url_for(".ward", code=person.team.ward_code))
    card = cards.reissue(current_user, person)
    db.session.commit()
    back = url_for(".ward", code=person.team.ward_code)
    return render_template(
        "onboarding/cards.html", pages=cards.pages([card]), count=1, back=back, reissued=True
    )


def _not_joined_page(scope: str, teams, cards_action: str, back: str):
    return render_template(
        "onboarding/not_joined.html", scope=scope, teams=teams, cards_action=cards_action, back=back
    )


@bp.get("/wards/<int:code>/not-joined")
@login_required
def not_joined_ward(code: int):
    ward = _ward(code)
    teams = people.joined_by_team([ward.code])
    return _not_joined_page(ward.name, teams, url_for(".ward_cards", code=code), url_for(".ward", code=code))


@bp.get("/provinces/<int:code>/not-joined")
@login_required
def not_joined_province(code: int):
    province = _province(code)
    teams = [t for t in people.joined_by_team(list(hamlets.province_wards(province.code))) if t.waiting]
    cards_action, back = url_for(".province_cards", code=code), url_for(".province", code=code)
    return _not_joined_page(province.name, teams, cards_action, back)


# --- the province's checklist ------------------------------------------------------------------


@bp.get("/provinces/<int:code>/onboarding")
@login_required
def province(code: int):
    province = _province(code)
    campaigns = db.session.scalars(
        sa.select(Campaign)
        .where(Campaign.province_code == province.code)
        .order_by(Campaign.start_date.desc())
    ).all()
    wanted = request.args.get("campaign", type=db_id)
    campaign = next((c for c in campaigns if c.id == wanted), campaigns[0] if campaigns else None)
    campaign_id = campaign.id if campaign else None
    show = request.args.get("show")
    shown = overview.rows(province.code, campaign_id, show) if show in overview.LISTS else None
    return render_template(
        "onboarding/province.html",
        province=province,
        campaigns=campaigns,
        campaign=campaign,
        counts=overview.counts(province.code, campaign_id),
        show=show if shown is not None else None,
        shown=shown[: overview.LIST_LIMIT] if shown is not None else None,
        cut=shown is not None and len(shown) > overview.LIST_LIMIT,
    )


# --- the campaign's end, and the next campaign ----------------------------------------------


def _managed_campaign(campaign_id: int) -> Campaign:
    campaign = db.get_or_404(Campaign, campaign_id)
    access.require(access.can_end_campaign(current_user, campaign))
    return campaign


@bp.get("/campaigns/<int:campaign_id>/volunteers")
@login_required
def campaign_volunteers(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    return render_template(
        "onboarding/campaign_volunteers.html",
        campaign=campaign,
        counts=people.campaign_volunteer_counts(campaign),
    )


@bp.post("/campaigns/<int:campaign_id>/volunteers/deactivate")
@login_required
def deactivate(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    result = people.deactivate(current_user, campaign)
    db.session.commit()
    flash(
        _(
            "Đã khóa %(n)s tài khoản tình nguyện viên; %(skipped)s người còn ở chiến dịch khác đang chạy nên được giữ.",
            n=number(result["deactivated"]),
            skipped=number(result["skipped"]),
        ),
        "info",
    )
    return redirect(url_for(".campaign_volunteers", campaign_id=campaign.id))


@bp.post("/campaigns/<int:campaign_id>/volunteers/reactivate")
@login_required
def reactivate(campaign_id: int):
    campaign = _managed_campaign(campaign_id)
    count = people.reactivate(current_user, campaign)
    db.session.commit()
    flash(_("Đã mở khóa lại %(n)s tài khoản.", n=number(count)), "info")
    return redirect(url_for(".campaign_volunteers", campaign_id=campaign.id))


@bp.route("/campaigns/<int:campaign_id>/copy", methods=["GET", "POST"])
@login_required
def copy_campaign(campaign_id: int):
    source = _managed_campaign(campaign_id)
    form = NextCampaignForm(formdata=request.form if request.method == "POST" else None)
    if request.method == "GET":
        form.name.data = source.name
        form.start_date.data, form.deadline.data = source.start_date, source.deadline
    if request.method == "POST" and form.validate():
        try:
            campaign = next_campaign.copy(
                current_user, source, form.name.data.strip(), form.start_date.data, form.deadline.data
            )
        except SetupError as error:
            db.session.rollback()
            form.deadline.errors.append(str(error))
        else:
            db.session.commit()
            flash(
                _("Đã tạo chiến dịch %(name)s từ %(source)s.", name=campaign.name, source=source.name), "info"
            )
            return redirect(url_for(".campaign_volunteers", campaign_id=campaign.id))
    status = 422 if form.errors else 200
    return render_template(
        "onboarding/copy.html", source=source, form=form, wards=next_campaign.preview(source)
    ), status


# --- joining with a card: onboarding/joining.py ---------------------------------------------

joining.add_routes(bp)
