"""The page filters `number` and `percent` format like Babel, exactly, in both languages: they
take a shortcut past Babel's per-call locale lookups, and these values are where it could slip
(rounding half to even, carries into a new group, zero, signs, huge and tiny values)."""

import random

import pytest
from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale, get_locale

from campaign.i18n import number, percent

EDGES = [
    0,
    0.0,
    -0.0,
    1,
    -1,
    0.5,
    0.125,
    0.135,
    0.00005,
    0.000049999,
    0.99995,
    0.999949,
    0.0754,
    0.07545,
    0.07535,
    1 / 3,
    2 / 3,
    9.995,
    999.995,
    999999.5,
    1234567.891,
    -0.0754,
    -1234.5,
    1e-12,
    1e15,
    12345678901234.5,
    float("inf"),
    float("-inf"),
]


def pattern(digits: int, suffix: str = "") -> str:
    return "#,##0" + ("." + "0" * digits if digits else "") + suffix


@pytest.mark.parametrize("language", ["vi", "en"])
def test_number_and_percent_match_babel(app, language):
    rng = random.Random(14)
    values = EDGES + [rng.random() for _ in range(300)] + [rng.uniform(0, 1e7) for _ in range(300)]
    values += [rng.randint(-(10**9), 10**9) for _ in range(100)]
    values += [round(rng.random(), 4) for _ in range(300)]  # many exact halves after scaling
    with app.test_request_context("/"), force_locale(language):
        locale = get_locale()
        for value in values:
            for digits in (0, 1, 2):
                exact = {"decimal_quantization": True, "group_separator": True, "locale": locale}
                assert number(value, digits) == format_decimal(value, pattern(digits), **exact), (
                    value,
                    digits,
                )
                assert percent(value, digits) == format_percent(value, pattern(digits, " %"), **exact), (
                    value,
                    digits,
                )


def test_the_filters_read_the_request_language(app):
    with app.test_request_context("/"):
        with force_locale("vi"):
            assert (percent(0.07545), number(1234567.5, 1)) == ("7,54 %", "1.234.567,5")
        with force_locale("en"):
            assert (percent(0.07545), number(1234567.5, 1)) == ("7.54 %", "1,234,567.5")
