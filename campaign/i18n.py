"""Language, timezone and the number/date formats every page and export uses.

Vietnamese is the source language of every string; English is a translation.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache

import sqlalchemy as sa
from babel import Locale
from babel.numbers import LC_NUMERIC, NumberPattern, parse_pattern
from flask import current_app, has_request_context, request, session
from flask_babel import format_date as babel_format_date
from flask_babel import format_datetime as babel_format_datetime
from flask_babel import get_locale

from campaign.extensions import db

# Vietnam has no daylight saving time; a fixed offset avoids a tzdata lookup on hot paths.
VN_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # the command line speaks the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = session.get("lang") or request.cookies.get("lang")
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def local_today() -> date:
    return datetime.now(VN_TZ).date()


def local_day(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()


def local_day_sql(column):
    """`local_day` in SQL, for a stored UTC timestamp column (VN_TZ has a fixed offset)."""
    hours = int(VN_TZ.utcoffset(None).total_seconds()) // 3600
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.cast(column + sa.text(f"interval '{hours} hours'"), sa.Date)
    return sa.func.date(column, f"+{hours} hours", type_=sa.Date)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a local day starts and the next one starts."""
    start = datetime(day.year, day.month, day.day, tzinfo=VN_TZ)
    # The first and last days a date can name (0001-01-01, 9999-12-31) have no UTC instant on
    # one side: clamp to the extremes rather than fail.
    try:
        first = start.astimezone(UTC)
    except OverflowError:
        first = datetime.min.replace(tzinfo=UTC)
    try:
        last = (start + timedelta(days=1)).astimezone(UTC)
    except OverflowError:
        last = datetime.max.replace(tzinfo=UTC)
    return first, last


# A page formats hundreds of figures: each pattern is parsed once, not on every call (Babel's
# format_decimal and format_percent parse it each time).
@cache
def _pattern(text: str) -> NumberPattern:
    return parse_pattern(text)


def _format(value, text: str) -> str:
    """Babel's format_decimal / format_percent with the request's locale, exactly."""
    locale = get_locale() or Locale.parse(LC_NUMERIC)  # outside an app: Babel's own default
    if type(value) is int and text == "#,##0":  # whole numbers: Python groups them as Babel does
        symbols = locale.number_symbols["latn"]
        return f"{value:,}".replace(",", symbols["group"]).replace("-", symbols["minusSign"])
    return _pattern(text).apply(
        value, locale, decimal_quantization=True, group_separator=True, numbering_system="latn"
    )


def number(value, digits: int = 0) -> str:
    """55.289 in Vietnamese, 55,289 in English."""
    if value is None:
        return "–"
    return _format(value, "#,##0" + ("." + "0" * digits if digits else ""))


def percent(rate, digits: int = 2) -> str:
    """7,54 % in Vietnamese."""
    if rate is None:
        return "–"
    return _format(rate, "#,##0" + ("." + "0" * digits if digits else "") + " %")


def short_date(value) -> str:
    """30/08/2026."""
    if value is None:
        return "–"
    return babel_format_date(value, format="dd/MM/yyyy")


# Dates and times as every page shows them, in either language; the outbox (static/js/app.js)
# reads the same patterns from the page, so that a time looks the same on the server and the phone.
DATE_TIME_PATTERN = "dd/MM/yyyy HH:mm"


def date_time(value) -> str:
    """30/08/2026 14:05, in Vietnam's time."""
    if value is None:
        return "–"
    return babel_format_datetime(value, format=DATE_TIME_PATTERN)


def time_format() -> dict:
    """The pattern and the time zone of `date_time`, for the page's scripts."""
    return {"pattern": DATE_TIME_PATTERN, "timeZone": current_app.config["BABEL_DEFAULT_TIMEZONE"]}


def local_iso(moment: datetime) -> str:
    """An instant as the API writes a visit's time: ISO 8601 with Vietnam's offset (+07:00)."""
    return moment.astimezone(VN_TZ).isoformat()


def register_filters(app) -> None:
    app.jinja_env.filters.update(number=number, percent=percent, short_date=short_date, date_time=date_time)
    app.jinja_env.globals.update(current_locale=get_locale, time_format=time_format)
