"""The children table of an area as CSV and XLSX, with Vietnamese headers and number formats."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from campaign.coverage.numbers import Numbers
from campaign.coverage.report import AreaReport
from campaign.spreadsheets import Column, Table
from campaign.vocabulary import OUTCOMES

# The page's outcome rows read the one vocabulary under this name (coverage/views.py).
OUTCOME_LABELS = OUTCOMES
LEVEL_LABELS = {
    "country": _l("Cả nước"),
    "province": _l("Tỉnh, thành phố"),
    "ward": _l("Xã, phường"),
    "hamlet": _l("Thôn, ấp, khu phố"),
}

INTEGER, PERCENT, DECIMAL = "#,##0", "0.00%", "#,##0.00"


def columns(report: AreaReport) -> list[tuple[str, str | None, object]]:
    """(header, number format, value of a row) for every column of the table."""
    target = report.campaign.target_rate
    result = [
        (_("Hạng"), INTEGER, lambda n: n.rank),
        (_("Thay đổi hạng"), INTEGER, lambda n: n.rank_change),
        (str(LEVEL_LABELS[report.children_level or report.area.level]), None, lambda n: n.name),
        (_("Mã"), None, lambda n: n.code),
        (_("Dân số"), INTEGER, lambda n: n.population),
        (_("Số hộ"), INTEGER, lambda n: n.households),
        (_("Hộ đã đến"), INTEGER, lambda n: n.households_reached),
        (_("Tỉ lệ hộ đã đến"), PERCENT, lambda n: n.households_reached_rate),
        (_("Lượt gõ cửa"), INTEGER, lambda n: n.visits),
        (_("Người dùng đã biết"), INTEGER, lambda n: n.known_users),
        (_("Tỉ lệ người dùng"), PERCENT, lambda n: n.user_rate),
        (_("So với mục tiêu"), PERCENT, lambda n: n.user_rate / target if n.user_rate is not None else None),
        (_("Người dùng chính thức"), INTEGER, lambda n: n.official_users),
        (_("Tỉ lệ người dùng chính thức"), PERCENT, lambda n: n.official_rate),
        (_("Tình nguyện viên tìm được / số chính thức"), PERCENT, lambda n: n.found_share),
    ]
    for app in report.apps:
        result.append(
            (
                _("Cài %(app)s", app=app.name),
                INTEGER,
                lambda n, app_id=app.id: n.installs_by_app.get(app_id, 0),
            )
        )
    window = report.pace["window_days"]
    result.append(
        (_("Người dùng mới mỗi ngày (7 ngày)"), DECIMAL, lambda n: round(n.gained_window / window, 2))
    )
    for name, label in OUTCOMES.items():
        result.append((str(label), INTEGER, lambda n, name=name: n.outcomes[name]))
    return result


def table_rows(report: AreaReport) -> list[Numbers]:
    return report.children if report.children_level else [report.numbers]


def table(report: AreaReport) -> Table:
    """The table for spreadsheets.download. CSV writes shares as plain fractions (0.0754)."""
    cols = columns(report)
    return Table(
        title=_("Độ phủ"),
        columns=[
            Column(header, fmt, csv_text=(lambda v: f"{v:.4f}") if fmt == PERCENT else None)
            for header, fmt, _v in cols
        ],
        rows=[[value(row) for _h, _f, value in cols] for row in table_rows(report)],
        freeze="D2",
    )
