"""JSON API: the review queue, single and bulk review decisions, a visit's history.

Same services as the review pages; the filter is the same GET form (query string).
"""

import re

from flask import jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from campaign import access
from campaign.api import bp
from campaign.api.helpers import ApiAbort, form_errors, get_or_404, invalid, json_object, scalar_formdata
from campaign.auth.models import Role
from campaign.errors import json_error
from campaign.extensions import db
from campaign.query_args import known_args, refuse_unknown
from campaign.review import services
from campaign.review.forms import BulkReviewForm, ReviewActionForm, VisitFilterForm
from campaign.types import MAX_ID
from campaign.visits.models import Visit
from campaign.vocabulary import flag_texts, visit_reason

reviewers_only = access.roles_required(Role.LEAD, Role.COORDINATOR)
PER_PAGE = 50
VERSION_TAG = re.compile(r"[0-9]{1,10}")


def visit_json(visit: Visit) -> dict:
    return {
        "id": visit.id,
        "campaign_id": visit.campaign_id,
        "hamlet_id": visit.hamlet_id,
        "hamlet": visit.hamlet.name,
        "household": visit.household.label,
        "volunteer_id": visit.volunteer_id,
        "volunteer": visit.volunteer.display_name,
        "site_kind": visit.site_kind.value,
        "outcome": visit.outcome.value,
        "residents": visit.residents,
        "smartphones": visit.smartphones,
        "already_installed": visit.already_installed,
        "installs": {i.app.code: i.count for i in visit.installs},
        "visited_at": visit.visited_at.isoformat(),
        "review_status": visit.review_status.value,
        "review_reason": visit_reason(visit),
        "auto_flags": flag_texts(visit),  # in the request's language
        "corrects_id": visit.corrects_id,
        "superseded": visit.superseded,
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
            raise ApiAbort(422, _('If-Match phải là ETag của lượt thăm, ví dụ "3".'), code="invalid")
        return int(tags[0])
    version = data.get("version")
    if version is None:
        return None
    if isinstance(version, bool) or not isinstance(version, int) or not 0 <= version <= MAX_ID:
        fields = {"version": [_("Giá trị không đúng kiểu.")]}
        raise ApiAbort(422, invalid_message(), code="invalid", fields=fields)
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
        raise ApiAbort(422, invalid_message(), code="invalid", fields=form_errors(form))
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
        raise ApiAbort(422, invalid_message(), code="invalid", fields={**form_errors(form), **type_errors})
    return form


def _visit(visit_id: int, *, change: bool = True) -> Visit:
    visit = get_or_404(Visit, visit_id)
    allowed = access.can_review_visit if change else access.can_see_visit_review
    access.require(allowed(current_user, visit))
    return visit


@bp.get("/review/visits")
@reviewers_only
@known_args(VisitFilterForm, "page", "per_page")
def review_list():
    form = _filter()
    query = services.visits_query(current_user, form.to_filter())
    per_page = request.args.get("per_page", PER_PAGE, type=int)
    page = services.page_of(query, per_page, max_per_page=200)
    services.visits_for_page(page.items)
    return jsonify(
        items=[visit_json(v) for v in page.items],
        page=page.page,
        pages=page.pages,
        total=page.total,
        upto_id=services.max_id_of(query),
    )


@bp.post("/review/visits/<int:visit_id>")
@reviewers_only
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
@reviewers_only
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


@bp.patch("/review/visits/<int:visit_id>")
@reviewers_only
def review_edit(visit_id: int):
    """Change a visit's counts: residents, smartphones, already_installed, installs {app code: n}."""
    visit = _visit(visit_id)
    data = json_object()
    refuse_unknown(data, ["residents", "smartphones", "already_installed", "installs", "version"])
    version = expected_version(data)
    formdata, errors = scalar_formdata(data, ["residents", "smartphones", "already_installed"])
    values = {}
    for name in ("residents", "smartphones", "already_installed"):
        raw = formdata.get(name, getattr(visit, name))
        try:
            values[name] = int(raw)
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
        return invalid(errors)
    try:
        services.edit_counts(
            current_user,
            visit,
            version,
            values["residents"],
            values["smartphones"],
            values["already_installed"],
            installs,
        )
    except services.ReviewError as error:
        return invalid(getattr(error, "fields", None) or {"installs": [str(error)]}, str(error))
    db.session.commit()
    return visit_response(visit)


@bp.get("/review/visits/<int:visit_id>/history")
@reviewers_only
@known_args()
def review_history(visit_id: int):
    visit = _visit(visit_id, change=False)
    history = services.visit_history(visit)
    response = jsonify(
        visit=visit_json(visit),
        chain=[visit_json(v) for v in history["chain"]],
        audit=[
            {
                "at": e.at.isoformat(),
                "user": e.user.display_name if e.user else None,
                "action": e.action,
                "object_id": e.object_id,
                "before": e.before,
                "after": e.after,
            }
            for e in history["entries"]
        ],
        conflicts=[
            {"received_at": c.received_at.isoformat(), "visit_id": c.visit_id, "payload": c.payload}
            for c in history["conflicts"]
        ],
    )
    response.set_etag(str(visit.version))
    return response


def _error(status: int, description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_ERRORS = {
    "401": _error(401, "Not signed in"),
    "403": _error(403, "Not a reviewer of this area"),
    "422": _error(422, "Invalid filter or body"),
}
_FILTER_PARAMETERS = [
    {"name": name, "in": "query", "required": False, "schema": schema, "description": description}
    for name, schema, description in [
        ("ward", {"type": "integer"}, "Ward code"),
        ("hamlet", {"type": "integer"}, "Hamlet id"),
        ("volunteer", {"type": "integer"}, "Volunteer user id"),
        ("day", {"type": "string", "format": "date"}, "Local day (Asia/Ho_Chi_Minh)"),
        ("date_from", {"type": "string", "format": "date"}, "First local day"),
        ("date_to", {"type": "string", "format": "date"}, "Last local day"),
        (
            "outcome",
            {
                "enum": [
                    "installed",
                    "already_installed",
                    "refused",
                    "not_home",
                    "no_smartphone",
                    "come_back_later",
                ]
            },
            "Outcome",
        ),
        (
            "status",
            {"enum": ["open", "pending", "flagged", "approved", "rejected", "all"], "default": "open"},
            "Review status; open = pending and flagged",
        ),
    ]
]
_VISIT_SCHEMA = {
    "type": "object",
    "required": ["id", "review_status", "outcome", "visited_at"],
    "properties": {
        "id": {"type": "integer"},
        "campaign_id": {"type": "integer"},
        "hamlet_id": {"type": "integer"},
        "hamlet": {"type": "string"},
        "household": {"type": "string"},
        "volunteer_id": {"type": "integer"},
        "volunteer": {"type": "string"},
        "site_kind": {"type": "string"},
        "outcome": {"type": "string"},
        "residents": {"type": "integer"},
        "smartphones": {"type": "integer"},
        "already_installed": {"type": "integer"},
        "installs": {"type": "object", "additionalProperties": {"type": "integer"}},
        "visited_at": {"type": "string", "format": "date-time"},
        "review_status": {"enum": ["pending", "flagged", "approved", "rejected"]},
        "review_reason": {"type": ["string", "null"]},
        "auto_flags": {"type": "array", "items": {"type": "string"}},
        "corrects_id": {"type": ["integer", "null"]},
        "superseded": {"type": "boolean"},
        "counts_in_totals": {"type": "boolean"},
        "version": {
            "type": "integer",
            "description": "Send it back (If-Match or version) to change the visit",
        },
    },
}
_VERSION = {
    "type": "integer",
    "minimum": 0,
    "description": "The version read (or send If-Match with the ETag); without either: 428",
}
_IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "schema": {"type": "string"},
    "description": 'The ETag of the visit as read, e.g. "3"; or the body\'s version',
}
# A change of one visit: no version is a 428, an old one a 409 with the visit as stored now.
_VERSION_ERRORS = {
    "409": {
        "description": "The visit changed since it was read; `current` is the visit now",
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/Error"}],
                    "properties": {"current": _VISIT_SCHEMA},
                }
            }
        },
    },
    "428": _error(428, "No version: send If-Match or version"),
}
_ACTION_BODY = {
    "type": "object",
    "required": ["action"],
    "additionalProperties": False,
    "properties": {
        "action": {"enum": ["approve", "flag", "reject"]},
        "reason": {"type": "string", "maxLength": 300, "description": "Required for flag and reject"},
        "version": _VERSION,
    },
}
_VISIT_ID = {"name": "visit_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_NOT_FOUND = {"404": _error(404, "No such visit")}

OPENAPI_PATHS = {
    "/review/visits": {
        "get": {
            "summary": "Review queue: visits in the reviewer's area matching the filter, newest first",
            "tags": ["review"],
            "parameters": [
                *_FILTER_PARAMETERS,
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {
                    "name": "per_page",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 200},
                },
            ],
            "responses": {
                "200": {
                    "description": "A page of visits",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "items": {"type": "array", "items": _VISIT_SCHEMA},
                                    "page": {"type": "integer"},
                                    "pages": {"type": "integer"},
                                    "total": {"type": "integer"},
                                    "upto_id": {"type": ["integer", "null"]},
                                },
                            }
                        }
                    },
                },
                **_ERRORS,
            },
        }
    },
    "/review/visits/{visit_id}": {
        "parameters": [_VISIT_ID],
        "post": {
            "summary": "Approve, flag or reject one visit, at the version read",
            "tags": ["review"],
            "parameters": [_IF_MATCH],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ACTION_BODY}}},
            "responses": {
                "200": {
                    "description": "The visit (ETag: its new version)",
                    "content": {"application/json": {"schema": _VISIT_SCHEMA}},
                },
                **_ERRORS,
                **_NOT_FOUND,
                **_VERSION_ERRORS,
            },
        },
        "patch": {
            "summary": "Edit a visit's counts at the version read (audited; same rules as logging)",
            "tags": ["review"],
            "parameters": [_IF_MATCH],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "version": _VERSION,
                                "residents": {"type": "integer", "minimum": 0},
                                "smartphones": {"type": "integer", "minimum": 0},
                                "already_installed": {"type": "integer", "minimum": 0},
                                "installs": {
                                    "type": "object",
                                    "additionalProperties": {"type": "integer", "minimum": 0},
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "The visit (ETag: its new version)",
                    "content": {"application/json": {"schema": _VISIT_SCHEMA}},
                },
                **_ERRORS,
                **_NOT_FOUND,
                **_VERSION_ERRORS,
            },
        },
    },
    "/review/bulk": {
        "post": {
            "summary": "Apply one action to exactly the filtered set (visits up to upto_id)",
            "tags": ["review"],
            "parameters": _FILTER_PARAMETERS,
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            **_ACTION_BODY,
                            "required": ["action", "upto_id"],
                            "properties": {
                                "action": _ACTION_BODY["properties"]["action"],
                                "reason": _ACTION_BODY["properties"]["reason"],
                                "count": {
                                    "type": "integer",
                                    "minimum": 0,
                                    "description": "The number of visits the client expects; another is a 409",
                                },
                                "upto_id": {
                                    "type": "integer",
                                    "minimum": 0,
                                    "description": "upto_id of the listing",
                                },
                            },
                        }
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "How many visits matched and how many changed",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "matched": {"type": "integer"},
                                    "changed": {"type": "integer"},
                                    "skipped": {
                                        "type": "integer",
                                        "description": "Matched but not the user's to review (their own visits, ...)",
                                    },
                                },
                            }
                        }
                    },
                },
                **_ERRORS,
                "409": _error(409, "count was given and the filter now matches another number"),
            },
        }
    },
    "/review/visits/{visit_id}/history": {
        "parameters": [_VISIT_ID],
        "get": {
            "summary": "A visit's audit entries, resend conflicts and correction chain",
            "tags": ["review"],
            "responses": {
                "200": {
                    "description": "History",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "visit": _VISIT_SCHEMA,
                                    "chain": {"type": "array", "items": _VISIT_SCHEMA},
                                    "audit": {"type": "array", "items": {"type": "object"}},
                                    "conflicts": {"type": "array", "items": {"type": "object"}},
                                },
                            }
                        }
                    },
                },
                **_ERRORS,
                **_NOT_FOUND,
            },
        },
    },
}
# Every operation with a body reads it with json_object: a body that is not JSON is a 415, and
# JSON that is not an object is a 400.
for _item in OPENAPI_PATHS.values():
    for _operation in _item.values():
        if isinstance(_operation, dict) and "requestBody" in _operation:
            _operation["responses"].setdefault("400", _error(400, "The body is not a JSON object"))
            _operation["responses"].setdefault("415", _error(415, "The body is not JSON"))
