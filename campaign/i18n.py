"""Language, timezone and the number/date formats every page and export uses.

Vietnamese is the source language of every string; English is a translation.
"""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
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


@cache
def _symbols(locale: Locale) -> tuple[str, str, dict]:
    """The locale's group and minus signs as Babel's get_*_symbol read them, and a table that
    turns Python's grouping comma and decimal point into the locale's signs."""
    symbols = locale.number_symbols["latn"]
    group, decimal_sign = symbols.get("group", ","), symbols.get("decimal", ".")
    return group, symbols.get("minusSign", "-"), str.maketrans({",": group, ".": decimal_sign})


@cache
def _plain(text: str) -> tuple[str, bool, str] | None:
    """(Python's format spec, percent, suffix) of a pattern as our filters write them ("#,##0",
    "#,##0.0", "#,##0.00 %": grouped by three, a fixed number of decimals), None for any other."""
    pattern = _pattern(text)
    low, high = pattern.frac_prec
    plain = (
        pattern.prefix[0] == ""
        and not pattern.exp_prec
        and "@" not in pattern.pattern
        and pattern.grouping == (3, 3)
        and pattern.int_prec[0] == 1
        and low == high
        and pattern.scale in (0, 2)
        and not any(sign in pattern.suffix[0] for sign in "'¤")
    )
    if not plain:
        return None
    return f",.{high}{'%' if pattern.scale else 'f'}", bool(pattern.scale), pattern.suffix[0]


def _format(value, text: str, locale: Locale | None) -> str:
    """Babel's format_decimal / format_percent in `locale` (None: the request's), exactly.

    For a positive number and our patterns, Babel's steps (Decimal(str(value)), scaled by 100
    for a percent, rounded half to even in the decimal context, grouped by three) are Python's
    own Decimal formatting, without Babel's per-call lookups of the locale's data (a page
    formats hundreds of figures). Negative, huge or infinite values and other patterns go
    through Babel itself."""
    locale = locale or get_locale() or Locale.parse(LC_NUMERIC)  # outside an app: Babel's default
    group, minus, signs = _symbols(locale)
    kind = type(value)
    if kind is int and text == "#,##0":  # whole numbers: Python groups them as Babel does
        return f"{value:,}".replace(",", group).replace("-", minus)
    if (kind is int or kind is float) and 0 <= value < 1e15:
        plain = _plain(text)
        written = str(value)
        if plain is not None and written[0] != "-":  # -0.0 is Babel's
            spec, percent_sign, suffix = plain
            figure = format(Decimal(written), spec)
            return (figure[:-1] if percent_sign else figure).translate(signs) + suffix
    return _pattern(text).apply(
        value, locale, decimal_quantization=True, group_separator=True, numbering_system="latn"
    )


def number(value, digits: int = 0, *, locale: Locale | None = None) -> str:
    """55.289 in Vietnamese, 55,289 in English. A table that formats hundreds of figures reads
    the request's `locale` once and passes it."""
    if value is None:
        return "–"
    return _format(value, "#,##0" + ("." + "0" * digits if digits else ""), locale)


def percent(rate, digits: int = 2, *, locale: Locale | None = None) -> str:
    """7,54 % in Vietnamese."""
    if rate is None:
        return "–"
    return _format(rate, "#,##0" + ("." + "0" * digits if digits else "") + " %", locale)


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
