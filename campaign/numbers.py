"""The one strict reader of whole numbers written as text: counts, ids and codes from forms, files,
query strings and JSON.

`str.isdigit()` and `int()` take far more than a person types as a number: "²" passes isdigit()
and fails int(); "١٢", "１２" and "1_000" pass int(); int("9" * 5000) raises; a 25-digit code
overflows the database's integers. Here a number is ASCII digits only, and never above a maximum
that the caller names, so what comes out always fits the column it is meant for.
"""

import math
import re

_DIGITS = re.compile(r"[0-9]+")
_NEGATIVE = re.compile(r"-[0-9]+")
# Thousands grouped as Vietnamese files and forms write them: 1.250, 1,250 or 1 250.
GROUPED = re.compile(r"[0-9]{1,3}(?:[., ][0-9]{3})+")
_MARKS = re.compile(r"[., ]")
# A decimal as a form or a file writes it (and as JavaScript prints a coordinate: 1e-7).
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?")

# Errors a single item's value can raise while it is parsed or checked. One item's value is that
# item's field error; anything else is a bug and fails the request.
ITEM_ERRORS = (ValueError, TypeError, OverflowError, UnicodeError)


class NotWhole(ValueError):
    """Not a whole number of ASCII digits (a ValueError, so `request.args.get(type=...)` drops it)."""


class Negative(NotWhole):
    """A minus sign before the digits."""


class TooBig(ValueError):
    """A whole number above the maximum."""


def whole_number(text, maximum: int, *, grouped: bool = False) -> int:
    """`text` (surrounding spaces allowed) as an int from 0 to `maximum`.

    With `grouped`, thousands marks are read ("1.250" is 1250). Raises NotWhole (or Negative)
    for anything else, TooBig above `maximum`; never builds an int longer than `maximum`.
    """
    if not isinstance(text, str):
        raise NotWhole(type(text).__name__)
    text = text.strip()
    if grouped and GROUPED.fullmatch(text):
        text = _MARKS.sub("", text)
    if not _DIGITS.fullmatch(text):
        raise Negative(text) if _NEGATIVE.fullmatch(text) else NotWhole(text)
    digits = text.lstrip("0") or "0"
    if len(digits) > len(str(maximum)) or int(digits) > maximum:
        raise TooBig(text)
    return int(digits)


def decimal(text, *, comma: bool = False) -> float:
    """`text` as a finite float, ASCII digits only (float() also takes "١٢", "1_0", "nan" and
    "inf"). With `comma`, a comma is the decimal mark (7,54). Raises ValueError for anything else."""
    if not isinstance(text, str):
        raise ValueError(type(text).__name__)
    text = text.strip()
    if comma:
        text = text.replace(",", ".")
    if not _DECIMAL.fullmatch(text):
        raise ValueError(text)
    value = float(text)
    if not math.isfinite(value):  # 1e999
        raise ValueError(text)
    return value
