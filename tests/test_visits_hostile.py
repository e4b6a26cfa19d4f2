"""One bad item never costs the batch: any JSON value in any field of a visit, beside valid visits.

The property: no 5xx; every valid item is `created` and stored; every other item is `created`
(and stored) or `invalid` with Vietnamese messages on the fields that were changed. Values that
str.isdigit() or int() or float() take but a count is not ("²", "١٢", "１２", "1_0"), numbers past
every column (10**400) and instants past the calendar (year 1 at +05:00) are in the mix.

Bounded and repeatable in `make test` (25 examples from a fixed seed); `FUZZ_EXAMPLES=300 make
fuzz` runs it with fresh random input.
"""

import re
import uuid

import pytest
import sqlalchemy as sa
from hypothesis import example, given
from hypothesis import strategies as st

from campaign.visits.models import Visit
from campaign.visits.rules import FIELDS
from tests.fuzzing import UNICODE_DIGITS, fuzz_settings
from tests.test_visits_api import count, item, post

# Text a number reader can trip on: digits of other scripts, superscripts, separators, lengths.
TRICKY = [
    *UNICODE_DIGITS,
    " 12 ",
    "12\n",
    "-1",
    "+1",
    "0x1f",
    "1e3",
    "1e400",
    "NaN",
    "Infinity",
    "9" * 25,
    "9" * 5000,
    "0001-01-01T00:00:00+05:00",
    "9999-12-31T23:59:59-05:00",
    "2026-02-30T10:00:00+07:00",
]
NUMBERS = [10**400, -(10**400), 2**63, 2**31, -1, 0, 1e308, -0.0, 1.5, float("inf"), float("nan")]

# Any Unicode but NUL and lone surrogates, which the app refuses for the whole request as no
# database can store them (tests/test_security.py).
ANY_CHARACTER = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from(NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(ANY_CHARACTER, max_size=30),
    st.text(st.characters(whitelist_categories=("Nd", "No", "Nl")), min_size=1, max_size=6),
    st.sampled_from(TRICKY),
    st.uuids().map(str),  # a well-formed client_id or correction that names no visit of mine
)
json_values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(ANY_CHARACTER, max_size=8), children, max_size=3),
        # An installs object with the campaign's app codes, so the per-app counts are read too.
        st.dictionaries(st.sampled_from(["bluezone", "ncovi"]), children, min_size=1, max_size=2),
    ),
    max_leaves=6,
)
# A hostile item: a valid one with some fields replaced (or dropped), or not an object at all.
# Number-like text in the number fields gets a strategy of its own, so that 25 examples reach it.
NUMBER_FIELDS = ("campaign_id", "hamlet_id", "residents", "smartphones", "already_installed", "lat", "lon")
number_text = st.one_of(
    st.sampled_from(TRICKY), st.text(st.characters(whitelist_categories=("Nd", "No")), min_size=1, max_size=4)
)
changes = st.one_of(
    st.dictionaries(st.sampled_from(FIELDS), json_values, min_size=1, max_size=4),
    st.dictionaries(st.sampled_from(NUMBER_FIELDS), number_text, min_size=1, max_size=3),
    st.fixed_dictionaries({"installs": st.dictionaries(st.sampled_from(["bluezone", "ncovi"]), number_text)}),
)
hostile = st.one_of(changes, st.tuples(json_values).map(lambda value: value[0]))


VALID = object()  # marks the valid items of a batch


def is_uuid(value) -> bool:
    try:
        uuid.UUID(value)
    except (TypeError, ValueError, AttributeError):
        return False
    return True


def allowed_error_keys(changed) -> set | None:
    """Where a message may land for an item with these fields changed (None: not an object)."""
    if not isinstance(changed, dict):
        return None
    keys = {"_", *changed, "residents", "smartphones"}  # the count rules answer on residents/smartphones
    if "site_kind" in changed:
        keys.add("household")  # a household needs a house number; a school does not
    installs = changed.get("installs")
    if isinstance(installs, dict):
        keys.update(f"installs.{code}" for code in installs)
    return keys


def hostile_item(field, changed):
    if not isinstance(changed, dict):
        return changed
    base = item(field, household="Số 5")
    base.update(changed)
    return base


@pytest.fixture
def volunteer(field, auth):
    auth.api_login(field.volunteer)
    return field.volunteer


def stored(db, client_id) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(Visit.client_id == client_id)) == 1


def test_any_json_in_any_field_costs_only_its_own_item(field, volunteer, client, db):
    @fuzz_settings
    @given(st.lists(hostile, min_size=1, max_size=4), st.integers(0, 4))
    # What was a 500 for the whole batch: isdigit() took these and int() or float() refused them.
    @example([{"residents": "²"}, {"hamlet_id": "¹²"}, {"installs": {"bluezone": "²"}}, {"lat": 10**400}], 2)
    @example([{"visited_at": "0001-01-01T00:00:00+05:00"}, {"smartphones": "9" * 5000}], 0)
    def run(hostiles, position):
        valid = [item(field, household="Số 1"), item(field, household="Số 2", outcome="already_installed")]
        valid[1].update(installs={}, already_installed=2)
        entries = [(hostile_item(field, changed), changed) for changed in hostiles]
        entries[position:position] = [(v, VALID) for v in valid]
        before = count(db)
        response = post(client, [sent for sent, _changed in entries])
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        results = response.get_json()["results"]
        assert len(results) == len(entries)
        created = 0
        for (sent, changed), result in zip(entries, results, strict=True):
            if changed is VALID:
                assert result == {"client_id": sent["client_id"], "status": "created", "errors": {}}
            if result["status"] == "created":
                created += 1
                assert stored(db, result["client_id"])
                continue
            if result["status"] in ("duplicate", "conflict"):  # a generated UUID that an earlier example sent
                assert is_uuid(changed.get("client_id")), (changed, result)
                continue
            assert result["status"] == "invalid", result
            errors = result["errors"]
            assert errors and all(
                isinstance(messages, list) and messages and all(isinstance(m, str) and m for m in messages)
                for messages in errors.values()
            ), result
            allowed = allowed_error_keys(changed)
            assert (set(errors) == {"_"}) if allowed is None else (set(errors) & allowed), (changed, errors)
        assert count(db) == before + created

    run()


# --- the HTML form: the same values typed (or pasted) into the page --------------------------

# Every number or time the form reads, and text that a reader of numbers trips on.
FORM_FIELDS = (
    "hamlet_id",
    "residents",
    "smartphones",
    "already_installed",
    "install_bluezone",
    "lat",
    "lon",
    "accuracy_m",
    "visited_at",
)
FORM_VALUES = ("²", "١٢", "１２", "1_0", "9" * 5000, "1e400", "0001-01-01T00:00:00+05:00")


@pytest.mark.parametrize("value", FORM_VALUES)
def test_the_visit_form_answers_an_unreadable_number_with_a_message(field, client, auth, db, value):
    from tests.test_visits_pages import form_data

    auth.login(field.volunteer)
    for name in FORM_FIELDS:
        data = form_data(field, **{name: value})
        if name in ("lon", "lat"):  # a centre needs both; the other one is fine
            data.setdefault("lat", "10.03")
            data.setdefault("lon", "105.78")
            data[name] = value
        response = client.post("/visits/new", data=data)
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 400), (name, response.status_code)
        assert "Lượt thăm chưa được lưu. Vui lòng sửa các mục báo lỗi." in page, name
        assert re.search(r'<p class="error" role="alert">[^<]*\w', page), name
    assert count(db) == 0
