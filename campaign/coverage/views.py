"""Coverage pages: one per area level, their CSV/XLSX tables, thresholds and official population."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from campaign import access, spreadsheets
from campaign.areas.models import Hamlet
from campaign.campaigns.models import Campaign
from campaign.coverage import context, exports
from campaign.coverage.charts import progress_bar, trend_chart
from campaign.coverage.forms import AreaFilterForm, PopulationImportForm, ThresholdsForm
from campaign.coverage.population import PopulationImportError, import_population
from campaign.coverage.services import LEVELS, area_report, colour
from campaign.extensions import db
from campaign.query_args import known_args

bp = Blueprint("coverage", __name__, url_prefix="/coverage")

SORTS = {
    "rank": lambda n: (n.rank is None, n.rank or 0),
    "name": lambda n: n.name,
    "population": lambda n: n.population,
    "reached": lambda n: n.households_reached_rate or 0,
    "visits": lambda n: n.visits,
    "users": lambda n: n.known_users,
    "rate": lambda n: n.user_rate if n.user_rate is not None else -1,
    "change": lambda n: n.rank_change if n.rank_change is not None else -(10**9),
}


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
    try:
        return context.load(current_user, level, code, {}, campaign_required=False)
    except context.AreaRequestError as error:
        abort(error.status)


@bp.get("/<level>/<code>")
@login_required
def area(level, code):
    if level not in LEVELS:
        abort(404)
    req = _load(level, code)
    # The trend chart is its own SVG image (below), so the page itself reads no per-day rows.
    report = area_report(req.campaign, req.area, req.as_of, req.since, with_trend=False)
    sort = request.args.get("sort", "rank")
    descending = request.args.get("dir", "desc" if sort not in ("rank", "name") else "asc") == "desc"
    rows = sorted(report.children, key=SORTS.get(sort, SORTS["rank"]), reverse=descending)
    form = None
    if access.can_set_coverage_thresholds(current_user, req.campaign):
        form = ThresholdsForm(
            data={
                "warn": round(req.campaign.warn_share * 100),
                "good": round(req.campaign.good_share * 100),
                "level": level,
                "code": code,
            }
        )
    visible_children = _visible_children(report)
    query = {"campaign_id": req.campaign.id, "date": req.as_of.isoformat(), "since": req.since.isoformat()}
    return render_template(
        "coverage/area.html",
        report=report,
        req=req,
        query=query,
        crumbs=_crumbs(req, query),
        bar=progress_bar(report.numbers.user_rate, req.campaign.target_rate),
        colour=lambda rate: colour(req.campaign, rate),
        outcome_labels=exports.OUTCOME_LABELS,
        children_title=exports.LEVEL_LABELS[report.children_level] if report.children_level else "",
        sort_columns=[
            ("rank", _("Hạng"), True),
            ("name", _("Tên"), False),
            ("rate", _("Tỉ lệ"), True),
            ("change", _("Đổi hạng"), True),
            ("users", _("Người dùng"), True),
            ("population", _("Dân số"), True),
            ("reached", _("Hộ đã đến"), True),
            ("visits", _("Lượt"), True),
        ],
        rows=rows,
        sort=sort,
        descending=descending,
        thresholds_form=form,
        child_links=visible_children,
    )


def _crumbs(req, query) -> list[dict]:
    crumbs = []
    for item in req.area.chain:
        hamlet = item.row if item.level == "hamlet" else None
        visible = item is not req.area and access.can_see_area(
            current_user, req.campaign, item.level, item.code, hamlet
        )
        link = url_for("coverage.area", level=item.level, code=item.code, **query) if visible else None
        crumbs.append({"name": item.name, "link": link})
    return crumbs


def _visible_children(report) -> bool:
    """Links down the tree go to pages the user may open (always true below one's own area)."""
    if not report.children:
        return False
    child = report.children[0]
    return access.can_see_area(
        current_user,
        report.campaign,
        child.level,
        child.code,
        db.session.get(Hamlet, child.code) if child.level == "hamlet" else None,
    )


@bp.get("/<level>/<code>/table.<fmt>")
@login_required
@known_args(AreaFilterForm)
def export(level, code, fmt):
    if level not in LEVELS or fmt not in ("csv", "xlsx"):
        abort(404)
    try:
        req = context.load(current_user, level, code, request.args, campaign_required=False)
    except context.AreaRequestError as error:
        abort(error.status)
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
    try:
        req = context.load(current_user, level, code, request.args, campaign_required=False)
    except context.AreaRequestError as error:
        abort(error.status)
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
