"""The Ministry's official user counts: imported from CSV or XLSX by a coordinator (own province)
or an admin, and read back as of a day for the area pages and the ranking.

The file has a header and one line per figure: `cap,ma,ngay,ung_dung,nguoi_dung` (or `level,code,
date,app,users`): `cap` is `tinh` or `xa`, `ma` the official code, `ngay` the day (13/08/2020 or
2020-08-13), `ung_dung` the app's code (as campaigns name it, e.g. `bluezone`) and `nguoi_dung` the
count. A figure is one per area, app and day, shared by every campaign tracking the app; importing
the same day again replaces it. An area's figure "as of" D is its latest one on or before D.
"""

from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import imports
from campaign.areas.models import MAX_PROVINCE_POPULATION, MAX_WARD_POPULATION, Province, Ward
from campaign.campaigns.models import CampaignApp
from campaign.coverage.models import OfficialCount
from campaign.coverage.population import LEVEL_WORDS
from campaign.extensions import db
from campaign.i18n import local_today, number, short_date
from campaign.imports import Column
from campaign.types import MAX_ID

COLUMNS = [
    Column("level", ("cap", "cấp", "level")),
    Column("code", ("ma", "mã", "code")),
    Column("day", ("ngay", "ngày", "date", "day")),
    Column("app", ("ung_dung", "ứng dụng", "app")),
    Column("users", ("nguoi_dung", "người dùng", "users")),
]
# A count above the largest population an area may have is a typo or a hostile file.
MAXIMUM = {"province": MAX_PROVINCE_POPULATION, "ward": MAX_WARD_POPULATION}
FIRST_DAY = date(2020, 1, 1)  # no app was counted before this


def read_day(text: str) -> date | None:
    """13/08/2020, 13-8-2020 or 2020-08-13, in ASCII digits; None for anything else."""
    text = text.strip()
    for separator in ("/", "-", "."):
        parts = text.split(separator)
        if len(parts) == 3 and all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
            first, month, last = (int(p) for p in parts)
            year, day = (first, last) if len(parts[0]) == 4 else (last, first)
            try:
                return date(year, month, day)
            except ValueError:
                return None
    return None


def _check(province_code: int | None):
    """The check step of the import: each line's area, day, app and count."""

    def check(parsed: imports.Parsed, plan: imports.Plan) -> None:
        known_apps = set(db.session.scalars(sa.select(CampaignApp.code).distinct()))
        today, seen = local_today(), {}
        for line, cells in parsed.rows:
            level = LEVEL_WORDS.get(cells["level"].lower())
            if level is None:
                plan.error(line, _("cấp “%(v)s” không rõ (tinh hoặc xa).", v=imports.shown(cells["level"])))
                continue
            code, problem = imports.whole_number(cells["code"], _("mã"), maximum=MAX_ID)
            if problem:
                plan.error(line, problem)
                continue
            area = db.session.get(Province if level == "province" else Ward, code)
            if area is None:
                plan.error(line, _("không có khu vực mã %(code)d.", code=code))
                continue
            area_province = area.code if level == "province" else area.province_code
            if province_code is not None and area_province != province_code:
                plan.error(line, _("%(name)s không thuộc tỉnh của bạn.", name=area.name))
                continue
            day = read_day(cells["day"])
            if day is None:
                plan.error(
                    line, _("ngày “%(v)s” không hiểu (ví dụ 13/08/2020).", v=imports.shown(cells["day"]))
                )
                continue
            if not FIRST_DAY <= day <= today:
                plan.error(
                    line,
                    _("ngày %(d)s phải từ %(a)s đến hôm nay.", d=short_date(day), a=short_date(FIRST_DAY)),
                )
                continue
            app = cells["app"].strip().lower()
            if app not in known_apps:
                plan.error(
                    line, _("không có ứng dụng mã “%(v)s” trong chiến dịch nào.", v=imports.shown(app))
                )
                continue
            users, problem = imports.whole_number(cells["users"], _("số người dùng"), maximum=MAXIMUM[level])
            if problem:
                plan.error(line, problem)
                continue
            key = (level, code, app, day)
            if key in seen:
                plan.error(
                    line,
                    _(
                        "%(name)s, ngày %(d)s đã có ở dòng %(other)d.",
                        name=area.name,
                        d=short_date(day),
                        other=seen[key],
                    ),
                )
                continue
            seen[key] = line
            plan.changes.append(key + (users,))
            plan.lines.append(
                (
                    line,
                    _(
                        "%(name)s, %(app)s, ngày %(d)s: %(users)s người dùng",
                        name=area.name,
                        app=app,
                        d=short_date(day),
                        users=number(users),
                    ),
                )
            )

    return check


def _store(changes: list) -> None:
    """Each figure replaces the same area's, app's and day's (one read of those that exist)."""
    existing = {}
    for level in ("province", "ward"):
        codes = {c[1] for c in changes if c[0] == level}
        if codes:
            rows = db.session.scalars(
                sa.select(OfficialCount).where(OfficialCount.level == level, OfficialCount.code.in_(codes))
            )
            existing.update({(r.level, r.code, r.app_code, r.day): r for r in rows})
    for level, code, app, day, users in changes:
        row = existing.get((level, code, app, day))
        if row is None:
            db.session.add(OfficialCount(level=level, code=code, app_code=app, day=day, users=users))
        else:
            row.users = users
    db.session.flush()


def import_official(upload, province_code: int | None, *, apply: bool) -> imports.Plan:
    """Preview (apply=False) or store (apply=True) a file of official counts; `province_code`
    limits a coordinator to their province (None for an admin)."""
    return imports.preview_or_apply(upload, COLUMNS, _check(province_code), _store, apply=apply)


def figures(
    app_code: str, level: str, days: tuple[date, ...], province_code: int | None = None
) -> tuple[dict[int, int], ...]:
    """For each day D of `days`, {area code: users} of the areas of a level with a figure on or
    before D (the latest one); with `province_code`, the wards of that province only.

    Each area's latest figure is a subquery on the unique (level, code, app, day) index, read
    backwards from D: one short index read per area and day, in one query for all the days,
    where a GROUP BY over the figures reads every figure of every area (PostgreSQL's planner
    prefers that scan at default settings)."""
    area = Province.code if level == "province" else Ward.code

    def latest(day: date):
        return (
            sa.select(OfficialCount.users)
            .where(
                OfficialCount.level == level,
                OfficialCount.code == area,
                OfficialCount.app_code == app_code,
                OfficialCount.day <= day,
            )
            .order_by(OfficialCount.day.desc())
            .limit(1)
            .scalar_subquery()
        )

    query = sa.select(area, *[latest(day) for day in days])
    if level == "ward" and province_code is not None:
        query = query.where(Ward.province_code == province_code)
    result: tuple[dict[int, int], ...] = tuple({} for _ in days)
    for code, *users in db.session.execute(query):
        for found, figure in zip(result, users, strict=True):
            if figure is not None:
                found[code] = figure
    return result
