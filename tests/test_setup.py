"""Setting up the field: hamlets, teams, volunteers, assignments, campaigns and leads."""

from datetime import date

import pytest
import sqlalchemy as sa
from flask import g

from campaign.areas.models import Hamlet, HamletKind
from campaign.audit import AuditLog
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, OrgKind, Team, TeamHamlet
from tests.conftest import CAI_KHE, CAN_THO, NINH_KIEU, PASSWORD

NEW_PASSWORD = "một câu thật dài và khó đoán"


def audit_actions(db):
    return db.session.scalars(sa.select(AuditLog.action).order_by(AuditLog.id)).all()


def test_lead_creates_and_edits_a_hamlet(client, auth, db, field):
    auth.login(field.lead)
    data = {
        "name": "Ấp Mỹ Lợi",
        "kind": "ap",
        "households": 210,
        "population": 830,
        "lat": "10.03",
        "lon": "105.77",
    }
    assert client.post(f"/wards/{NINH_KIEU}/hamlets", data=data).status_code == 302
    hamlet = db.session.scalar(sa.select(Hamlet).where(Hamlet.name == "Ấp Mỹ Lợi"))
    assert (hamlet.kind, hamlet.households, hamlet.population, hamlet.lat) == (HamletKind.AP, 210, 830, 10.03)
    page = client.get(f"/wards/{NINH_KIEU}/hamlets").get_data(as_text=True)
    assert "Ấp Mỹ Lợi" in page and "830" in page
    duplicate = client.post(f"/wards/{NINH_KIEU}/hamlets", data={**data, "name": "ấp mỹ lợi"})
    assert duplicate.status_code == 422 and "đã có thôn/ấp tên" in duplicate.get_data(as_text=True)
    half_centre = client.post(f"/hamlets/{hamlet.id}/edit", data={**data, "lon": ""})
    assert half_centre.status_code == 422 and "cả vĩ độ và kinh độ" in half_centre.get_data(as_text=True)
    assert client.post(f"/hamlets/{hamlet.id}/edit", data={**data, "population": 900}).status_code == 302
    entry = db.session.scalars(sa.select(AuditLog).where(AuditLog.action == "hamlet.update")).one()
    assert (entry.before["population"], entry.after["population"], entry.ward_code) == (830, 900, NINH_KIEU)


def test_hamlet_api_create_update_validate(client, auth, db, field):
    auth.api_login(field.lead)
    created = client.post(
        f"/api/v1/wards/{NINH_KIEU}/hamlets", json={"name": "Tổ 5", "kind": "to_dan_pho", "households": 40}
    )
    assert created.status_code == 201 and created.get_json()["households"] == 40
    hamlet_id = created.get_json()["id"]
    patched = client.patch(f"/api/v1/hamlets/{hamlet_id}", json={"population": 170})
    assert patched.get_json()["population"] == 170 and patched.get_json()["households"] == 40
    bad = client.patch(
        f"/api/v1/hamlets/{hamlet_id}", json={"households": -1, "kind": "city", "ward_code": 1}
    )
    assert bad.status_code == 422 and set(bad.get_json()["error"]["fields"]) == {"ward_code"}
    bad = client.patch(f"/api/v1/hamlets/{hamlet_id}", json={"households": -1, "kind": "city"})
    assert set(bad.get_json()["error"]["fields"]) == {"households", "kind"}
    assert (
        client.patch(f"/api/v1/hamlets/{hamlet_id}", data="{", content_type="application/json").status_code
        == 400
    )
    listing = client.get(f"/api/v1/wards/{NINH_KIEU}/hamlets").get_json()["hamlets"]
    assert sorted(h["name"] for h in listing) == sorted([field.hamlet.name, "Tổ 5"])


def test_teams_volunteers_and_moves(client, auth, db, field):
    auth.login(field.lead)
    response = client.post(
        f"/wards/{NINH_KIEU}/teams", data={"name": "Chi hội Phụ nữ", "org_kind": "womens_union"}
    )
    team = db.session.scalar(sa.select(Team).where(Team.name == "Chi hội Phụ nữ"))
    assert response.headers["Location"] == f"/teams/{team.id}" and team.org_kind == OrgKind.WOMENS_UNION
    assert (
        client.post(
            f"/teams/{team.id}", data={"name": "Hội Phụ nữ khu 1", "org_kind": "womens_union"}
        ).status_code
        == 302
    )
    weak = client.post(
        f"/teams/{team.id}/volunteers",
        data={"username": "tnv.lan", "display_name": "Lan", "password": "short"},
    )
    assert weak.status_code == 422 and "ít nhất 12 ký tự" in weak.get_data(as_text=True)
    assert (
        client.post(
            f"/teams/{team.id}/volunteers",
            data={"username": "tnv.lan", "display_name": "Chị Lan", "password": NEW_PASSWORD},
        ).status_code
        == 302
    )
    lan = db.session.scalar(sa.select(User).where(User.username == "tnv.lan"))
    assert (lan.role, lan.team_id) == (Role.VOLUNTEER, team.id)
    page = client.get(f"/teams/{team.id}").get_data(as_text=True)
    assert "Hội Phụ nữ khu 1" in page and "Chị Lan" in page
    assert client.post(f"/people/{lan.id}/move", data={"team_id": field.team.id}).status_code == 302
    db.session.refresh(lan)
    assert lan.team_id == field.team.id
    assert client.post(f"/people/{lan.id}/move", data={"team_id": field.other_team.id}).status_code == 403
    assert audit_actions(db) == ["team.create", "team.update", "user.create", "user.move"]


class Fresh:
    """A second browser. The tests hold an app context, so Flask-Login's per-request user cache
    (g._login_user) would leak between clients; drop it before each request."""

    def __init__(self, client):
        self.client = client

    def get(self, url, **kw):
        g.pop("_login_user", None)
        return self.client.get(url, **kw)

    def post(self, url, **kw):
        g.pop("_login_user", None)
        return self.client.post(url, **kw)


def test_deactivate_and_reset_password_end_sessions(app, client, auth, db, field):
    volunteer_client = Fresh(app.test_client())
    volunteer_client.post("/login", data={"username": field.volunteer.username, "password": PASSWORD})
    assert volunteer_client.get("/").status_code == 200

    client = Fresh(client)
    client.post("/login", data={"username": field.lead.username, "password": PASSWORD})
    assert (
        client.post(f"/people/{field.volunteer.id}/password", data={"password": "123456789012"}).status_code
        == 302
    )
    assert volunteer_client.get("/").status_code == 200  # a common password is refused: nothing changed
    assert (
        client.post(f"/people/{field.volunteer.id}/password", data={"password": NEW_PASSWORD}).status_code
        == 302
    )
    assert volunteer_client.get("/").status_code == 302  # the old session ended
    assert (
        volunteer_client.post(
            "/login", data={"username": field.volunteer.username, "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert volunteer_client.get("/").status_code == 200

    assert client.post(f"/people/{field.volunteer.id}/active", data={"active": "0"}).status_code == 302
    assert volunteer_client.get("/").status_code == 302
    db.session.refresh(field.volunteer)
    assert field.volunteer.active is False
    assert "đã khóa" in client.get(f"/teams/{field.team.id}").get_data(as_text=True)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "user.reset_password"))
    assert entry.after == {"password": "changed"} and entry.ward_code == NINH_KIEU


def test_volunteer_api(client, auth, db, field):
    auth.api_login(field.lead)
    created = client.post(
        f"/api/v1/teams/{field.team.id}/volunteers",
        json={"username": "tnv.hoa", "display_name": "Hòa", "password": NEW_PASSWORD},
    )
    assert created.status_code == 201
    person = created.get_json()["id"]
    taken = client.post(
        f"/api/v1/teams/{field.team.id}/volunteers",
        json={"username": "tnv.hoa", "display_name": "Hòa 2", "password": NEW_PASSWORD},
    )
    assert taken.status_code == 422 and "đã có người dùng" in taken.get_json()["error"]["message"]
    other = client.post(
        f"/api/v1/wards/{NINH_KIEU}/teams", json={"name": "Đội Chữ thập đỏ", "org_kind": "red_cross"}
    )
    assert other.status_code == 201
    moved = client.patch(f"/api/v1/users/{person}", json={"team_id": other.get_json()["id"], "active": False})
    assert moved.get_json()["team_id"] == other.get_json()["id"] and moved.get_json()["active"] is False
    assert client.patch(f"/api/v1/users/{person}", json={"active": "no"}).status_code == 422
    for team_id in (0, -1, 10**30):  # 10**30 overflowed SQLite's integers: a 500
        response = client.patch(f"/api/v1/users/{person}", json={"team_id": team_id})
        assert response.status_code == 422 and "team_id" in response.get_json()["error"]["fields"]
    assert (
        client.post(f"/api/v1/users/{person}/password", json={"password": "tnv.hoa-12345678"}).status_code
        == 422
    )
    assert client.post(f"/api/v1/users/{person}/password", json={"password": NEW_PASSWORD}).status_code == 204
    members = client.get(f"/api/v1/teams/{other.get_json()['id']}/volunteers").get_json()["volunteers"]
    assert [m["username"] for m in members] == ["tnv.hoa"]


def test_assign_hamlets_to_teams(client, auth, db, field, make_hamlet, make_team):
    second = make_hamlet(NINH_KIEU, name="Khu vực 9")
    team2 = make_team(NINH_KIEU)
    auth.login(field.lead)
    form = {"campaign_id": field.campaign.id, f"hamlet-{second.id}": team2.id}
    assert client.post(f"/wards/{NINH_KIEU}/assignments", data=form).status_code == 302
    foreign = {**form, f"hamlet-{field.hamlet.id}": field.other_team.id}
    client.post(f"/wards/{NINH_KIEU}/assignments", data=foreign)  # refused as a whole
    moved = {**form, f"hamlet-{field.hamlet.id}": team2.id}
    page = client.post(f"/wards/{NINH_KIEU}/assignments", data=moved, follow_redirects=True)
    assert "1 thôn/ấp thay đổi" in page.get_data(as_text=True)
    rows = db.session.execute(sa.select(TeamHamlet.hamlet_id, TeamHamlet.team_id)).tuples().all()
    assert sorted(rows) == sorted(
        [(field.hamlet.id, team2.id), (second.id, team2.id), (field.other_hamlet.id, field.other_team.id)]
    )
    # the old team's volunteer no longer works in that hamlet
    auth.logout()
    auth.api_login(field.volunteer)
    assert (
        client.get(f"/api/v1/campaigns/{field.campaign.id}/revisits?hamlet_id={field.hamlet.id}").status_code
        == 403
    )
    auth.api_login(field.lead)
    url = f"/api/v1/campaigns/{field.campaign.id}/hamlets/{second.id}/team"
    assert client.put(url, json={"team_id": None}).get_json()["team_id"] is None
    assert client.put(url, json={"team_id": field.other_team.id}).status_code == 422
    listing = client.get(f"/api/v1/campaigns/{field.campaign.id}/wards/{NINH_KIEU}/assignments").get_json()
    assert {a["hamlet_id"]: a["team_id"] for a in listing["assignments"]} == {
        field.hamlet.id: team2.id,
        second.id: None,
    }
    assert audit_actions(db).count("hamlet.assign") == 3


def test_coordinator_creates_campaign_with_percent_target(client, auth, db, field):
    auth.login(field.coordinator)
    data = {
        "name": "Bluezone 30 % trước 30/8",
        "province_code": CAN_THO,
        "apps": "bluezone: Bluezone\nncovi: NCOVI",
        "start_date": "2026-08-15",
        "deadline": "2026-08-30",
        "target_percent": "30",
        "revisit_max_attempts": "4",
    }
    assert client.post("/campaigns/new", data=data).status_code == 302
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.name == data["name"]))
    assert campaign.target_rate == 0.30 and campaign.revisit_max_attempts == 4
    assert [(a.code, a.name) for a in campaign.apps] == [("bluezone", "Bluezone"), ("ncovi", "NCOVI")]
    assert (campaign.start_date, campaign.deadline, campaign.province_code) == (
        date(2026, 8, 15),
        date(2026, 8, 30),
        CAN_THO,
    )
    listing = client.get("/campaigns/manage").get_data(as_text=True)
    assert "30 %" in listing and "30/08/2026" in listing
    late = client.post("/campaigns/new", data={**data, "deadline": "2026-08-01"})
    assert late.status_code == 422 and "Hạn chót phải sau ngày bắt đầu." in late.get_data(as_text=True)
    elsewhere = client.post("/campaigns/new", data={**data, "province_code": 1})
    assert elsewhere.status_code == 403
    edited = client.post(
        f"/campaigns/{campaign.id}/edit",
        data={**data, "target_percent": "7,54".replace(",", "."), "apps": "bluezone: Bluezone"},
    )
    assert edited.status_code == 302
    db.session.refresh(campaign)
    assert campaign.target_rate == 0.0754 and [a.code for a in campaign.apps] == ["bluezone"]
    assert audit_actions(db) == ["campaign.create", "campaign.update"]


def test_coordinator_creates_leads_in_province_only(client, auth, db, field):
    auth.login(field.coordinator)
    data = {
        "ward_code": CAI_KHE,
        "username": "truong.caikhe",
        "display_name": "Anh Tú",
        "password": NEW_PASSWORD,
    }
    assert client.post(f"/provinces/{CAN_THO}/leads", data=data).status_code == 302
    lead = db.session.scalar(sa.select(User).where(User.username == "truong.caikhe"))
    assert (lead.role, lead.ward_code) == (Role.LEAD, CAI_KHE)
    assert "Anh Tú" in client.get(f"/provinces/{CAN_THO}/leads").get_data(as_text=True)
    hanoi_ward = db.session.scalar(sa.select(sa.text("code FROM ward WHERE province_code = 1 LIMIT 1")))
    foreign = client.post(
        f"/provinces/{CAN_THO}/leads", data={**data, "username": "x.y", "ward_code": hanoi_ward}
    )
    assert foreign.status_code == 422  # not a choice in this province
    assert client.post("/provinces/1/leads", data={**data, "ward_code": hanoi_ward}).status_code == 403
    assert client.post(f"/people/{lead.id}/active", data={"active": "0"}).status_code == 302
    db.session.refresh(lead)
    assert lead.active is False
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "user.deactivate"))
    assert entry.ward_code == CAI_KHE


@pytest.mark.parametrize("name", ["hamlets", "teams", "people", "revisits"])
def test_openapi_paths_match_the_routes(app, name):
    """Every JSON setup route is documented, with the methods it answers, and errors use the one
    schema: each module of campaign/api/ by its namesake in campaign/api/schemas/."""
    import re
    from importlib import import_module

    api_setup = import_module(f"campaign.api.{name}")
    schemas = import_module(f"campaign.api.schemas.{name}")

    api_views = {n for n, value in vars(api_setup).items() if callable(value)}
    routes = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint.split(".", 1)[1] in api_views:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            routes.setdefault(path, set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    documented = {
        path: {m for m in item if m in {"get", "post", "put", "patch", "delete"}}
        for path, item in schemas.OPENAPI_PATHS.items()
    }
    assert documented == routes
    for item in schemas.OPENAPI_PATHS.values():
        for method in documented_methods(item):
            for status, response in item[method]["responses"].items():
                if int(status) >= 400:
                    assert response["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }


def documented_methods(item):
    return [m for m in item if m in {"get", "post", "put", "patch", "delete"}]


def test_claim_with_csrf_on(csrf_client, field, db):
    from campaign.areas.models import Household
    from campaign.visits.models import Outcome
    from tests.test_households import add_visit

    household = Household(hamlet_id=field.hamlet.id, label="9")
    db.session.add(household)
    db.session.commit()
    add_visit(db, field.campaign, household, field.volunteer, Outcome.NOT_HOME, 2)
    assert (
        csrf_client.post(
            "/api/v1/session", json={"username": field.volunteer.username, "password": PASSWORD}
        ).status_code
        == 201
    )
    # The test holds an app context, so flask-wtf's token cache in g outlives the login's new session.
    g.pop("csrf_token", None)
    url = f"/api/v1/campaigns/{field.campaign.id}/households/{household.id}/claim"
    assert csrf_client.post(url, headers={"X-CSRFToken": "sai"}).status_code == 400
    assert csrf_client.post(url).status_code == 201


def test_numbers_are_read_the_vietnamese_way(client, auth, db, field):
    auth.login(field.lead)
    data = {
        "name": "Ấp Số",
        "kind": "ap",
        "households": "1.250",
        "population": "5.100",
        "lat": "10,03",
        "lon": "105,78",
    }
    assert client.post(f"/wards/{NINH_KIEU}/hamlets", data=data).status_code == 302
    hamlet = db.session.scalar(sa.select(Hamlet).where(Hamlet.name == "Ấp Số"))
    assert (hamlet.households, hamlet.population, hamlet.lat, hamlet.lon) == (1250, 5100, 10.03, 105.78)
    bad = client.post(f"/wards/{NINH_KIEU}/hamlets", data={**data, "name": "Ấp Sai", "households": "12.5"})
    assert bad.status_code == 422 and "Hãy nhập một số nguyên." in bad.get_data(as_text=True)
    for text in ("nan", "NaN", "inf"):  # parse as floats; NaN passed every range check
        bad = client.post(f"/wards/{NINH_KIEU}/hamlets", data={**data, "name": "Ấp Sai", "lat": text})
        assert bad.status_code == 422 and "Hãy nhập một số, ví dụ 10,03." in bad.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(Hamlet.name == "Ấp Sai")) == 0
    auth.logout()
    auth.login(field.coordinator)
    form = {
        "name": "C",
        "province_code": CAN_THO,
        "apps": "bluezone",
        "start_date": "15/08/2026",
        "deadline": "2026-08-30",
    }
    bad = client.post("/campaigns/new", data={**form, "target_percent": "ba mươi"}).get_data(as_text=True)
    assert "Ngày không hợp lệ." in bad and "Hãy nhập một số" in bad
    too_high = client.post(
        "/campaigns/new", data={**form, "start_date": "2026-08-15", "target_percent": "150"}
    )
    assert too_high.status_code == 422 and "Mục tiêu từ trên 0 đến 100 %." in too_high.get_data(as_text=True)
