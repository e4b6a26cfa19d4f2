"""Coverage pages: one per area level, their CSV/XLSX tables, thresholds and official population."""

from datetime import datetime

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from campaign import access, spreadsheets
from campaign.campaigns.models import Campaign
from campaign.coverage import activity, context, daily, exports, page
from campaign.coverage.breakdowns import area_breakdowns, breakdown_table
from campaign.coverage.charts import trend_chart
from campaign.coverage.forms import (
    ActivityFilterForm,
    AreaFilterForm,
    OfficialImportForm,
    PopulationImportForm,
    ThresholdsForm,
)
from campaign.coverage.official import import_official
from campaign.coverage.population import PopulationImportError, import_population
from campaign.coverage.report import area_report
from campaign.coverage.tree import LEVELS
from campaign.extensions import db
from campaign.i18n import VN_TZ, local_today
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


# The activity page lists at most this many teams (an admin's whole country); the rest are counted.
ACTIVITY_ROWS = 200


@bp.get("/activity")
@login_required
def activity_page():
    """This week's visits, households reached and installs per team and volunteer, ranked."""
    scope = access.activity_scope(current_user)
    access.require(scope is not None)
    form = ActivityFilterForm(formdata=request.args)
    if not form.validate():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
    campaigns = db.session.scalars(access.campaigns_query(current_user)).all()
    chosen = form.campaign_id.data if not form.campaign_id.errors else None
    campaign = next((c for c in campaigns if c.id == chosen), None) if chosen else None
    if chosen and campaign is None:
        flash(_("Không có chiến dịch này."), "error")
    campaign = campaign or (campaigns[0] if campaigns else None)
    day = (form.date.data if not form.date.errors else None) or local_today()
    week = activity.week_of(day)
    shown = {"campaigns": campaigns, "campaign": campaign, "week": week, "scope": scope}
    if campaign is not None:
        shown.update(activity.lines_shown(campaign, scope, week, current_user.id))
    return render_template("coverage/activity.html", max_rows=ACTIVITY_ROWS, **shown)


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


@bp.get("/<level>/<code>/breakdowns.<fmt>")
@login_required
@known_args(AreaFilterForm)
def breakdowns_export(level, code, fmt):
    """The area's figures by organisation kind and by site kind, as CSV or XLSX."""
    if level not in LEVELS or fmt not in ("csv", "xlsx"):
        abort(404)
    req = _load_or_abort(level, code, request.args)
    access.require(access.can_see_breakdowns(current_user, req.campaign, req.area.level, req.area.code))
    breakdowns = area_breakdowns(req.campaign, req.area, req.as_of)
    table = breakdown_table(breakdowns, req.campaign, req.area, req.as_of)
    stem = f"to-chuc-dia-diem-{req.area.level}-{req.area.code}-{req.as_of.isoformat()}"
    return spreadsheets.download(table, fmt, stem)


@bp.get("/<level>/<code>/report.xlsx")
@login_required
@known_args(AreaFilterForm)
def daily_report(level, code):
    """The day's report upward (title block, a row per child area, totals), ready for A4."""
    if level not in LEVELS:
        abort(404)
    req = _load_or_abort(level, code, request.args)
    report = area_report(req.campaign, req.area, req.as_of, req.since, with_trend=False)
    table = daily.daily_table(report, current_user.display_name, datetime.now(VN_TZ))
    stem = f"bao-cao-{req.area.level}-{req.area.code}-{req.as_of.isoformat()}"
    return spreadsheets.download(table, "xlsx", stem)


@bp.get("/<level>/<code>/report")
@login_required
def daily_report_page(level, code):
    """The same report as the XLSX, as a page to print (two A4 pages for a province's wards)."""
    if level not in LEVELS:
        abort(404)
    req = _load(level, code)
    report = area_report(req.campaign, req.area, req.as_of, req.since, with_trend=False)
    table = daily.daily_table(report, current_user.display_name, datetime.now(VN_TZ))
    return render_template("coverage/report.html", table=table, report=report, percent_format=exports.PERCENT)


@bp.get("/<level>/<code>/trend.svg")
@login_required
def trend_svg(level, code):
    """The user rate day by day against the target line: server-drawn SVG, no JavaScript."""
    if level not in LEVELS:
        abort(404)
    req = _load_or_abort(level, code, request.args)
    report = area_report(req.campaign, req.area, req.as_of, req.since, with_children=False)
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


@bp.route("/official", methods=["GET", "POST"])
@login_required
@access.official_importers_only
def official_counts():
    """Official user counts: a preview of every line, then all of them stored or none."""
    form = OfficialImportForm()
    plan = None
    if form.validate_on_submit():
        plan = import_official(
            form.file.data, access.official_import_scope(current_user), apply=form.apply.data
        )
        if plan.applied:
            db.session.commit()
            flash(
                ngettext(
                    "Đã nhập %(num)d số người dùng chính thức.",
                    "Đã nhập %(num)d số người dùng chính thức.",
                    len(plan.changes),
                ),
                "info",
            )
            return redirect(url_for("coverage.official_counts"))
        db.session.rollback()
    return render_template("coverage/official.html", form=form, plan=plan)
