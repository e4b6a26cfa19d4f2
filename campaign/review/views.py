"""Review pages: the queue, single and bulk decisions, count edits, history, audit, exports."""

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaign import access, spreadsheets, vocabulary
from campaign.areas.models import Ward
from campaign.errors import error_response
from campaign.extensions import db
from campaign.i18n import VN_TZ
from campaign.query_args import known_args
from campaign.redirects import safe_next
from campaign.review import exports, queries, services
from campaign.review.forms import (
    BulkReviewForm,
    ReviewActionForm,
    VisitFilterForm,
    edit_counts_form,
    show_stored,
)
from campaign.visits.models import Visit

bp = Blueprint("review", __name__, url_prefix="/review")
PER_PAGE = 30


def _filter_form(default_status="open") -> VisitFilterForm:
    form = VisitFilterForm(current_user, default_status=default_status)
    if request.args and not form.validate():
        abort(400)
    return form


def _load_visit(visit_id: int, *, change: bool = True) -> Visit:
    visit = db.get_or_404(Visit, visit_id)
    allowed = access.can_review_visit if change else access.can_see_visit_review
    access.require(allowed(current_user, visit))
    return visit


def _may_review(visit: Visit) -> bool:
    return access.can_review_visit(current_user, visit)


def _labels() -> dict:
    return {"outcomes": vocabulary.OUTCOMES, "statuses": vocabulary.STATUSES}


@bp.get("/")
@access.reviewers_only
def queue():
    form = _filter_form()
    query = queries.visits_query(current_user, form.to_filter())
    page = queries.page_of(query, PER_PAGE)
    queries.visits_for_page(page.items)
    return render_template(
        "review/queue.html",
        form=form,
        page=page,
        upto_id=queries.max_id_of(query) or 0,
        bulk_form=BulkReviewForm(formdata=None),
        action_form=ReviewActionForm(formdata=None),
        args=form.query_args(),
        may_review=_may_review,
        **_labels(),
    )


@bp.post("/visits/<int:visit_id>/review")
@access.reviewers_only
def review_visit(visit_id: int):
    visit = _load_visit(visit_id)
    form = ReviewActionForm()
    back = safe_next(form.next.data) or url_for("review.queue")
    if not form.validate():
        flash(_("Thao tác không hợp lệ."), "error")
        return redirect(back)
    try:
        services.review_visit(current_user, visit, form.version.data, form.action.data, form.reason.data)
    except services.ReviewError as error:
        flash(str(error), "error")
        return redirect(back)
    except services.VersionRequired:
        return error_response(428, _version_required_message())
    except services.StaleVisit:
        flash(services.stale_message(), "error")
        return _history_page(visit), 409
    db.session.commit()
    flash(_("Đã cập nhật lượt thăm #%(id)s.", id=visit.id), "info")
    return redirect(back)


def _version_required_message() -> str:
    return _("Trang này thiếu phiên bản của lượt thăm. Hãy tải lại trang rồi thử lại.")


@bp.post("/bulk")
@access.reviewers_only
@known_args(VisitFilterForm)
def bulk():
    """The action applies to exactly the filter in the query string, up to what the page showed.
    The first POST only asks "approve all N?"; the confirmed one carries N and is refused if the
    filter now matches another number."""
    form = _filter_form()
    action = BulkReviewForm()
    back = url_for("review.queue", **form.query_args())
    if not action.validate():
        flash(_("Thao tác không hợp lệ."), "error")
        return redirect(back)
    f = form.to_filter(upto_id=action.upto_id.data)
    if action.count.data is None:
        return _bulk_confirmation(form, action, *services.bulk_preview(current_user, f))
    try:
        matched, changed, skipped = services.review_filtered(
            current_user, f, action.action.data, action.reason.data, expected_count=action.count.data
        )
    except services.ReviewError as error:
        flash(str(error), "error")
        return redirect(back)
    except services.CountChanged as error:
        db.session.rollback()
        flash(error.message, "error")
        return _bulk_confirmation(form, action, *services.bulk_preview(current_user, f), status=409)
    db.session.commit()
    _flash_bulk_done(matched, changed, skipped)
    return redirect(back)


def _flash_bulk_done(matched: int, changed: int, skipped: int) -> None:
    flash(_("Đã cập nhật %(changed)s trên %(matched)s lượt thăm.", changed=changed, matched=matched), "info")
    if skipped:
        flash(_skipped_message(skipped), "info")


def _skipped_message(skipped: int) -> str:
    return _(
        "Bỏ qua %(n)s lượt thăm bạn không được duyệt: lượt của chính bạn, hoặc bản sửa của lượt thăm ngoài quyền của bạn.",
        n=skipped,
    )


def _bulk_confirmation(form, action, matched: int, skipped: int, status: int = 200):
    questions = {
        "approve": _("Duyệt tất cả %(n)s lượt thăm?", n=matched),
        "flag": _("Đánh dấu cần xem lại tất cả %(n)s lượt thăm?", n=matched),
        "reject": _("Không chấp nhận tất cả %(n)s lượt thăm?", n=matched),
    }
    return render_template(
        "review/bulk_confirm.html",
        question=questions[action.action.data],
        action=action,
        matched=matched,
        skipped_message=_skipped_message(skipped) if skipped else None,
        args=form.query_args(),
    ), status


@bp.route("/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@access.reviewers_only
def edit_visit(visit_id: int):
    visit = _load_visit(visit_id)
    form = edit_counts_form(visit.campaign, obj=visit)
    if form.validate_on_submit():
        counts = (form.residents.data, form.smartphones.data, form.already_installed.data)
        installs = {app.id: field.data for app, field in form.app_fields}
        try:
            changed = services.edit_counts(current_user, visit, form.version.data, *counts, installs)
        except services.ReviewError as error:
            _show_problems(form, error)
        except services.VersionRequired:
            return error_response(428, _version_required_message())
        except services.StaleVisit:
            show_stored(form, visit)
            flash(services.stale_message(), "error")
            return render_template("review/edit.html", form=form, visit=visit, **_labels()), 409
        else:
            db.session.commit()
            flash(_("Đã lưu các con số.") if changed else _("Không có gì thay đổi."), "info")
            return redirect(url_for("review.history", visit_id=visit.id))
    return render_template("review/edit.html", form=form, visit=visit, **_labels())


def _show_problems(form, error: services.ReviewError) -> None:
    """The rules' problems beside their fields (installs beside the first app), and on top."""
    for name, messages in getattr(error, "fields", {}).items():
        field = form.app_fields[0][1] if name == "installs" and form.app_fields else getattr(form, name)
        field.errors = list(field.errors) + messages
    flash(str(error), "error")


@bp.get("/visits/<int:visit_id>")
@access.reviewers_only
def history(visit_id: int):
    return _history_page(_load_visit(visit_id, change=False))


def _history_page(visit: Visit) -> str:
    return render_template(
        "review/history.html",
        visit=visit,
        action_form=ReviewActionForm(formdata=None),
        may_review=_may_review(visit),
        **services.visit_history(visit),
        **_labels(),
    )


@bp.get("/audit")
@access.reviewers_only
def audit_index():
    ward_code = access.own_ward_code(current_user)
    if ward_code is not None:  # a lead's audit is their ward's
        return redirect(url_for("review.ward_audit", ward_code=ward_code))
    return render_template("review/audit_index.html", wards=queries.ward_choices(current_user))


@bp.get("/wards/<int:ward_code>/audit")
@access.reviewers_only
def ward_audit(ward_code: int):
    ward = db.get_or_404(Ward, ward_code)
    access.require(access.can_see_ward_audit(current_user, ward))
    page = queries.page_of(services.ward_audit_query(ward.code), 50)
    return render_template("review/audit.html", ward=ward, page=page, **_labels())


# --- exports -------------------------------------------------------------------------------------


def _stamped(name: str) -> str:
    return f"{name}-{datetime.now(VN_TZ).strftime('%Y%m%d-%H%M')}"  # the campaign's clock, not the server's


@bp.get("/export")
@access.reviewers_only
def export_page():
    form = _filter_form(default_status="all")
    f = form.to_filter()
    return render_template(
        "review/export.html",
        form=form,
        count=queries.count_of(queries.visits_query(current_user, f)),
        args=form.query_args(),
    )


@bp.get("/export/visits.<any(csv, xlsx):kind>")
@access.reviewers_only
@known_args(VisitFilterForm)
def export_visits(kind: str):
    form = _filter_form(default_status="all")
    table = exports.visit_table(current_user, form.to_filter())
    return spreadsheets.download(table, kind, _stamped("luot-tham"))


@bp.get("/teams")
@access.reviewers_only
def teams():
    form = _filter_form(default_status="all")
    return render_template(
        "review/teams.html",
        form=form,
        rows=exports.team_activity(current_user, form.to_filter()),
        args=form.query_args(),
    )


@bp.get("/teams.<any(csv, xlsx):kind>")
@access.reviewers_only
@known_args(VisitFilterForm)
def teams_export(kind: str):
    form = _filter_form(default_status="all")
    table = exports.team_table(exports.team_activity(current_user, form.to_filter()))
    return spreadsheets.download(table, kind, _stamped("hoat-dong-doi"))
