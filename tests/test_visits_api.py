"""The phone's API: batches stored once, conflicts kept, bad items alone, scope, bad input."""

import uuid
from datetime import UTC, datetime, timedelta

import flask
import pytest
import sqlalchemy as sa

from campaign.areas.models import Household
from campaign.auth.models import Role
from campaign.coverage.models import HamletDay, HamletDayApp
from campaign.visits.models import Visit, VisitConflict, VisitInstall


def item(field, **overrides):
    base = {
        "client_id": str(uuid.uuid4()),
        "campaign_id": field.campaign.id,
        "hamlet_id": field.hamlet.id,
        "household": "Số 12",
        "site_kind": "household",
        "outcome": "installed",
        "residents": 4,
        "smartphones": 3,
        "already_installed": 1,
        "installs": {"bluezone": 2},
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
    }
    base.update(overrides)
    return base


def count(db, model=Visit):
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def post(client, visits):
    return client.post("/api/v1/visits", json={"visits": visits})


@pytest.fixture
def volunteer(field, auth):
    auth.api_login(field.volunteer)
    return field.volunteer


def test_same_batch_three_times_is_stored_once(field, volunteer, client, db):
    batch = [item(field, household=f"Số {n}") for n in range(1, 6)]
    first = post(client, batch)
    assert first.status_code == 200
    assert [r["status"] for r in first.get_json()["results"]] == ["created"] * 5
    for _ in range(2):
        again = post(client, batch).get_json()["results"]
        assert [r["status"] for r in again] == ["duplicate"] * 5
    assert count(db) == 5
    assert count(db, VisitConflict) == 0
    assert count(db, Household) == 5
    day = db.session.scalars(sa.select(HamletDay)).one()
    assert (day.visits, day.installs, day.households_reached, day.people_reached) == (5, 10, 5, 20)
    assert db.session.scalar(sa.select(sa.func.sum(HamletDayApp.installs))) == 10
    assert db.session.scalar(sa.select(sa.func.sum(VisitInstall.count))) == 10


def test_conflict_keeps_the_first_version_and_records_the_resend(field, volunteer, client, db):
    first = item(field)
    post(client, [first])
    changed = {**first, "residents": 6, "note": "sửa lại"}
    result = post(client, [changed]).get_json()["results"][0]
    assert result == {"client_id": first["client_id"], "status": "conflict", "errors": {}}
    visit = db.session.scalars(sa.select(Visit)).one()
    assert visit.residents == 4 and visit.note is None
    conflict = db.session.scalars(sa.select(VisitConflict)).one()
    assert conflict.visit_id == visit.id and conflict.payload["residents"] == 6


def test_same_client_id_twice_in_one_batch(field, volunteer, client, db):
    one = item(field)
    results = post(client, [one, dict(one), {**one, "residents": 9}]).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "duplicate", "conflict"]
    assert count(db) == 1


def test_mixed_batch_stores_the_good_and_explains_the_bad(field, volunteer, client, db):
    good, also_good = (
        item(field),
        item(
            field,
            household="Số 7",
            outcome="not_home",
            installs={},
            residents=0,
            smartphones=0,
            already_installed=0,
        ),
    )
    bad = [
        item(field, installs={"bluezone": 3}, already_installed=2),  # 5 users > 4 residents
        item(field, installs={"bluezone": 4}, smartphones=3, residents=5, already_installed=0),
        item(field, visited_at=(datetime.now(UTC) + timedelta(hours=2)).isoformat()),
        item(field, visited_at=(datetime.now(UTC) - timedelta(days=60)).isoformat()),
        item(field, household="Nguyễn Văn A"),
        item(field, household="x" * 41 + "1"),
        item(field, installs={"zalo": 1}),
        item(field, outcome="maybe"),
        item(field, client_id="not-a-uuid"),
        item(field, residents="bốn"),
        item(field, residents=True),
        item(field, visited_at="2026-08-30T09:15:00"),
        "not an object",
    ]
    response = post(client, [good, *bad, also_good])
    results = response.get_json()["results"]
    assert response.status_code == 200
    assert [r["status"] for r in results] == ["created"] + ["invalid"] * len(bad) + ["created"]
    errors = [r["errors"] for r in results[1:-1]]
    assert "residents" in errors[0] and "vượt quá số người" in errors[0]["residents"][0]
    assert "smartphones" in errors[1]
    assert "tương lai" in errors[2]["visited_at"][0]
    assert "trước ngày bắt đầu" in errors[3]["visited_at"][0]
    assert "Không ghi tên người" in errors[4]["household"][0]
    assert "40" in errors[5]["household"][0]
    assert "installs.zalo" in errors[6]
    assert "outcome" in errors[7]
    assert "client_id" in errors[8]
    assert "residents" in errors[9] and "residents" in errors[10]
    assert "múi giờ" in errors[11]["visited_at"][0]
    assert "_" in errors[12]
    assert count(db) == 2


def test_label_is_trimmed_and_a_site_needs_no_number(field, volunteer, client, db):
    results = post(
        client,
        [
            item(field, household="  Số   12  "),
            item(
                field,
                household="Trường THCS Ninh Kiều",
                site_kind="school",
                residents=80,
                smartphones=40,
                installs={"bluezone": 30},
                already_installed=5,
            ),
        ],
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "created"]
    assert sorted(db.session.scalars(sa.select(Household.label))) == ["Số 12", "Trường THCS Ninh Kiều"]


def test_households_are_found_not_duplicated(field, volunteer, client, db):
    post(
        client,
        [item(field, outcome="not_home", installs={}, residents=0, smartphones=0, already_installed=0)],
    )
    post(client, [item(field)])
    assert count(db, Household) == 1
    assert count(db) == 2


def test_scope_other_wards_hamlet_is_invalid(field, volunteer, client, db):
    results = post(
        client, [item(field, hamlet_id=field.other_hamlet.id), item(field, hamlet_id=999999)]
    ).get_json()
    assert [r["status"] for r in results["results"]] == ["invalid", "invalid"]
    assert "hamlet_id" in results["results"][0]["errors"]
    assert "hamlet_id" in results["results"][1]["errors"]
    assert count(db) == 0


def test_campaign_of_another_province_is_invalid(field, volunteer, client, db, make_campaign):
    ha_noi = make_campaign(province=1)
    result = post(client, [item(field, campaign_id=ha_noi.id)]).get_json()["results"][0]
    assert result["status"] == "invalid" and "campaign_id" in result["errors"]


def test_correction_points_at_my_earlier_visit(field, volunteer, client, db, auth):
    original = item(field)
    post(client, [original])
    fix = item(field, residents=5, corrects=original["client_id"])
    assert post(client, [fix]).get_json()["results"][0]["status"] == "created"
    stored = db.session.scalars(sa.select(Visit).where(Visit.client_id == fix["client_id"])).one()
    first = db.session.scalars(sa.select(Visit).where(Visit.client_id == original["client_id"])).one()
    assert stored.corrects_id == first.id
    # a correction is not counted until a lead approves it
    assert db.session.scalars(sa.select(HamletDay)).one().visits == 1
    # nobody corrects someone else's visit
    client.delete("/api/v1/session")
    auth.api_login(field.lead)
    result = post(client, [item(field, corrects=original["client_id"])]).get_json()["results"][0]
    assert result["status"] == "invalid" and "corrects" in result["errors"]


def test_my_visits_lists_status_and_reason(field, volunteer, client, db):
    one = item(field)
    post(client, [one])
    visit = db.session.scalars(sa.select(Visit)).one()
    visit.review_status = "flagged"
    visit.review_reason = "Số người quá lớn"
    db.session.commit()
    body = client.get("/api/v1/visits?mine=1").get_json()
    assert [(v["client_id"], v["review_status"], v["review_reason"]) for v in body["visits"]] == [
        (one["client_id"], "flagged", "Số người quá lớn")
    ]
    later = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    assert client.get("/api/v1/visits", query_string={"mine": "1", "since": later}).get_json()["visits"] == []
    assert client.get("/api/v1/visits?mine=1&since=hôm-qua").status_code == 422
    assert client.get("/api/v1/visits").status_code == 422


def test_me_lists_loggable_hamlets_with_households_and_revisits(field, volunteer, client, db):
    post(
        client,
        [
            item(
                field,
                household="Số 3",
                outcome="not_home",
                installs={},
                residents=0,
                smartphones=0,
                already_installed=0,
            ),
            item(field, household="Số 4"),
        ],
    )
    me = client.get("/api/v1/me").get_json()
    (campaign,) = me["campaigns"]
    assert [h["id"] for h in campaign["hamlets"]] == [field.hamlet.id]
    hamlet = campaign["hamlets"][0]
    assert hamlet["households"] == ["Số 3", "Số 4"]
    assert [r["household"] for r in hamlet["revisit"]] == ["Số 3"]


# --- bad input: always a clear JSON error, never a 500 ---------------------------------------


def test_bad_json(field, volunteer, client):
    response = client.post("/api/v1/visits", data="{visits: [", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_json"


@pytest.mark.parametrize("body", [[], {"visits": {}}, {"visits": "x"}, {"nothing": 1}])
def test_wrong_shape(field, volunteer, client, body):
    response = client.post("/api/v1/visits", json=body)
    assert response.status_code in (400, 422)
    assert "error" in response.get_json()


@pytest.mark.parametrize("value", [[], {}, 3, True])
def test_an_outcome_or_site_that_is_no_string_is_a_field_error(field, volunteer, client, db, value):
    """A list or an object there raised TypeError (unhashable) in the rules: a 500."""
    for name in ("outcome", "site_kind"):
        response = post(client, [item(field, **{name: value})])
        assert response.status_code == 200
        [result] = response.get_json()["results"]
        assert result["status"] == "invalid" and name in result["errors"]
    assert count(db) == 0


def test_not_json(field, volunteer, client):
    response = client.post("/api/v1/visits", data="visits=1")
    assert response.status_code == 415
    assert response.get_json()["error"]["status"] == 415


def test_too_many_items(field, volunteer, client):
    response = post(client, [item(field) for _ in range(501)])
    assert response.status_code == 422
    assert "500" in response.get_json()["error"]["fields"]["visits"][0]


def test_oversized_body_is_413_json(field, volunteer, client, db):
    big = [item(field, note="x" * 500) for _ in range(500)]
    response = client.post("/api/v1/visits", json={"visits": big, "padding": "x" * 800_000})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert count(db) == 0


def test_not_logged_in_is_401(field, client):
    response = post(client, [item(field)])
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_missing_csrf_token_is_refused(field, csrf_client, db):
    username, visit = field.volunteer.username, item(field)
    # csrf_client has its own app context; end the read transaction of the one `field` lives in,
    # which on SQLite would hold the write lock.
    sa.orm.object_session(field.volunteer).rollback()
    login = csrf_client.post("/api/v1/session", json={"username": username, "password": "đúng-mật-khẩu-dài"})
    assert login.status_code == 201
    response = csrf_client.open("/api/v1/visits", method="POST", json={"visits": [visit]})
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"
    # The fixture's app context outlives requests, so `g` still caches the pre-login token.
    flask.g.pop("csrf_token", None)
    ok = csrf_client.post("/api/v1/visits", json={"visits": [visit]})
    assert ok.status_code == 200 and ok.get_json()["results"][0]["status"] == "created"


def test_other_roles_may_log_in_their_scope(field, client, auth, db):
    auth.api_login(field.lead)
    assert post(client, [item(field)]).get_json()["results"][0]["status"] == "created"
    result = post(client, [item(field, hamlet_id=field.other_hamlet.id)]).get_json()["results"][0]
    assert result["status"] == "invalid"
    assert field.lead.role == Role.LEAD


def test_a_client_id_that_is_not_a_string_is_not_echoed_back(field, volunteer, client, db):
    """Found by schemathesis: the answer's client_id is a string or null, whatever was sent."""
    results = post(client, [item(field, client_id=5310), item(field, client_id=["x"])]).get_json()["results"]
    assert [(r["client_id"], r["status"]) for r in results] == [(None, "invalid"), (None, "invalid")]
    assert "client_id" in results[0]["errors"]
    assert count(db) == 0


def test_the_visit_insert_names_every_column_a_new_visit_has(db):
    """The visit INSERT is text (sql.VISIT_COLUMNS), so a column added to Visit must be
    added there too, or API visits would store NULL where the model has a default."""
    from campaign.visits.sql import VISIT_COLUMNS as _VISIT_COLUMNS

    filled_later = {"id", "review_reason", "reviewed_by_id", "reviewed_at", "auto_flags"}
    filled_later.add("version")  # its server default, 1
    assert set(_VISIT_COLUMNS) == {c.name for c in Visit.__table__.columns} - filled_later


def statements_for(db, send) -> int:
    """How many statements `send()` runs against the database."""
    from sqlalchemy import event

    db.session.commit()
    statements = []

    def note(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert send().status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return len(statements)


def test_my_visits_load_in_a_fixed_number_of_statements(field, volunteer, client, db):
    """Each visit's household, installs (with their apps) and the visit it corrects come with
    the list, however many visits there are: no statement per visit."""
    counts = {}
    for total in (2, 40):
        batch = [
            item(field, household=f"Số {len(counts)}-{n}", installs={"bluezone": 1, "ncovi": 1})
            for n in range(total)
        ]
        assert {r["status"] for r in post(client, batch).get_json()["results"]} == {"created"}
        fixes = [item(field, household=v["household"], corrects=v["client_id"]) for v in batch]
        assert {r["status"] for r in post(client, fixes).get_json()["results"]} == {"created"}
        counts[total] = statements_for(db, lambda: client.get("/api/v1/visits?mine=1"))
        listed = client.get("/api/v1/visits?mine=1").get_json()["visits"]
        assert sum(v["corrects"] is not None for v in listed) == len(listed) // 2
        assert all(v["installs"] == {"bluezone": 1, "ncovi": 1} for v in listed if v["corrects"] is None)
    assert counts[40] == counts[2] <= 6
