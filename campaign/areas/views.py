"""Pages for a ward's hamlets, their household lists and the revisit list with claims."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from campaign import access
from campaign.areas import households as hh
from campaign.areas.forms import HamletForm, UploadForm
from campaign.areas.models import Hamlet, Household, Ward
from campaign.areas.services import (
    KIND_LABELS,
    AreaError,
    create_hamlet,
    import_hamlets,
    listed_counts,
    update_hamlet,
    ward_hamlets_query,
)
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.imports import ImportRejected, all_or_nothing
from campaign.redirects import safe_next
from campaign.types import db_id
from campaign.vocabulary import outcome_label

bp = Blueprint("areas", __name__)


def pick_campaign(user, campaign_id=None) -> Campaign | None:
    """The campaign asked for (if the user may see it), else the latest one they take part in."""
    if campaign_id:
        campaign = db.get_or_404(Campaign, campaign_id)
        access.require(access.can_see_campaign(user, campaign))
        return campaign
    return db.session.scalars(access.campaigns_query(user).limit(1)).first()


# --- hamlets ---------------------------------------------------------------------------------


@bp.get("/wards/<int:code>/hamlets")
@login_required
def hamlets(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    rows = db.session.scalars(ward_hamlets_query(ward.code)).all()
    listed = listed_counts([h.id for h in rows]) if rows else {}
    return render_template(
        "areas/hamlets.html",
        ward=ward,
        hamlets=rows,
        listed=listed,
        kinds=KIND_LABELS,
        form=HamletForm(),
        upload=UploadForm(),
        campaign=pick_campaign(current_user),
    )


@bp.get("/wards/open")
@login_required
def open_ward():
    """The ward picker on the coordinator's pages sends ?code=; go to that ward's hamlets."""
    ward = db.get_or_404(Ward, request.args.get("code", type=db_id) or 0)
    access.require(access.can_manage_ward(current_user, ward.code))
    return redirect(url_for("areas.hamlets", code=ward.code))


@bp.post("/wards/<int:code>/hamlets")
@login_required
def create(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    form = HamletForm()
    if form.validate_on_submit():
        try:
            hamlet = create_hamlet(current_user, ward.code, form.values())
        except AreaError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Đã thêm %(name)s.", name=hamlet.name), "info")
            return redirect(url_for("areas.hamlets", code=ward.code))
    rows = db.session.scalars(ward_hamlets_query(ward.code)).all()
    return render_template(
        "areas/hamlets.html",
        ward=ward,
        hamlets=rows,
        listed=listed_counts([h.id for h in rows]) if rows else {},
        kinds=KIND_LABELS,
        form=form,
        upload=UploadForm(),
        campaign=pick_campaign(current_user),
    ), 422


@bp.route("/hamlets/<int:hamlet_id>/edit", methods=["GET", "POST"])
@login_required
def edit(hamlet_id: int):
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(access.can_manage_ward(current_user, hamlet.ward_code))
    form = HamletForm(obj=hamlet if request.method == "GET" else None)
    if request.method == "GET":
        form.kind.data = hamlet.kind.value
    listed = listed_counts([hamlet.id]).get(hamlet.id, 0)
    if form.validate_on_submit():
        try:
            changed = update_hamlet(current_user, hamlet, form.values())
        except AreaError as error:
            form.households.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Đã lưu %(name)s.", name=hamlet.name) if changed else _("Không có gì thay đổi."), "info")
            return redirect(url_for("areas.hamlets", code=hamlet.ward_code))
    status = 422 if form.errors else 200
    return render_template("areas/edit.html", hamlet=hamlet, form=form, listed=listed), status


def _upload(run, *args) -> tuple[dict | None, list[str]]:
    """Run an import on the form's file: (its counts, []) once committed, else (None, the
    messages) with nothing stored."""
    form = UploadForm()
    if not form.validate_on_submit():
        return None, [str(m) for messages in form.errors.values() for m in messages]
    try:
        result = all_or_nothing(run, *args, form.file.data)
    except ImportRejected as error:
        db.session.rollback()
        return None, error.errors
    db.session.commit()
    return result, []


def _import_errors(ward: Ward, hamlet: Hamlet | None, errors: list[str]):
    return render_template("areas/import_errors.html", ward=ward, hamlet=hamlet, errors=errors), 422


@bp.post("/wards/<int:code>/hamlets/import")
@login_required
def import_csv(code: int):
    ward = db.get_or_404(Ward, code)
    access.require(access.can_manage_ward(current_user, ward.code))
    result, errors = _upload(import_hamlets, current_user, ward.code)
    if errors:
        return _import_errors(ward, None, errors)
    counts = {k: result[k] for k in ("created", "updated", "unchanged")}
    flash(
        _("Đã nhập: %(created)d thôn/ấp mới, %(updated)d cập nhật, %(unchanged)d không đổi.", **counts),
        "info",
    )
    return redirect(url_for("areas.hamlets", code=ward.code))


# --- households ------------------------------------------------------------------------------


@bp.get("/hamlets/<int:hamlet_id>/households")
@login_required
def households(hamlet_id: int):
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    campaign = pick_campaign(current_user, request.args.get("campaign", type=db_id))
    if campaign is None:
        access.require(access.can_manage_ward(current_user, hamlet.ward_code))
        rows, revisits = [], []
    else:
        access.require(access.can_see_revisits(current_user, hamlet, campaign))
        rows = db.session.execute(hh.household_status_query(campaign.id, [hamlet.id])).all()
        rows.sort(key=lambda row: hh.natural_key(row.label))
        revisits = hh.revisit_list(campaign, [hamlet.id])
    listed = listed_counts([hamlet.id]).get(hamlet.id, 0)
    return render_template(
        "areas/households.html",
        hamlet=hamlet,
        campaign=campaign,
        rows=rows,
        revisits=revisits,
        listed=listed,
        visited=sum(1 for row in rows if row.attempts),
        outcome_label=outcome_label,
        can_manage=access.can_manage_ward(current_user, hamlet.ward_code),
        can_claim=campaign is not None and access.can_claim(current_user, hamlet, campaign),
        upload=UploadForm(),
    )


@bp.post("/hamlets/<int:hamlet_id>/households/import")
@login_required
def import_households(hamlet_id: int):
    hamlet = db.get_or_404(Hamlet, hamlet_id)
    access.require(access.can_manage_ward(current_user, hamlet.ward_code))
    result, errors = _upload(hh.import_households, current_user, hamlet)
    if errors:
        return _import_errors(hamlet.ward, hamlet, errors)
    flash(
        _(
            "Đã nhập danh sách hộ: %(added)d hộ mới, %(marked)d hộ đã có. "
            "Số hộ của %(name)s bây giờ là %(listed)d.",
            added=result["added"],
            marked=result["marked"],
            listed=result["listed"],
            name=hamlet.name,
        ),
        "info",
    )
    return redirect(url_for("areas.households", hamlet_id=hamlet.id))


# --- the revisit list and claims -------------------------------------------------------------


@bp.get("/revisits")
@login_required
def revisits():
    """The revisit list over every hamlet the user works in (volunteers and leads)."""
    campaign = pick_campaign(current_user, request.args.get("campaign", type=db_id))
    if campaign is None:
        return render_template("areas/revisits.html", campaign=None, items=[], hamlets=[])
    visible = access.hamlet_ids_query(current_user, campaign.id)
    hamlet_rows = db.session.scalars(sa_select_hamlets(visible)).all()
    if len(hamlet_rows) > 200:  # a province or the country: pick a hamlet from the ward pages
        hamlet_rows = []
    items = hh.revisit_list(campaign, [h.id for h in hamlet_rows]) if hamlet_rows else []
    allowed = {h.id for h in hamlet_rows if access.can_claim(current_user, h, campaign)}
    return render_template(
        "areas/revisits.html",
        campaign=campaign,
        items=items,
        hamlets=hamlet_rows,
        claimable=allowed,
        outcome_label=outcome_label,
    )


def sa_select_hamlets(ids_query):
    return sa.select(Hamlet).where(Hamlet.id.in_(ids_query)).order_by(Hamlet.name).limit(201)


def _claim_target(campaign_id: int, household_id: int):
    campaign = db.get_or_404(Campaign, campaign_id)
    household = db.get_or_404(Household, household_id)
    hamlet = household.hamlet
    access.require(access.can_see_campaign(current_user, campaign))
    return campaign, household, hamlet


def _back(household: Household, campaign: Campaign):
    return redirect(
        safe_next(request.form.get("next"))
        or url_for("areas.households", hamlet_id=household.hamlet_id, campaign=campaign.id)
    )


@bp.post("/campaigns/<int:campaign_id>/households/<int:household_id>/claim")
@login_required
def claim(campaign_id: int, household_id: int):
    campaign, household, hamlet = _claim_target(campaign_id, household_id)
    access.require(access.can_claim(current_user, hamlet, campaign))
    try:
        hh.claim_household(current_user, campaign, household)
    except hh.ClaimError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _back(household, campaign)
    db.session.commit()
    flash(_("Bạn đã nhận hộ %(label)s cho hôm nay.", label=household.label), "info")
    return _back(household, campaign)


@bp.post("/campaigns/<int:campaign_id>/households/<int:household_id>/unclaim")
@login_required
def unclaim(campaign_id: int, household_id: int):
    campaign, household, hamlet = _claim_target(campaign_id, household_id)
    access.require(access.can_see_revisits(current_user, hamlet, campaign))
    manager = access.can_manage_ward(current_user, hamlet.ward_code)
    try:
        released = hh.unclaim_household(current_user, campaign, household, any_user=manager)
    except hh.ClaimError:
        abort(403)
    db.session.commit()
    if released:
        flash(_("Đã bỏ nhận hộ %(label)s.", label=household.label), "info")
    return _back(household, campaign)
