"""What the area page shows around its report: the sorted table, the breadcrumbs, the links down
the tree and the thresholds form."""

from datetime import datetime
from typing import NamedTuple

from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from campaign import access
from campaign.areas.models import Hamlet
from campaign.coverage import exports
from campaign.coverage.breakdowns import area_breakdowns
from campaign.coverage.charts import progress_bar
from campaign.coverage.context import AreaRequest
from campaign.coverage.forms import ThresholdsForm
from campaign.coverage.report import AreaReport, area_report, colour
from campaign.coverage.summary import text_summary
from campaign.extensions import db
from campaign.i18n import VN_TZ, number, percent

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


def _sort_columns() -> list[tuple]:
    """(sort key, header, sorted highest first when clicked) for the children table."""
    return [
        ("rank", _("Hạng"), True),
        ("name", _("Tên"), False),
        ("rate", _("Tỉ lệ"), True),
        ("change", _("Đổi hạng"), True),
        ("users", _("Người dùng"), True),
        ("population", _("Dân số"), True),
        ("reached", _("Hộ đã đến"), True),
        ("visits", _("Lượt"), True),
    ]


def area_page(user, req: AreaRequest, args, level: str, code: str) -> dict:
    """The template context of an area's page (`level` and `code` as in its URL)."""
    # The trend chart is its own SVG image, so the page itself reads no per-day rows.
    report = area_report(
        req.campaign, req.area, req.as_of, req.since, with_trend=False, with_child_installs=False
    )
    sort = args.get("sort", "rank")
    descending = args.get("dir", "desc" if sort not in ("rank", "name") else "asc") == "desc"
    query = {"campaign_id": req.campaign.id, "date": req.as_of.isoformat(), "since": req.since.isoformat()}
    rows = sorted(report.children, key=SORTS.get(sort, SORTS["rank"]), reverse=descending)
    return {
        "report": report,
        "req": req,
        "query": query,
        "crumbs": _crumbs(user, req, query),
        "bar": progress_bar(report.numbers.user_rate, req.campaign.target_rate),
        "colour": lambda rate: colour(req.campaign, rate),
        "outcome_labels": exports.OUTCOME_LABELS,
        "children_title": exports.LEVEL_LABELS[report.children_level] if report.children_level else "",
        "sort_columns": _sort_columns(),
        "rows": _child_rows(report, rows, _visible_children(user, report), _own_code(user, report), query),
        "official_rows": _official_rows(report),
        "sort": sort,
        "descending": descending,
        "thresholds_form": _thresholds_form(user, req, level, code),
        "province_in_country": _province_in_country(report),
        "summary_text": text_summary(report, datetime.now(VN_TZ)),
        "breakdowns": _breakdowns(user, req),
    }


class ChildRow(NamedTuple):
    """A line of the children table with its figures formatted: a province has up to 168 wards,
    and formatting them in the template (filters, macros, url_for) cost more than the rest of
    the page."""

    colour: str
    own: bool
    rank: int | str
    name: str
    link: str | None
    rate: str
    change: Markup
    users: str
    population: str
    reached: str
    visits: str


class OfficialRow(NamedTuple):
    """A line of the table of official and found users (coverage/_official.html)."""

    rank: int | str
    name: str
    official: str
    official_rate: str
    found: str
    found_rate: str
    found_share: str


def _link_pattern(level: str, query: dict) -> tuple[str, str]:
    """The URL of a child's page, split around its code: one url_for for all the children, who
    differ only in their code (an integer)."""
    marker = "__code__"
    head, _, tail = url_for("coverage.area", level=level, code=marker, **query).partition(marker)
    return head, tail


def _child_rows(report: AreaReport, rows: list, visible, own_code, query: dict) -> list[ChildRow]:
    if not rows:
        return []
    locale = get_locale()
    change = current_app.jinja_env.get_template("coverage/_rank_change.html").module.rank_change
    head, tail = _link_pattern(report.children_level, query)
    lines = []
    for child in rows:
        lines.append(
            ChildRow(
                colour=colour(report.campaign, child.user_rate) or "none",
                own=own_code is not None and child.code == own_code,
                rank=child.rank or "–",
                name=child.name,
                link=f"{head}{child.code}{tail}" if visible(child) else None,
                rate=percent(child.user_rate, 1, locale=locale),
                change=change(child),
                users=number(child.known_users, locale=locale),
                population=number(child.population, locale=locale),
                reached=percent(child.households_reached_rate, 0, locale=locale),
                visits=number(child.visits, locale=locale),
            )
        )
    return lines


def _official_rows(report: AreaReport) -> list[OfficialRow]:
    """Official and found users of each child; none below a ward (hamlets have no official count)."""
    if not report.children or report.children_level == "hamlet":
        return []
    locale, no_figure = get_locale(), _("chưa có số")
    return [
        OfficialRow(
            rank=child.rank if child.rank is not None else no_figure,
            name=child.name,
            official=number(child.official_users, locale=locale),
            official_rate=percent(child.official_rate, locale=locale),
            found=number(child.known_users, locale=locale),
            found_rate=percent(child.user_rate, locale=locale),
            found_share=percent(child.found_share, 1, locale=locale),
        )
        for child in report.children
    ]


def _breakdowns(user, req: AreaRequest):
    """By organisation kind and site kind, where the user's scope allows it; else None."""
    if not access.can_see_breakdowns(user, req.campaign, req.area.level, req.area.code):
        return None
    return area_breakdowns(req.campaign, req.area, req.as_of)


def _thresholds_form(user, req: AreaRequest, level: str, code: str) -> ThresholdsForm | None:
    """The thresholds form, for those who may set them; it returns to the page's own URL."""
    if not access.can_set_coverage_thresholds(user, req.campaign):
        return None
    return ThresholdsForm(
        data={
            "warn": round(req.campaign.warn_share * 100),
            "good": round(req.campaign.good_share * 100),
            "level": level,
            "code": code,
        }
    )


def _crumbs(user, req: AreaRequest, query: dict) -> list[dict]:
    crumbs = []
    for item in req.area.chain:
        hamlet = item.row if item.level == "hamlet" else None
        visible = item is not req.area and access.can_see_area(
            user, req.campaign, item.level, item.code, hamlet
        )
        link = url_for("coverage.area", level=item.level, code=item.code, **query) if visible else None
        crumbs.append({"name": item.name, "link": link})
    return crumbs


def _visible_children(user, report: AreaReport):
    """Which children link down the tree: a test of a child. Below one's own area every child
    opens (one check for all); on the country page a coordinator's own province only."""
    if not report.children:
        return lambda child: False
    if report.children_level == "province":
        visible = {c.code for c in report.children if access.can_see_province(user, c.code)}
        return lambda child: child.code in visible
    child = report.children[0]
    every = access.can_see_area(
        user,
        report.campaign,
        child.level,
        child.code,
        db.session.get(Hamlet, child.code) if child.level == "hamlet" else None,
    )
    return lambda child: every


def _province_in_country(report: AreaReport):
    """On a ward's page of a national campaign, its province's rank in the country (what a lead
    reports upward besides their ward's rank in the province)."""
    if report.area.level != "ward" or report.campaign.province_code is not None:
        return None
    province = report.area.parent
    return area_report(
        report.campaign, province, report.as_of, report.since, with_trend=False, with_children=False
    ).numbers


def _own_code(user, report: AreaReport):
    """The child the user belongs to, highlighted in the table (their province, their ward)."""
    codes = {"province": access.user_province_code(user), "ward": user.ward_code}
    return codes.get(report.children_level)
