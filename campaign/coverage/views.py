"""Coverage pages: one per area level, their CSV/XLSX tables, thresholds and official population."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from campaign import access, spreadsheets
from campaign.campaigns.models import Campaign
from campaign.coverage import context, exports, page
from campaign.coverage.charts import trend_chart
from campaign.coverage.forms import AreaFilterForm, PopulationImportForm, ThresholdsForm
from campaign.coverage.population import PopulationImportError, import_population
from campaign.coverage.report import area_report
from campaign.coverage.tree import LEVELS
from campaign.extensions import db
from campaign.query_args import known_args

bp = Blueprint("coverage", __name__, url_prefix="/coverage")


@bp.get("/")
@login_required
def index():
    home = access.home_area(current_user)
    if home is None:
        campaign = db.session.scalars(access.campaigns_query(current_user)).first()
        hamlet_id = context.first_team_hamlet(current_user, campaign) if campaign else None
        if hamlet_id is None:
            abort(403)
        return redirect(url_for("coverage.area", level="hamlet", code=hamlet_id, campaign_id=campaign.id))
    return redirect(url_for("coverage.area", level=home[0], code=home[1]))


def _load(level, code):
    """The page's area and campaign. Bad parameters are flashed and dropped; the area without
    them may still be one the user cannot see (then 403, as without the parameters)."""
    try:
        return context.load(current_user, level, code, request.args, campaign_required=False)
    except context.AreaRequestError as error:
        if error.status != 400:
            abort(error.status)
        flash(error.message, "error")
    return _load_or_abort(level, code, {})


def _load_or_abort(level, code, args):
    """The area and campaign of an export or chart: any bad parameter ends the request."""
    try:
        return context.load(current_user, level, code, args, campaign_required=False)
    except context.AreaRequestError as error:
        abort(error.status)


@bp.get("/<level>/<code>")
@login_required
def area(level, code):
    if level not in LEVELS:
        abort(404)
    shown = page.area_page(current_user, _load(level, code), request.args, level, code)
    return render_template("coverage/area.html", **shown)


@bp.get("/<level>/<code>/table.<fmt>")
@login_required
@known_args(AreaFilterForm)
def export(level, code, fmt):
    if level not in LEVELS or fmt not in ("csv", "xlsx"):
        abort(404)
    req = _load_or_abort(level, code, request.args)
    report = area_report(req.campaign, req.area, req.as_of, req.since, with_trend=False)
    # Named after the area found, not the URL: "３" or "%0A" in the code must not reach a header.
    stem = f"do-phu-{req.area.level}-{req.area.code}-{req.as_of.isoformat()}"
    return spreadsheets.download(exports.table(report), fmt, stem)


@bp.get("/<level>/<code>/trend.svg")
@login_required
def trend_svg(level, code):
    """The user rate day by day against the target line: server-drawn SVG, no JavaScript."""
    if level not in LEVELS:
        abort(404)
    req = _load_or_abort(level, code, request.args)
    report = area_report(req.campaign, req.area, req.as_of, req.since)
    body = render_template("coverage/trend.svg", chart=trend_chart(report))
    response = Response(body, mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.post("/campaign/<int:campaign_id>/thresholds")
@login_required
def thresholds(campaign_id):
    campaign = db.get_or_404(Campaign, campaign_id)
    access.require(access.can_set_coverage_thresholds(current_user, campaign))
    form = ThresholdsForm()
    level = form.level.data if form.level.data in LEVELS else None
    target = (
        url_for("coverage.area", level=level, code=form.code.data, campaign_id=campaign.id)
        if level and form.code.data
        else url_for("coverage.index")
    )
    if form.validate_on_submit():
        campaign.warn_share = float(form.warn.data) / 100
        campaign.good_share = float(form.good.data) / 100
        db.session.commit()
        flash(_("Đã lưu ngưỡng màu."), "info")
    else:
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
    return redirect(target)


@bp.route("/population", methods=["GET", "POST"])
@login_required
def population():
    scope = access.population_scope(current_user)
    access.require(access.can_import_population(current_user, scope))
    form = PopulationImportForm()
    errors, changed = [], None
    if form.validate_on_submit():
        try:
            changed = import_population(form.file.data, scope)
        except PopulationImportError as error:
            db.session.rollback()
            errors = error.errors
        else:
            db.session.commit()
            flash(
                ngettext(
                    "Đã nhập dân số chính thức: %(num)d khu vực thay đổi.",
                    "Đã nhập dân số chính thức: %(num)d khu vực thay đổi.",
                    changed,
                ),
                "info",
            )
            return redirect(url_for("coverage.population"))
    return render_template("coverage/population.html", form=form, errors=errors)
