"""The text an official pastes into a chat group, in the style of the provinces' own reports:

"Tính đến 16 giờ ngày 13/8/2020, toàn tỉnh có 55.289 người cài đặt Bluezone, đạt 7,54 % dân số,
xếp thứ 50/63 cả nước, tăng 3 bậc so với tuần trước; cần thêm 164.694 người để đạt mục tiêu 30 %
trước 30/8."

Built from the area's report (the same numbers as its page), on the campaign's basis: the rank's
denominator is the number of areas ranked; the figures are exact, never rounded to thousands.
"""

from datetime import datetime, timedelta

from flask_babel import gettext as _

from campaign.coverage.numbers import official_app_code
from campaign.coverage.report import AreaReport
from campaign.i18n import local_today, number, percent


def _day(value, year: bool = True) -> str:
    """13/8/2020 (or 30/8): how the reports write a day, without leading zeros."""
    return f"{value.day}/{value.month}/{value.year}" if year else f"{value.day}/{value.month}"


def _whole(rate: float) -> str:
    """A target as written: 30 %, or 7,5 % when it is not a whole percent."""
    return percent(rate, 0 if round(rate * 100, 6).is_integer() else 1)


def _when(report: AreaReport, now: datetime) -> str:
    if report.as_of == local_today():
        return _("Tính đến %(h)d giờ ngày %(d)s", h=now.hour, d=_day(report.as_of))
    return _("Tính đến hết ngày %(d)s", d=_day(report.as_of))


def _where(level: str) -> str:
    return {
        "country": _("cả nước"),
        "province": _("toàn tỉnh"),
        "ward": _("toàn xã, phường"),
        "hamlet": _("toàn thôn, ấp"),
    }[level]


def _among(level: str) -> str:
    return {"province": _("cả nước"), "ward": _("trong tỉnh"), "hamlet": _("trong xã, phường")}.get(level, "")


def _change(report: AreaReport) -> str:
    since = (
        _("tuần trước")
        if report.since == report.as_of - timedelta(days=7)
        else _("ngày %(d)s", d=_day(report.since))
    )
    change = report.numbers.rank_change
    if change > 0:
        return _("tăng %(n)d bậc so với %(since)s", n=change, since=since)
    if change < 0:
        return _("giảm %(n)d bậc so với %(since)s", n=-change, since=since)
    return _("giữ nguyên hạng so với %(since)s", since=since)


def _app_name(report: AreaReport) -> str:
    code = official_app_code(report.campaign)
    names = {app.code: app.name for app in report.apps}
    if report.campaign.ranking_app_code:
        return names.get(code, code)
    return ", ".join(app.name for app in report.apps)


def text_summary(report: AreaReport, now: datetime) -> str:
    """The summary of an area's report; `now` is the local time it is made at."""
    n, pace, campaign = report.numbers, report.pace, report.campaign
    users = n.basis_users
    if users is None:
        return _(
            "%(when)s, %(where)s chưa có số người dùng chính thức.",
            when=_when(report, now),
            where=_where(n.level),
        )
    if campaign.ranking_app_code:
        found = _("có %(users)s người cài đặt %(app)s", users=number(users), app=_app_name(report))
    else:
        found = _(
            "có %(users)s người dùng %(app)s do tình nguyện viên ghi nhận",
            users=number(users),
            app=_app_name(report),
        )
    parts = [f"{_when(report, now)}, {_where(n.level)} {found}"]
    if n.basis_rate is not None:
        parts.append(_("đạt %(rate)s dân số", rate=percent(n.basis_rate)))
    if n.rank is not None and n.level != "country" and n.ranked_count > 1:  # alone, a rank says nothing
        ranked = _("xếp thứ %(rank)d/%(of)d %(among)s", rank=n.rank, of=n.ranked_count, among=_among(n.level))
        if n.rank_change is not None:
            ranked += ", " + _change(report)
        parts.append(ranked)
    text = ", ".join(parts)
    target = _whole(campaign.target_rate)
    if pace["missing_users"] > 0:
        text += "; " + _(
            "cần thêm %(missing)s người để đạt mục tiêu %(target)s trước %(deadline)s.",
            missing=number(pace["missing_users"]),
            target=target,
            deadline=_day(campaign.deadline, year=False),
        )
    else:
        text += "; " + _("đã đạt mục tiêu %(target)s.", target=target)
    return text
