"""JSON API for the coverage feature: an area's numbers and its ranked children."""

from flask import jsonify, request
from flask_login import current_user, login_required

from campaign.api import bp
from campaign.coverage import context
from campaign.coverage.forms import AreaFilterForm
from campaign.coverage.payloads import children_payload, summary_payload
from campaign.coverage.report import area_report
from campaign.coverage.tree import LEVELS
from campaign.errors import RequestError
from campaign.query_args import known_args


def _report(level: str, code: str, *, with_trend: bool, with_children: bool):
    """The area's report; a request it cannot answer raises RequestError (the API's 4xx shape)."""
    if level not in LEVELS:
        raise RequestError(404, "Cấp khu vực phải là country, province, ward hoặc hamlet.", "bad_level")
    req = context.load(current_user, level, code, request.args, campaign_required=True)
    return area_report(
        req.campaign, req.area, req.as_of, req.since, with_trend=with_trend, with_children=with_children
    )


@bp.get("/areas/<level>/<code>/summary")
@known_args(AreaFilterForm)  # before the sign-in check, as it always was
@login_required
def area_summary(level, code):
    return jsonify(summary_payload(_report(level, code, with_trend=True, with_children=False)))


@bp.get("/areas/<level>/<code>/children")
@known_args(AreaFilterForm)  # before the sign-in check, as it always was
@login_required
def area_children(level, code):
    return jsonify(children_payload(_report(level, code, with_trend=False, with_children=True)))
