"""Access matrix: every setup, household and revisit route, through HTML and JSON, for every role,
on objects in Ninh Kiều (Cần Thơ). The other-ward lead, the other-team volunteer and the Hà Nội
coordinator are the out-of-scope cases."""

import io
from datetime import UTC, datetime, timedelta

import pytest

from campaign.areas.models import Household
from campaign.auth.models import Role
from campaign.i18n import local_today
from campaign.review.models import Claim
from tests.conftest import CAN_THO, NINH_KIEU, build_field, store_visit

ROLES = [
    "volunteer",
    "other_volunteer",
    "lead",
    "other_lead",
    "coordinator",
    "other_coordinator",
    "admin",
    "anonymous",
]
MANAGERS = {"lead", "coordinator", "admin"}  # of Ninh Kiều
WORKERS = {"volunteer", "lead", "coordinator", "admin"}  # see Ninh Kiều's households
KNOCKERS = {"volunteer", "lead"}  # claim doors
COORDINATORS = {"coordinator", "admin"}  # of Cần Thơ
EVERYONE = set(ROLES) - {"anonymous"}

PASSWORD_NEW = "một câu thật dài và khó đoán"
HAMLET_CSV = "Tên,Loại,Số hộ,Dân số\nẤp Mới,ap,5,20\n"
HOUSEHOLD_CSV = "Số nhà\n101\n102\n"


class World:
    pass


@pytest.fixture
def world(db, cached_world, make_campaign, make_hamlet, make_team, make_user):
    def build():
        return build_world(db, build_field(make_campaign, make_hamlet, make_team, make_user), make_team)

    return cached_world("setup_access", build)


def build_world(db, field, make_team) -> World:
    w = World()
    w.f = field
    w.team2 = make_team(NINH_KIEU)
    w.claimed = Household(hamlet_id=field.hamlet.id, label="7")
    w.free = Household(hamlet_id=field.hamlet.id, label="8")
    db.session.add_all([w.claimed, w.free])
    db.session.commit()
    for household in (w.claimed, w.free):
        store_visit(
            field.campaign,
            field.hamlet,
            field.volunteer,
            label=household.label,
            outcome="not_home",
            at=datetime.now(UTC) - timedelta(hours=3),
            residents=0,
            smartphones=0,
            already=0,
            installs={},
        )
    db.session.add(
        Claim(
            campaign_id=field.campaign.id,
            household_id=w.claimed.id,
            volunteer_id=field.volunteer.id,
            day=local_today(),
        )
    )
    db.session.commit()
    return w


def csv_file(text):
    return {"file": (io.BytesIO(text.encode()), "tep.csv")}


HAMLET_FORM = {"name": "Ấp Mới", "kind": "ap", "households": 3, "population": 9}
CAMPAIGN_FORM = {
    "name": "Chiến dịch sửa",
    "province_code": CAN_THO,
    "apps": "bluezone: Bluezone\nncovi: NCOVI",
    "start_date": "2026-08-15",
    "deadline": "2026-08-30",
    "target_percent": "30",
}

# (id, method, url(w), body kind, body(w), roles allowed)
ROUTES = [
    # --- HTML ---
    ("hamlets", "GET", lambda w: f"/wards/{NINH_KIEU}/hamlets", None, None, MANAGERS),
    ("open-ward", "GET", lambda w: f"/wards/open?code={NINH_KIEU}", None, None, MANAGERS),
    (
        "hamlet-create",
        "POST",
        lambda w: f"/wards/{NINH_KIEU}/hamlets",
        "form",
        lambda w: HAMLET_FORM,
        MANAGERS,
    ),
    ("hamlet-edit", "GET", lambda w: f"/hamlets/{w.f.hamlet.id}/edit", None, None, MANAGERS),
    (
        "hamlet-save",
        "POST",
        lambda w: f"/hamlets/{w.f.hamlet.id}/edit",
        "form",
        lambda w: {**HAMLET_FORM, "name": w.f.hamlet.name},
        MANAGERS,
    ),
    (
        "hamlet-import",
        "POST",
        lambda w: f"/wards/{NINH_KIEU}/hamlets/import",
        "file",
        lambda w: HAMLET_CSV,
        MANAGERS,
    ),
    (
        "households",
        "GET",
        lambda w: f"/hamlets/{w.f.hamlet.id}/households?campaign={w.f.campaign.id}",
        None,
        None,
        WORKERS,
    ),
    (
        "households-import",
        "POST",
        lambda w: f"/hamlets/{w.f.hamlet.id}/households/import",
        "file",
        lambda w: HOUSEHOLD_CSV,
        MANAGERS,
    ),
    ("revisits", "GET", lambda w: "/revisits", None, None, EVERYONE),
    (
        "revisits-campaign",
        "GET",
        lambda w: f"/revisits?campaign={w.f.campaign.id}",
        None,
        None,
        EVERYONE - {"other_coordinator"},  # a Cần Thơ campaign
    ),
    (
        "claim",
        "POST",
        lambda w: f"/campaigns/{w.f.campaign.id}/households/{w.free.id}/claim",
        "form",
        lambda w: {},
        KNOCKERS,
    ),
    (
        "unclaim",
        "POST",
        lambda w: f"/campaigns/{w.f.campaign.id}/households/{w.claimed.id}/unclaim",
        "form",
        lambda w: {},
        WORKERS,
    ),
    ("teams", "GET", lambda w: f"/wards/{NINH_KIEU}/teams", None, None, MANAGERS),
    (
        "team-create",
        "POST",
        lambda w: f"/wards/{NINH_KIEU}/teams",
        "form",
        lambda w: {"name": "Đội mới", "org_kind": "red_cross"},
        MANAGERS,
    ),
    (
        "assign",
        "POST",
        lambda w: f"/wards/{NINH_KIEU}/assignments",
        "form",
        lambda w: {"campaign_id": w.f.campaign.id, f"hamlet-{w.f.hamlet.id}": w.team2.id},
        MANAGERS,
    ),
    ("team", "GET", lambda w: f"/teams/{w.f.team.id}", None, None, MANAGERS),
    (
        "team-rename",
        "POST",
        lambda w: f"/teams/{w.f.team.id}",
        "form",
        lambda w: {"name": "Đội đổi tên", "org_kind": "youth_union"},
        MANAGERS,
    ),
    (
        "volunteer-create",
        "POST",
        lambda w: f"/teams/{w.f.team.id}/volunteers",
        "form",
        lambda w: {"username": "tnv.moi", "display_name": "Mới", "password": PASSWORD_NEW},
        MANAGERS,
    ),
    (
        "volunteer-deactivate",
        "POST",
        lambda w: f"/people/{w.f.volunteer.id}/active",
        "form",
        lambda w: {"active": "0"},
        MANAGERS,
    ),
    (
        "volunteer-password",
        "POST",
        lambda w: f"/people/{w.f.volunteer.id}/password",
        "form",
        lambda w: {"password": PASSWORD_NEW},
        MANAGERS,
    ),
    (
        "volunteer-move",
        "POST",
        lambda w: f"/people/{w.f.volunteer.id}/move",
        "form",
        lambda w: {"team_id": w.team2.id},
        MANAGERS,
    ),
    ("campaigns", "GET", lambda w: "/campaigns/manage", None, None, COORDINATORS | {"other_coordinator"}),
    ("campaign-new", "GET", lambda w: "/campaigns/new", None, None, COORDINATORS | {"other_coordinator"}),
    ("campaign-create", "POST", lambda w: "/campaigns/new", "form", lambda w: CAMPAIGN_FORM, COORDINATORS),
    ("campaign-edit", "GET", lambda w: f"/campaigns/{w.f.campaign.id}/edit", None, None, COORDINATORS),
    (
        "campaign-save",
        "POST",
        lambda w: f"/campaigns/{w.f.campaign.id}/edit",
        "form",
        lambda w: CAMPAIGN_FORM,
        COORDINATORS,
    ),
    ("leads", "GET", lambda w: f"/provinces/{CAN_THO}/leads", None, None, COORDINATORS),
    (
        "lead-create",
        "POST",
        lambda w: f"/provinces/{CAN_THO}/leads",
        "form",
        lambda w: {
            "ward_code": NINH_KIEU,
            "username": "truong.moi",
            "display_name": "Mới",
            "password": PASSWORD_NEW,
        },
        COORDINATORS,
    ),
    (
        "lead-deactivate",
        "POST",
        lambda w: f"/people/{w.f.lead.id}/active",
        "form",
        lambda w: {"active": "0"},
        COORDINATORS,
    ),
    # --- JSON ---
    ("api-hamlets", "GET", lambda w: f"/api/v1/wards/{NINH_KIEU}/hamlets", None, None, MANAGERS),
    (
        "api-hamlet-create",
        "POST",
        lambda w: f"/api/v1/wards/{NINH_KIEU}/hamlets",
        "json",
        lambda w: HAMLET_FORM,
        MANAGERS,
    ),
    (
        "api-hamlet-update",
        "PATCH",
        lambda w: f"/api/v1/hamlets/{w.f.hamlet.id}",
        "json",
        lambda w: {"population": 555},
        MANAGERS,
    ),
    (
        "api-hamlet-import",
        "POST",
        lambda w: f"/api/v1/wards/{NINH_KIEU}/hamlets/import",
        "file",
        lambda w: HAMLET_CSV,
        MANAGERS,
    ),
    (
        "api-households",
        "GET",
        lambda w: f"/api/v1/hamlets/{w.f.hamlet.id}/households?campaign_id={w.f.campaign.id}",
        None,
        None,
        WORKERS,
    ),
    (
        "api-households-import",
        "POST",
        lambda w: f"/api/v1/hamlets/{w.f.hamlet.id}/households/import",
        "file",
        lambda w: HOUSEHOLD_CSV,
        MANAGERS,
    ),
    ("api-teams", "GET", lambda w: f"/api/v1/wards/{NINH_KIEU}/teams", None, None, MANAGERS),
    (
        "api-team-create",
        "POST",
        lambda w: f"/api/v1/wards/{NINH_KIEU}/teams",
        "json",
        lambda w: {"name": "Đội API", "org_kind": "telecom_post"},
        MANAGERS,
    ),
    (
        "api-team-update",
        "PATCH",
        lambda w: f"/api/v1/teams/{w.f.team.id}",
        "json",
        lambda w: {"name": "Đội X"},
        MANAGERS,
    ),
    ("api-volunteers", "GET", lambda w: f"/api/v1/teams/{w.f.team.id}/volunteers", None, None, MANAGERS),
    (
        "api-volunteer-create",
        "POST",
        lambda w: f"/api/v1/teams/{w.f.team.id}/volunteers",
        "json",
        lambda w: {"username": "tnv.api", "display_name": "API", "password": PASSWORD_NEW},
        MANAGERS,
    ),
    (
        "api-volunteer-update",
        "PATCH",
        lambda w: f"/api/v1/users/{w.f.volunteer.id}",
        "json",
        lambda w: {"active": False, "team_id": w.team2.id},
        MANAGERS,
    ),
    (
        "api-volunteer-password",
        "POST",
        lambda w: f"/api/v1/users/{w.f.volunteer.id}/password",
        "json",
        lambda w: {"password": PASSWORD_NEW},
        MANAGERS,
    ),
    (
        "api-assignments",
        "GET",
        lambda w: f"/api/v1/campaigns/{w.f.campaign.id}/wards/{NINH_KIEU}/assignments",
        None,
        None,
        MANAGERS,
    ),
    (
        "api-assign",
        "PUT",
        lambda w: f"/api/v1/campaigns/{w.f.campaign.id}/hamlets/{w.f.hamlet.id}/team",
        "json",
        lambda w: {"team_id": w.team2.id},
        MANAGERS,
    ),
    (
        "api-revisits",
        "GET",
        lambda w: f"/api/v1/campaigns/{w.f.campaign.id}/revisits?hamlet_id={w.f.hamlet.id}",
        None,
        None,
        WORKERS,
    ),
    (
        "api-claim",
        "POST",
        lambda w: f"/api/v1/campaigns/{w.f.campaign.id}/households/{w.free.id}/claim",
        None,
        None,
        KNOCKERS,
    ),
    (
        "api-unclaim",
        "DELETE",
        lambda w: f"/api/v1/campaigns/{w.f.campaign.id}/households/{w.claimed.id}/claim",
        None,
        None,
        WORKERS,
    ),
    (
        "api-lead-deactivate",
        "PATCH",
        lambda w: f"/api/v1/users/{w.f.lead.id}",
        "json",
        lambda w: {"active": False},
        COORDINATORS,
    ),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("name", "method", "url", "kind", "body", "allowed"), ROUTES, ids=[r[0] for r in ROUTES]
)
def test_access(client, world, role, name, method, url, kind, body, allowed):
    if role != "anonymous":  # a session as /login makes it, without paying for scrypt 400 times
        with client.session_transaction() as session:
            session["_user_id"] = getattr(world.f, role).get_id()
            session["_fresh"] = True
    kwargs = {}
    if kind == "form":
        kwargs["data"] = body(world)
    elif kind == "json":
        kwargs["json"] = body(world)
    elif kind == "file":
        kwargs["data"] = csv_file(body(world))
        kwargs["content_type"] = "multipart/form-data"
    response = client.open(url(world), method=method, **kwargs)
    is_api = url(world).startswith("/api/")
    if role == "anonymous":
        if is_api:
            assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    elif role in allowed:
        assert response.status_code in (200, 201, 204, 302), response.get_data(as_text=True)[:500]
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403
        if is_api:
            assert response.get_json()["error"]["code"] == "forbidden"
        else:
            assert "không có quyền" in response.get_data(as_text=True)


def test_matrix_covers_every_setup_route(app, world):
    """Every route of the setup pages and of the setup API (hamlets, teams, people, revisits) is in the matrix above."""
    from urllib.parse import urlsplit

    from campaign.api import hamlets, people, revisits, teams

    api_views = {
        name
        for module in (hamlets, teams, people, revisits)
        for name, value in vars(module).items()
        if callable(value)
    }
    mine = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
        if rule.endpoint.split(".")[0] in {"areas", "campaigns"}
        or (rule.endpoint.startswith("api.") and rule.endpoint.split(".", 1)[1] in api_views)
    }
    adapter = app.url_map.bind("localhost")
    covered = {
        (adapter.match(urlsplit(url(world)).path, method=method)[0], method)
        for _n, method, url, *_r in ROUTES
    }
    assert mine - covered == set()


def test_a_real_login_gets_the_same_answers(client, auth, world):
    """The matrix writes the session directly; check that equals logging in."""
    assert auth.login(world.f.other_lead).status_code == 302
    assert client.get(f"/wards/{NINH_KIEU}/teams").status_code == 403
    auth.logout()
    assert auth.login(world.f.lead).status_code == 302
    assert client.get(f"/wards/{NINH_KIEU}/teams").status_code == 200


def test_roles_are_what_they_say(world):
    f = world.f
    assert (f.volunteer.role, f.other_volunteer.role, f.lead.role) == (
        Role.VOLUNTEER,
        Role.VOLUNTEER,
        Role.LEAD,
    )
    assert f.volunteer.team.ward_code == NINH_KIEU != f.other_volunteer.team.ward_code
