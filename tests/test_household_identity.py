"""One door, one household: labels that differ only by case, width or spaces are one household,
on every path that finds a household by its label, and the migration merges old duplicates."""

import unicodedata
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign import create_app
from campaign.areas.models import Household, label_key
from campaign.areas.services import load_official_areas
from campaign.auth.models import Role
from campaign.coverage import recount
from campaign.coverage.models import HamletTotal
from campaign.extensions import db as _db
from campaign.visits.models import Visit
from campaign.visits.storing import household_ids
from tests.conftest import PASSWORD, base_config
from tests.test_imports import upload
from tests.test_visits_api import item, post
from tests.test_visits_pages import form_data

FOUR = ["Số 3", "SỐ 3", "số 3", "Số ３"]


def households(db) -> list[tuple[str, bool]]:
    return (
        db.session.execute(sa.select(Household.label, Household.listed).order_by(Household.id)).tuples().all()
    )


def reached(db, campaign) -> int:
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(HamletTotal.households_reached), 0)).where(
            HamletTotal.campaign_id == campaign.id
        )
    )


def test_the_four_labels_are_one_household_on_the_api(field, auth, client, db):
    auth.api_login(field.volunteer)
    first = post(client, [item(field, household=FOUR[0])])
    assert first.get_json()["results"][0]["status"] == "created"
    # in one batch with each other, and after the first one was stored
    response = post(client, [item(field, household=label) for label in FOUR[1:]])
    assert [r["status"] for r in response.get_json()["results"]] == ["created"] * 3
    assert households(db) == [("Số 3", False)]  # the label as first typed
    assert db.session.scalar(sa.select(sa.func.count(sa.distinct(Visit.household_id)))) == 1
    assert reached(db, field.campaign) == 1
    assert recount.mismatches(field.campaign.id) == []


def test_the_four_labels_are_one_household_on_the_form(field, auth, client, db):
    auth.login(field.volunteer)
    for label in FOUR:
        response = client.post(
            "/visits/new", data=form_data(field, client_id=str(uuid.uuid4()), household=label)
        )
        assert response.status_code == 302
    assert households(db) == [("Số 3", False)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Visit)) == 4


def test_the_household_list_knows_a_label_in_another_form(field, auth, client, db):
    auth.api_login(field.volunteer)
    post(client, [item(field, household="Số 3")])
    auth.api_login(field.lead)
    url = f"/api/v1/hamlets/{field.hamlet.id}/households/import"
    response = upload(client, url, "Số nhà\nSỐ 3\nsố  4\n")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert households(db) == [("Số 3", True), ("số 4", True)]
    # two lines of one list that are one door are a duplicate line
    response = upload(client, url, "Số nhà\nSố 5\nSỐ ５\n")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["rows"] == ["Dòng 3: số nhà “SỐ ５” trùng với dòng 2."]
    assert len(households(db)) == 2


# Vietnamese house labels: digits, letters with diacritics, "/", "-", spaces.
BASE = st.text(
    alphabet="0123456789abcdđeghiklmnoôơpqrstuưvxyáàảãạốồổỗộ/- Số", min_size=1, max_size=10
).filter(lambda s: s.strip())
SPACES = st.text(alphabet=" \u00a0\u3000\t\u2009", min_size=1, max_size=3)


@st.composite
def variant(draw, base: str) -> str:
    """The same label as someone else might type it: case, full-width forms, decomposed
    diacritics, other spaces and more of them."""
    out = [draw(st.sampled_from(["", " ", "\u3000"]))]
    for char in base:
        if char == " ":
            out.append(draw(SPACES))
            continue
        form = draw(st.sampled_from(["same", "upper", "lower", "wide", "decomposed"]))
        if form == "upper":
            char = char.upper()
        elif form == "lower":
            char = char.lower()
        elif form == "wide" and "!" <= char <= "~":
            char = chr(ord(char) + 0xFEE0)
        elif form == "decomposed":
            char = unicodedata.normalize("NFD", char)
        out.append(char)
    out.append(draw(st.sampled_from(["", " ", "\t"])))
    return "".join(out)


@st.composite
def label_and_variants(draw):
    base = draw(BASE)
    return base, draw(st.lists(variant(base), min_size=1, max_size=4))


@given(label_and_variants())
def test_every_variant_has_the_label_key(case):
    base, variants = case
    assert {label_key(v) for v in variants} == {label_key(base)}
    assert label_key(label_key(base)) == label_key(base)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=label_and_variants())
def test_every_variant_finds_one_household(field, db, case):
    base, variants = case
    clean = " ".join(base.split())
    ids = household_ids(
        {(field.hamlet.id, clean)} | {(field.hamlet.id, " ".join(v.split())) for v in variants}
    )
    assert len(set(ids.values())) == 1
    stored = db.session.scalars(
        sa.select(Household.label).where(Household.hamlet_id == field.hamlet.id)
    ).all()
    assert [label_key(label) for label in stored] == [label_key(clean)]
    db.session.rollback()


# --- the migration ------------------------------------------------------------------------------

OLD = "5c1e7a9d2b40"


def migrate_duplicates(url, make_campaign, make_hamlet, make_team, make_user):
    """Four households of one door on the old schema, with visits, claims and their summary; then
    the migration. Returns what a user would see afterwards."""
    from flask_migrate import downgrade

    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        load_official_areas()
        _db.session.commit()
        campaign = make_campaign()
        hamlet = make_hamlet()
        team = make_team(campaign=campaign, hamlets=[hamlet])
        volunteer = make_user(Role.VOLUNTEER, team=team)
        client = app.test_client()
        client.post("/api/v1/session", json={"username": volunteer.username, "password": PASSWORD})
        now = datetime.now(UTC)

        class F:
            pass

        f = F()
        f.campaign, f.hamlet = campaign, hamlet
        outcomes = [("not_home", 1), ("installed", 72), ("installed", 26), ("refused", 2)]
        batch = [
            item(
                f,
                household=f"tạm {n}",
                outcome=outcome,
                visited_at=(now - timedelta(hours=hours)).isoformat(),
            )
            for n, (outcome, hours) in enumerate(outcomes)
        ]
        batch.append(item(f, household="Số 9", outcome="installed"))
        results = post(client, batch).get_json()["results"]
        assert [r["status"] for r in results] == ["created"] * 5
        assert reached(_db, campaign) == 4
        by_label = dict(_db.session.execute(sa.select(Household.label, Household.id)).tuples().all())
        ids = [by_label[f"tạm {n}"] for n in range(4)] + [by_label["Số 9"]]
        campaign_id, hamlet_id, volunteer_id = campaign.id, hamlet.id, volunteer.id
        _db.session.commit()
        _db.session.remove()

        downgrade(revision=OLD)
        with _db.engine.begin() as conn:
            for household_id, label in zip(ids, FOUR, strict=False):
                conn.execute(
                    sa.text("UPDATE household SET label = :label, listed = :listed WHERE id = :id"),
                    {"label": label, "listed": label == "SỐ 3", "id": household_id},
                )
            today = datetime.now(UTC).date()
            for household_id in ids[1:3]:  # the same claim twice, once per duplicate
                conn.execute(
                    sa.text(
                        "INSERT INTO claim (campaign_id, household_id, volunteer_id, day, created_at) "
                        "VALUES (:c, :h, :v, :d, :t)"
                    ),
                    {
                        "c": campaign_id,
                        "h": household_id,
                        "v": volunteer_id,
                        "d": today,
                        "t": now.replace(tzinfo=None),
                    },
                )
        upgrade()

        seen = {
            "households": households(_db),
            "visits": _db.session.execute(
                sa.select(Visit.household_id, sa.func.count())
                .group_by(Visit.household_id)
                .order_by(Visit.household_id)
            )
            .tuples()
            .all(),
            "claims": _db.session.execute(sa.text("SELECT household_id FROM claim")).scalars().all(),
            "reached": _db.session.scalar(
                sa.select(HamletTotal.households_reached).where(HamletTotal.hamlet_id == hamlet_id)
            ),
            "check": app.test_cli_runner().invoke(args=["check-totals"]).output,
            "ids": ids,
        }
        # The new unique key holds: another form of the label finds the kept household.
        assert household_ids({(hamlet_id, "số ３")}) == {(hamlet_id, "số ３"): ids[0]}
        _db.session.rollback()
        _db.session.remove()
        _db.engine.dispose()
    return seen


def check_merged(seen):
    ids = seen["ids"]
    assert sorted(seen["households"]) == [("Số 3", True), ("Số 9", False)]
    assert sorted(seen["visits"]) == sorted([(ids[0], 4), (ids[4], 1)])
    assert seen["claims"] == [ids[0]]
    assert seen["reached"] == 2  # "Số 3" once (not three times), "Số 9"
    assert "Totals agree with the visits" in seen["check"], seen["check"]


def test_the_migration_merges_duplicates_on_sqlite(
    tmp_path, make_campaign, make_hamlet, make_team, make_user
):
    check_merged(
        migrate_duplicates(
            f"sqlite:///{tmp_path / 'merge.sqlite3'}", make_campaign, make_hamlet, make_team, make_user
        )
    )


def test_the_migration_merges_duplicates_on_postgresql(
    scratch_postgres_url, make_campaign, make_hamlet, make_team, make_user
):
    check_merged(migrate_duplicates(scratch_postgres_url, make_campaign, make_hamlet, make_team, make_user))


@pytest.mark.parametrize("label", FOUR)
def test_label_key_of_the_four(label):
    assert label_key(label) == "số 3"
