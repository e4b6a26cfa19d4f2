"""Each access decision is made once (campaign/access.py), and every path that needs it agrees:
who logs visits (API, form, /me, claims), the menu against the pages it links to, the population
import, the ward of an assignment, uploads refused whole, and one JSON shape of a visit's time."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from campaign import access
from campaign.areas.models import Hamlet, Household
from campaign.auth.models import Role
from campaign.campaigns.models import TeamHamlet
from campaign.i18n import VN_TZ
from campaign.visits.hamlets import loggable_hamlets
from campaign.visits.models import Visit
from tests.conftest import CAI_KHE, NINH_KIEU

ROLES = ["volunteer", "lead", "coordinator", "admin"]
LOGS_VISITS = {"volunteer": True, "lead": True, "coordinator": False, "admin": False}


def api_item(field, hamlet=None, **overrides) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "campaign_id": field.campaign.id,
        "hamlet_id": (hamlet or field.hamlet).id,
        "household": "Số 7",
        "outcome": "installed",
        "residents": 3,
        "smartphones": 2,
        "installs": {"bluezone": 1},
        "visited_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        **overrides,
    }


def form_item(field) -> dict:
    return {
        "client_id": str(uuid.uuid4()),
        "campaign_id": str(field.campaign.id),
        "hamlet_id": str(field.hamlet.id),
        "site_kind": "household",
        "household": "Số 8",
        "outcome": "installed",
        "residents": "3",
        "smartphones": "2",
        "already_installed": "0",
        "install_bluezone": "1",
        "install_ncovi": "0",
        "note": "",
    }


def visits(db) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Visit))


# --- who logs visits ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_the_api_and_the_form_agree_on_who_logs_visits(role, field, client, auth, db):
    """Volunteers and leads log visits; coordinators and admins see the hamlet but do not (the
    API used to store theirs while the form said "no hamlet")."""
    user = getattr(field, role)
    auth.api_login(user)
    [result] = client.post("/api/v1/visits", json={"visits": [api_item(field)]}).get_json()["results"]
    page = client.get("/visits/new")
    posted = client.post("/visits/new", data=form_item(field))
    me = client.get("/api/v1/me").get_json()
    if LOGS_VISITS[role]:
        assert result["status"] == "created", result
        assert page.status_code == 200 and field.hamlet.name in page.get_data(as_text=True)
        assert posted.status_code == 302
        assert visits(db) == 2
        assert [h["id"] for h in me["campaigns"][0]["hamlets"]] == [field.hamlet.id]
    else:
        assert result["status"] == "invalid" and "hamlet_id" in result["errors"], result
        assert "chưa được giao thôn/ấp" in page.get_data(as_text=True)
        assert "chưa được giao thôn/ấp" in posted.get_data(as_text=True)
        assert visits(db) == 0
        assert "hamlets" not in me["campaigns"][0]


@pytest.mark.parametrize("role", ROLES)
def test_one_rule_for_every_hamlet_and_every_path(role, field, db, app):
    """For any role and any hamlet: the batch check (API), the list (form, /me) and the claim
    check give the same answer."""
    user = getattr(field, role)
    hamlets = db.session.scalars(sa.select(Hamlet)).all()
    with app.test_request_context():
        listed = {h.id for h in loggable_hamlets(user, field.campaign)}
        batch = access.loggable_hamlet_ids(user, field.campaign, [h.id for h in hamlets])
        claims = {h.id for h in hamlets if access.can_claim(user, h, field.campaign)}
        seen = {h.id for h in hamlets if access.can_see_revisits(user, h, field.campaign)}
    assert listed == batch == claims
    assert bool(listed) == LOGS_VISITS[role]
    # Seeing a hamlet's revisit list stays wider: leads and up see their area's.
    assert listed <= seen and bool(seen)


def test_a_volunteer_logs_only_in_their_teams_hamlets(field, client, auth, db):
    auth.api_login(field.volunteer)
    results = client.post(
        "/api/v1/visits", json={"visits": [api_item(field), api_item(field, field.other_hamlet)]}
    ).get_json()["results"]
    assert [r["status"] for r in results] == ["created", "invalid"]


# --- the menu --------------------------------------------------------------------------------


OLD_MENU = {  # what _nav.html showed each role before it asked access.nav_items, and "Tuần này"
    "volunteer": ["Trang chủ", "Ghi lượt thăm", "Lượt thăm của tôi", "Cần quay lại", "Tuần này"],
    "lead": [  # the daily ones in the bar, then the rest under "Xem thêm"
        "Trang chủ",
        "Ghi lượt thăm",
        "Duyệt lượt thăm",
        "Độ phủ",
        "Lượt thăm của tôi",
        "Cần quay lại",
        "Thôn/ấp",
        "Đội",
        "Tuần này",
        "Hoạt động đội",
        "Xuất dữ liệu",
        "Nhật ký",
    ],
    "coordinator": [
        "Trang chủ",
        "Duyệt lượt thăm",
        "Độ phủ",
        "Chiến dịch",
        "Trưởng nhóm",
        "Tuần này",
        "Hoạt động đội",
        "Xuất dữ liệu",
        "Nhật ký",
    ],
    "admin": [
        "Trang chủ",
        "Duyệt lượt thăm",
        "Độ phủ",
        "Chiến dịch",
        "Tuần này",
        "Hoạt động đội",
        "Xuất dữ liệu",
        "Nhật ký",
    ],
}


@pytest.mark.parametrize("role", ROLES)
def test_every_menu_link_opens_for_its_role(role, field, client, auth):
    """The menu is read from access.nav_items: each link it shows is a page the role may open."""
    auth.login(getattr(field, role))
    page = client.get("/").get_data(as_text=True)
    nav = page[page.index('<nav class="nav"') : page.index("</nav>")]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)
    assert [label for _href, label in links] == OLD_MENU[role]
    for href, label in links:
        response = client.get(href)
        assert response.status_code in (200, 302), (label, href, response.status_code)
        if response.status_code == 302:
            assert client.get(response.headers["Location"]).status_code == 200, (label, href)


# --- smaller rules -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_population_import_follows_can_import_population(role, field, client, auth):
    auth.login(getattr(field, role))
    expected = 200 if role in ("coordinator", "admin") else 403
    assert client.get("/coverage/population").status_code == expected


def test_a_team_of_another_ward_is_refused_by_the_one_ward_check(field, client, auth, db):
    auth.api_login(field.admin)
    for team_id in (field.other_team.id, 2_000_000):  # another ward's team; no team at all
        response = client.put(
            f"/api/v1/campaigns/{field.campaign.id}/hamlets/{field.hamlet.id}/team", json={"team_id": team_id}
        )
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"]["team_id"] == [
            "Đội và thôn/ấp phải cùng một phường/xã."
        ]
    rows = db.session.scalars(sa.select(TeamHamlet.team_id).where(TeamHamlet.hamlet_id == field.hamlet.id))
    assert list(rows) == [field.team.id]


UPLOADS = [
    (
        "page",
        "/wards/{ward}/hamlets/import",
        "Tên,Loại,Số hộ,Dân số\nKhu 9,khu_pho,10,40\nKhu 10,khu_pho,-1,40\n",
    ),
    (
        "api",
        "/api/v1/wards/{ward}/hamlets/import",
        "Tên,Loại,Số hộ,Dân số\nKhu 9,khu_pho,10,40\nKhu 10,khu_pho,-1,40\n",
    ),
    ("page", "/hamlets/{hamlet}/households/import", "Số nhà\nSố 1\n" + "x" * 200 + "\n"),
    ("api", "/api/v1/hamlets/{hamlet}/households/import", "Số nhà\nSố 1\n" + "x" * 200 + "\n"),
]


@pytest.mark.parametrize("where,url,bad_rows", UPLOADS)
@pytest.mark.parametrize("problem", ["unreadable", "bad_rows"])
def test_every_upload_is_refused_whole(where, url, bad_rows, problem, field, client, auth, db):
    """The four imports read an upload the same way: an unreadable file or one bad row is a 422
    with the reason, and nothing of the file is stored."""
    auth.login(field.lead)
    url = url.format(ward=NINH_KIEU, hamlet=field.hamlet.id)
    latin1 = b"T\xean,S\xf4 nh\xe0\nKhu 9,S\xf4 1\n"  # saved as Latin-1, not UTF-8
    content = latin1 if problem == "unreadable" else bad_rows.encode()
    before = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Hamlet)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Household)),
    )
    if where == "api":
        response = client.post(url, data=content, content_type="text/csv")
        error = response.get_json()["error"]
        assert error["code"] == ("bad_file" if problem == "unreadable" else "invalid"), error
        shown = error["message"] if problem == "unreadable" else " ".join(error["fields"]["rows"])
    else:
        response = client.post(url, data={"file": (io.BytesIO(content), "list.csv")})
        shown = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ("UTF-8" in shown) if problem == "unreadable" else ("Dòng 3" in shown)
    db.session.expire_all()
    after = (
        db.session.scalar(sa.select(sa.func.count()).select_from(Hamlet)),
        db.session.scalar(sa.select(sa.func.count()).select_from(Household)),
    )
    assert after == before


# --- one JSON shape of a visit's time ----------------------------------------------------------


def test_a_visit_has_one_time_format_in_every_answer(field, client, auth, db):
    """GET /api/v1/visits (the phone) and the review API write visited_at the same way: Vietnam's
    time with +07:00, as the OpenAPI document says."""
    auth.api_login(field.volunteer)
    at = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    item = api_item(field, visited_at=at.isoformat())
    assert (
        client.post("/api/v1/visits", json={"visits": [item]}).get_json()["results"][0]["status"] == "created"
    )
    [mine] = client.get("/api/v1/visits?mine=1").get_json()["visits"]
    auth.logout()
    auth.api_login(field.lead)
    [reviewed] = client.get("/api/v1/review/visits?status=all").get_json()["items"]
    expected = at.astimezone(VN_TZ).isoformat()
    assert mine["visited_at"] == reviewed["visited_at"] == expected
    assert expected.endswith("+07:00")
    doc = client.get("/api/openapi.json").get_json()
    review_visit = doc["paths"]["/api/v1/review/visits"]["get"]["responses"]["200"]["content"]
    items = review_visit["application/json"]["schema"]["properties"]["items"]["items"]
    for schema in (
        doc["components"]["schemas"]["VisitOut"]["properties"]["visited_at"],
        items["properties"]["visited_at"],
    ):
        assert schema["pattern"] == r"\+07:00$" and "+07:00" in schema["description"]


def test_roles_outside_access_are_gone():
    """No view, API module or template restates a role rule: they all ask campaign/access.py."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    pattern = re.compile(r"Role\.[A-Z]+|\.role ==|\.role !=|role in \(|role not in|role\.value (==|in|not)")
    places = [
        *root.glob("campaign/*/views.py"),
        *root.glob("campaign/api/*.py"),
        root / "campaign/home/services.py",
        *root.glob("templates/**/*.html"),
    ]
    found = [
        f"{path.relative_to(root)}: {line.strip()}"
        for path in places
        for line in path.read_text().splitlines()
        if pattern.search(line)
    ]
    assert found == []


@pytest.mark.parametrize("role", [Role.VOLUNTEER, Role.LEAD, Role.COORDINATOR, Role.ADMIN])
def test_reviewers_only_is_one_guard(role, field, client, auth):
    """The review pages and the review API share access.reviewers_only."""
    user = {Role.VOLUNTEER: field.volunteer, Role.LEAD: field.lead, Role.COORDINATOR: field.coordinator}.get(
        role, field.admin
    )
    auth.api_login(user)
    page, api = client.get("/review/"), client.get("/api/v1/review/visits")
    expected = 403 if role == Role.VOLUNTEER else 200
    assert (page.status_code, api.status_code) == (expected, expected)


def test_other_wards_team_hamlets_stay_unlisted(field, db, app):
    """A lead's list is their ward's hamlets; another ward's stays out, whatever its team."""
    with app.test_request_context():
        ids = {h.id for h in loggable_hamlets(field.lead, field.campaign)}
    assert field.hamlet.id in ids and field.other_hamlet.id not in ids
    assert db.session.get(Hamlet, field.other_hamlet.id).ward_code == CAI_KHE


@pytest.mark.parametrize("role", ROLES)
def test_a_national_campaign_follows_the_same_rule(role, field, make_campaign, make_team, db, app):
    national = make_campaign(province=None, name="Toàn quốc")
    make_team(NINH_KIEU, campaign=national, hamlets=[field.hamlet])
    user = getattr(field, role)
    if role == "volunteer":  # their team in the national campaign
        user.team_id = db.session.scalar(
            sa.select(TeamHamlet.team_id).where(TeamHamlet.campaign_id == national.id)
        )
        db.session.commit()
    with app.test_request_context():
        listed = {h.id for h in loggable_hamlets(user, national)}
        batch = access.loggable_hamlet_ids(user, national, [field.hamlet.id, field.other_hamlet.id])
    assert listed == batch
    assert (field.hamlet.id in listed) == LOGS_VISITS[role]
