"""The one strict reader of counts, ids and codes: ASCII digits only, bounded, everywhere text
becomes a number (forms, files, query strings, URL segments, JSON strings)."""

import pytest
import sqlalchemy as sa

from campaign import numbers
from campaign.campaigns.models import TeamHamlet
from campaign.types import MAX_ID, db_id
from tests.conftest import NINH_KIEU
from tests.fuzzing import UNICODE_DIGITS

NOT_WHOLE = [*UNICODE_DIGITS, "0x1f", "1e3", "12.5", "-3", "+3", "", " ", "x", "NaN"]


@pytest.mark.parametrize("text", NOT_WHOLE)
def test_only_ascii_digits_are_a_whole_number(text):
    with pytest.raises(numbers.NotWhole):
        numbers.whole_number(text, 10**6)


@pytest.mark.parametrize("text", ["9" * 25, "9" * 5000, str(MAX_ID + 1), str(2**63)])
def test_a_number_past_the_maximum_is_too_big_and_never_built(text):
    with pytest.raises(numbers.TooBig):
        numbers.whole_number(text, MAX_ID)


def test_what_a_person_types_is_read():
    assert numbers.whole_number(" 12 ", 100) == 12
    assert numbers.whole_number("007", 100) == 7
    assert numbers.whole_number(str(MAX_ID), MAX_ID) == MAX_ID
    assert numbers.whole_number("1.250", 10**6, grouped=True) == 1250
    assert numbers.whole_number("1 250 000", 10**7, grouped=True) == 1_250_000
    with pytest.raises(numbers.NotWhole):
        numbers.whole_number("1.250", 10**6)  # an id has no thousands marks
    with pytest.raises(numbers.Negative):
        numbers.whole_number("-4", 10)


@pytest.mark.parametrize("text", [*NOT_WHOLE[:8], "9" * 25, "0"])
def test_db_id_refuses_what_is_no_row_id(text):
    with pytest.raises(ValueError):
        db_id(text)


@pytest.mark.parametrize("text", ["١٢", "1_0", "nan", "inf", "1e999", "9" * 400, "10,5", ""])
def test_decimals_are_ascii_and_finite(text):
    with pytest.raises(ValueError):
        numbers.decimal(text)


def test_decimals_as_written():
    assert numbers.decimal("10.03") == 10.03
    assert numbers.decimal("10,03", comma=True) == 10.03
    assert numbers.decimal("1e-7") == 1e-7
    assert numbers.decimal("-105.5") == -105.5


@pytest.mark.parametrize("segment", ["１２", "١٢", "9" * 25, str(MAX_ID + 1)])
def test_an_id_in_a_url_is_ascii_and_bounded(field, client, auth, segment):
    """`<int:…>` routes and the area pages' codes: a 404, never another area or a 500."""
    auth.login(field.admin)
    for path in (
        f"/wards/{segment}/hamlets",
        f"/hamlets/{segment}/households",
        f"/coverage/ward/{segment}",
        f"/coverage/hamlet/{segment}/trend.svg",
        f"/api/v1/areas/province/{segment}/summary?campaign_id={field.campaign.id}",
    ):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("value", ["²", "١٢", "9" * 25])
def test_a_team_choice_that_is_no_id_is_refused_with_a_message(field, client, auth, db, value):
    auth.login(field.lead)
    response = client.post(
        f"/wards/{NINH_KIEU}/assignments",
        data={"campaign_id": str(field.campaign.id), f"hamlet-{field.hamlet.id}": value},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "Đội và thôn/ấp phải thuộc phường/xã này." in response.get_data(as_text=True)
    team = db.session.scalar(sa.select(TeamHamlet.team_id).where(TeamHamlet.hamlet_id == field.hamlet.id))
    assert team == field.team.id


@pytest.mark.parametrize("value", ["²", "١٢", "１２", "9" * 5000, str(2**31)])
def test_hamlet_form_counts_are_strict_and_bounded(field, client, auth, db, value):
    from campaign.areas.models import Hamlet

    auth.login(field.lead)
    for name in ("households", "population"):
        data = {"name": "Ấp Mới", "kind": "ap", "households": "10", "population": "40", name: value}
        response = client.post(f"/wards/{NINH_KIEU}/hamlets", data=data)
        assert response.status_code == 422, name
        page = response.get_data(as_text=True)
        assert any(m in page for m in ("Hãy nhập một số nguyên.", "Số quá lớn.", "phải từ 0 đến")), name
    assert db.session.scalar(sa.select(Hamlet).where(Hamlet.name == "Ấp Mới")) is None


def test_a_household_label_with_a_superscript_digit_sorts_on_the_household_page(field, client, auth, db):
    from tests.test_visits_api import item, post

    auth.api_login(field.volunteer)
    labels = ["Số 10", "Số 1²", "Số 2"]
    results = post(client, [item(field, household=label) for label in labels]).get_json()["results"]
    assert [r["status"] for r in results] == ["created"] * 3
    auth.login(field.lead)
    response = client.get(f"/hamlets/{field.hamlet.id}/households?campaign={field.campaign.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.index("Số 1²") < page.index("Số 2") < page.index("Số 10")
