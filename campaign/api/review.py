"""JSON API: the review queue, single and bulk review decisions, a visit's history.

Same services as the review pages; the filter is the same GET form (query string).
"""

import re

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from campaign import access
from campaign.api import bp
from campaign.api.helpers import form_errors, get_or_404, invalid, json_object, refuse, scalar_formdata
from campaign.errors import RequestError, json_error
from campaign.extensions import db
from campaign.query_args import known_args, refuse_unknown
from campaign.review import queries, services
from campaign.review.forms import BulkReviewForm, ReviewActionForm, VisitFilterForm
from campaign.types import MAX_ID
from campaign.visits.models import Visit
from campaign.visits.services import visit_fields
from campaign.vocabulary import flag_texts

PER_PAGE = 50
VERSION_TAG = re.compile(r"[0-9]{1,10}")


def visit_json(visit: Visit) -> dict:
    """A visit as its reviewer sees it: who logged it, its flags and its place in the totals."""
    return {
        **visit_fields(visit),
        "id": visit.id,
        "hamlet": visit.hamlet.name,
        "volunteer_id": visit.volunteer_id,
        "volunteer": visit.volunteer.display_name,
        "auto_flags": flag_texts(visit),  # in the request's language
        "corrects_id": visit.corrects_id,
        "counts_in_totals": visit.counts_in_totals,
        "version": visit.version,
    }


def visit_response(visit: Visit):
    """The visit as JSON, with its version as the ETag that the next change sends in If-Match."""
    response = jsonify(visit_json(visit))
    response.set_etag(str(visit.version))
    return response


def expected_version(data: dict) -> int | None:
    """The version the client read: If-Match (the ETag it got), else the body's `version`."""
    if request.if_match:
        tags = list(request.if_match.as_set())
        if request.if_match.star_tag or len(tags) != 1 or not VERSION_TAG.fullmatch(tags[0]):
            raise RequestError(422, _('If-Match phải là ETag của lượt thăm, ví dụ "3".'), code="invalid")
        return int(tags[0])
    version = data.get("version")
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_ID:
        fields = {"version": [_("Giá trị không đúng kiểu.")]}
        raise RequestError(422, invalid_message(), code="invalid", fields=fields)
    return version


@bp.errorhandler(services.VersionRequired)
def version_required(_error):
    return json_error(
        428,
        _("Hãy gửi phiên bản của lượt thăm đã đọc: tiêu đề If-Match hoặc trường version."),
        code="version_required",
    )


@bp.errorhandler(services.StaleVisit)
def stale_visit(error: services.StaleVisit):
    """409 in the API's error shape, with the visit as stored now beside it."""
    body = json_error(409, services.stale_message(), code="version_conflict").get_json()
    response = jsonify(**body, current=visit_json(error.visit))
    response.status_code = 409
    response.set_etag(str(error.visit.version))
    return response


def _filter():
    form = VisitFilterForm(current_user, formdata=request.args)
    if not form.validate():
        raise RequestError(422, invalid_message(), code="invalid", fields=form_errors(form))
    return form


def invalid_message():
    return _("Bộ lọc chưa hợp lệ, xem lỗi từng trường.")


def _action_form(form_class, data: dict):
    fields = ["action", "reason"] + (["upto_id", "count"] if form_class is BulkReviewForm else [])
    # A key the API does not know is refused, not dropped: a filter put in the body instead of
    # the query string would otherwise leave the action on the whole scope.
    refuse_unknown(data, [*fields, *([] if form_class is BulkReviewForm else ["version"])])
    formdata, type_errors = scalar_formdata(data, fields)
    form = form_class(formdata=formdata, meta={"csrf": False})  # CSRF is checked on the header
    if type_errors or not form.validate():
        raise RequestError(
            422, invalid_message(), code="invalid", fields={**form_errors(form), **type_errors}
        )
    return form


def _visit(visit_id: int, *, change: bool = True) -> Visit:
    visit = get_or_404(Visit, visit_id)
    allowed = access.can_review_visit if change else access.can_see_visit_review
    access.require(allowed(current_user, visit))
    return visit


@bp.get("/review/visits")
@access.reviewers_only
@known_args(VisitFilterForm, "page", "per_page")
def review_list():
    form = _filter()
    query = queries.visits_query(current_user, form.to_filter())
    per_page = request.args.get("per_page", PER_PAGE, type=int)
    page = queries.page_of(query, per_page, max_per_page=200)
    queries.visits_for_page(page.items)
    return jsonify(
        items=[visit_json(v) for v in page.items],
        page=page.page,
        pages=page.pages,
        total=page.total,
        upto_id=queries.max_id_of(query),
    )


@bp.post("/review/visits/<int:visit_id>")
@access.reviewers_only
def review_one(visit_id: int):
    visit = _visit(visit_id)
    data = json_object()
    form = _action_form(ReviewActionForm, data)
    try:
        services.review_visit(current_user, visit, expected_version(data), form.action.data, form.reason.data)
    except services.ReviewError as error:
        return invalid({"reason": [str(error)]}, str(error))
    db.session.commit()
    return visit_response(visit)


@bp.post("/review/bulk")
@access.reviewers_only
@known_args(VisitFilterForm)
def review_bulk():
    """Apply an action to exactly the visits the query-string filter selects (up to `upto_id`)."""
    filter_form = _filter()
    form = _action_form(BulkReviewForm, json_object())
    try:
        matched, changed, skipped = services.review_filtered(
            current_user,
            filter_form.to_filter(upto_id=form.upto_id.data),
            form.action.data,
            form.reason.data,
            expected_count=form.count.data,
        )
    except services.ReviewError as error:
        return invalid({"reason": [str(error)]}, str(error))
    except services.CountChanged as error:
        db.session.rollback()
        return json_error(409, error.message, code="count_changed", fields={"count": [error.message]})
    db.session.commit()
    return jsonify(matched=matched, changed=changed, skipped=skipped)


COUNTS = ("residents", "smartphones", "already_installed")


def _edited_counts(visit: Visit, data: dict) -> tuple[dict, dict[int, int]]:
    """The counts a PATCH body asks for, over the visit's own: ({name: n}, {app id: n}); 422 if
    a value is not a whole number or names an app the campaign does not track."""
    formdata, errors = scalar_formdata(data, list(COUNTS))
    values = {}
    for name in COUNTS:
        try:
            values[name] = int(formdata.get(name, getattr(visit, name)))
        except (TypeError, ValueError):
            errors[name] = [invalid_message()]
    codes = {app.code: app.id for app in visit.campaign.apps}
    installs = {i.app_id: i.count for i in visit.installs}
    given = data.get("installs", {})
    if not isinstance(given, dict):
        errors["installs"] = [invalid_message()]
    else:
        for code, count in given.items():
            if code not in codes or isinstance(count, bool) or not isinstance(count, int):
                errors["installs"] = [invalid_message()]
                break
            installs[codes[code]] = count
    if errors:
        refuse(errors)
    return values, installs


@bp.patch("/review/visits/<int:visit_id>")
@access.reviewers_only
def review_edit(visit_id: int):
    """Change a visit's counts: residents, smartphones, already_installed, installs {app code: n}."""
    visit = _visit(visit_id)
    data = json_object()
    refuse_unknown(data, [*COUNTS, "installs", "version"])
    version = expected_version(data)
    values, installs = _edited_counts(visit, data)
    try:
        services.edit_counts(current_user, visit, version, *(values[name] for name in COUNTS), installs)
    except services.ReviewError as error:
        return invalid(getattr(error, "fields", None) or {"installs": [str(error)]}, str(error))
    db.session.commit()
    return visit_response(visit)


@bp.get("/review/visits/<int:visit_id>/history")
@access.reviewers_only
@known_args()
def review_history(visit_id: int):
    visit = _visit(visit_id, change=False)
    history = services.visit_history(visit)
    response = jsonify(
        visit=visit_json(visit),
        chain=[visit_json(v) for v in history["chain"]],
        audit=[_audit_json(e) for e in history["entries"]],
        conflicts=[
            {"received_at": c.received_at.isoformat(), "visit_id": c.visit_id, "payload": c.payload}
            for c in history["conflicts"]
        ],
    )
    response.set_etag(str(visit.version))
    return response


def _audit_json(entry) -> dict:
    return {
        "at": entry.at.isoformat(),
        "user": entry.user.display_name if entry.user else None,
        "action": entry.action,
        "object_id": entry.object_id,
        "before": entry.before,
        "after": entry.after,
    }
