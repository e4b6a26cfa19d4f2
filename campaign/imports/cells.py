"""Reading one cell: each parser returns (value, error message or None)."""

from flask_babel import gettext as _

from campaign import numbers
from campaign.i18n import number as format_number


def shown(text: str, limit: int = 30) -> str:
    """A cell as a message quotes it: a 100,000-digit cell is not repeated whole."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def whole_number(text: str, label: str, *, maximum: int, required: bool = True):
    """A count from 0 to `maximum` ("1.250" is 1250), read by the one strict reader: ASCII digits."""
    text = text.strip()
    if not text:
        return (None, _("thiếu %(label)s.", label=label)) if required else (None, None)
    try:
        return numbers.whole_number(text, maximum, grouped=True), None
    except numbers.TooBig:
        return None, _(
            "%(label)s %(text)s lớn quá mức (tối đa %(maximum)s).",
            label=label,
            text=shown(text),
            maximum=format_number(maximum),
        )
    except numbers.NotWhole:
        return None, _("%(label)s “%(text)s” không phải số nguyên không âm.", label=label, text=shown(text))


def decimal(text: str, label: str, low: float, high: float):
    if not text:
        return None, None
    try:
        value = numbers.decimal(text, comma=True)
    except ValueError:
        return None, _("%(label)s “%(text)s” không phải số.", label=label, text=shown(text))
    if not low <= value <= high:
        return None, _(
            "%(label)s phải nằm trong khoảng %(low)s đến %(high)s.", label=label, low=low, high=high
        )
    return value, None
