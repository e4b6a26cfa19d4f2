"""The day's report that a ward or a province sends upward, as XLSX: a title block, a row per
child area (population, users, rate, target, gap, needed per day, rank, change) and a totals row,
on the campaign's basis, from the same report as the area page."""

from datetime import datetime

from flask_babel import gettext as _

from campaign.coverage.exports import INTEGER, LEVEL_LABELS, PERCENT
from campaign.coverage.numbers import Numbers
from campaign.coverage.report import AreaReport, pace
from campaign.i18n import date_time, percent, short_date
from campaign.spreadsheets import Column, Table


def _row(report: AreaReport, numbers: Numbers, *, totals: bool = False) -> list:
    figures = pace(report.campaign, numbers, report.as_of)
    return [
        _("Tổng") if totals else numbers.name,
        numbers.population,
        numbers.basis_users,
        numbers.basis_rate,
        figures["target_users"],
        figures["missing_users"],
        figures["needed_per_day"],
        None if totals else numbers.rank,
        None if totals else numbers.rank_change,
    ]


def daily_table(report: AreaReport, made_by: str, made_at: datetime) -> Table:
    level = report.children_level or report.area.level
    columns = [
        Column(str(LEVEL_LABELS[level])),
        Column(_("Dân số"), INTEGER),
        Column(_("Người dùng"), INTEGER),
        Column(_("Tỉ lệ"), PERCENT),
        Column(_("Mục tiêu (người)"), INTEGER),
        Column(_("Còn thiếu"), INTEGER),
        Column(_("Cần mỗi ngày"), INTEGER),
        Column(_("Hạng"), INTEGER),
        Column(_("Thay đổi hạng"), INTEGER),
    ]
    rows = report.children if report.children_level else [report.numbers]
    basis = (
        _("số người dùng chính thức của %(app)s", app=report.campaign.ranking_app_code)
        if report.campaign.ranking_app_code
        else _("số người dùng tình nguyện viên tìm được")
    )
    # A label and its value in cells of their own: names that people typed stay whole cells.
    heading = [
        [_("Báo cáo độ phủ"), report.area.name],
        [_("Chiến dịch"), report.campaign.name],
        [_("Tính đến hết ngày"), short_date(report.as_of)],
        [_("So hạng với ngày"), short_date(report.since)],
        [_("Theo"), basis],
        [
            _("Mục tiêu"),
            f"{percent(report.campaign.target_rate, 0)} · {short_date(report.campaign.deadline)}",
        ],
        [_("Người lập"), made_by],
        [_("Lập lúc"), date_time(made_at)],
    ]
    return Table(
        title=_("Báo cáo"),
        columns=columns,
        rows=[_row(report, n) for n in rows],
        freeze="B2",
        heading=heading,
        totals=_row(report, report.numbers, totals=True),
        print_a4=True,
    )
