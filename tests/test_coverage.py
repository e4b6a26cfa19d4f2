"""The summary and the area pages, on visits logged the way the app logs them."""

import re
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from campaign.coverage import recount, totals
from campaign.extensions import db
from campaign.i18n import VN_TZ
from campaign.visits.models import Outcome, ReviewStatus, SiteKind, Visit
from tests.conftest import store_visit


def add_visit(
    campaign,
    hamlet,
    label: str,
    outcome: Outcome,
    day: date,
    *,
    at: time = time(10, 0),
    already: int = 0,
    installs: dict | None = None,
    residents: int | None = None,
    volunteer=None,
    status: ReviewStatus = ReviewStatus.APPROVED,
    site_kind: SiteKind = SiteKind.HOUSEHOLD,
    corrects=None,
) -> Visit:
    """One visit logged through the app's own path (conftest.store_visit), then given `status`
    as a review would. Without a volunteer, one of the team that covers the hamlet logs it."""
    installs = installs or {}
    total = sum(installs.values())
    return store_visit(
        campaign,
        hamlet,
        volunteer,
        label=label,
        at=datetime.combine(day, at, VN_TZ).astimezone(UTC),
        outcome=outcome,
        residents=residents if residents is not None else already + total,
        smartphones=max(total, already),
        already=already,
        installs=installs,
        corrects=corrects,
        site_kind=site_kind,
        status=status,
    )


def set_status(visit: Visit, status: ReviewStatus, *, commit: bool = True) -> None:
    with totals.tracking(visit.campaign_id, [visit.household_id]):
        visit.review_status = status
    if commit:
        db.session.commit()


# --- a small world with hand-computed numbers ---------------------------------------------------
#
# Cần Thơ (92): Ninh Kiều (31135) has hamlets A (pop 100, 30 households) and B (pop 200, 50
# households); Cái Khế (31120) has hamlet C (pop 100, 20 households). Target 30 % by 30/08/2026.
#
# since = 05/08: A 3 users (3 %), B 2 (1 %), C 1 (1 %): Ninh Kiều 5/300 ranks 1st, Cái Khế 2nd.
# as of 12/08:   A 3 (3 %), B 10 (5 %), C 7 (7 %): Cái Khế 7 % ranks 1st (▲1), Ninh Kiều 13/300 2nd (▼1);
#                in Ninh Kiều B ranks 1st (▲1), A 2nd (▼1).

import io  # noqa: E402

import pytest  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from campaign.auth.models import Role  # noqa: E402
from campaign.coverage.models import HamletDay  # noqa: E402
from campaign.coverage.numbers import rank  # noqa: E402
from campaign.coverage.report import area_report  # noqa: E402
from campaign.coverage.tree import find_area  # noqa: E402

CAN_THO, NINH_KIEU, CAI_KHE, HA_NOI = 92, 31135, 31120, 1
START, DEADLINE = date(2026, 8, 1), date(2026, 8, 30)
SINCE, AS_OF = date(2026, 8, 5), date(2026, 8, 12)
INS, AI, RF, NH, CB = (
    Outcome.INSTALLED,
    Outcome.ALREADY_INSTALLED,
    Outcome.REFUSED,
    Outcome.NOT_HOME,
    Outcome.COME_BACK_LATER,
)


class World:
    pass


@pytest.fixture
def world(cached_world, make_campaign, make_hamlet, make_team, make_user):
    return cached_world("coverage", lambda: build_world(make_campaign, make_hamlet, make_team, make_user))


def build_world(make_campaign, make_hamlet, make_team, make_user) -> World:
    w = World()
    w.campaign = make_campaign(CAN_THO, start=START, deadline=DEADLINE, target=0.30)
    w.a = make_hamlet(NINH_KIEU, name="Khu vực A", population=100, households=30)
    w.b = make_hamlet(NINH_KIEU, name="Khu vực B", population=200, households=50)
    w.c = make_hamlet(CAI_KHE, name="Khu vực C", population=100, households=20)
    w.team = make_team(NINH_KIEU, campaign=w.campaign, hamlets=[w.a])
    w.volunteer = make_user(Role.VOLUNTEER, team=w.team)
    w.lead = make_user(Role.LEAD, ward=NINH_KIEU)
    w.coordinator = make_user(Role.COORDINATOR, province=CAN_THO)
    w.other_coordinator = make_user(Role.COORDINATOR, province=HA_NOI)
    w.admin = make_user(Role.ADMIN)
    c = w.campaign
    add_visit(c, w.a, "1", INS, date(2026, 8, 5), already=1, installs={"bluezone": 2}, residents=4)
    add_visit(c, w.b, "1", AI, date(2026, 8, 5), already=2, residents=3)
    add_visit(c, w.c, "1", INS, date(2026, 8, 5), installs={"ncovi": 1}, residents=2)
    add_visit(c, w.b, "2", INS, date(2026, 8, 10), installs={"bluezone": 3, "ncovi": 1}, residents=5)
    add_visit(c, w.b, "3", INS, date(2026, 8, 11), installs={"bluezone": 4}, residents=4)
    add_visit(c, w.a, "2", NH, date(2026, 8, 11), residents=0)
    add_visit(c, w.a, "2", RF, date(2026, 8, 12), residents=3)
    # 23:30 local on the 12th counts for the 12th …
    add_visit(
        c, w.c, "2", INS, date(2026, 8, 12), at=time(23, 30), already=1, installs={"bluezone": 5}, residents=6
    )
    add_visit(c, w.c, "3", CB, date(2026, 8, 12), residents=0)
    # … 00:30 local on the 13th (still the 12th in UTC) does not.
    add_visit(c, w.c, "4", INS, date(2026, 8, 13), at=time(0, 30), installs={"bluezone": 50}, residents=50)
    rejected = add_visit(c, w.a, "3", INS, date(2026, 8, 12), installs={"bluezone": 10}, residents=10)
    set_status(rejected, ReviewStatus.REJECTED)
    return w


def report(w, level, code, as_of=AS_OF, since=SINCE):
    return area_report(w.campaign, find_area(level, code), as_of, since)


def test_ward_totals_rates_and_outcomes(world):
    r = report(world, "ward", NINH_KIEU)
    n = r.numbers
    assert (n.population, n.households, n.households_reached, n.visits) == (300, 80, 5, 6)
    assert (n.already_installed, n.installs, n.known_users) == (3, 10, 13)
    assert n.user_rate == pytest.approx(13 / 300)
    assert n.households_reached_rate == pytest.approx(5 / 80)
    bluezone, ncovi = world.campaign.apps
    assert n.installs_by_app == {bluezone.id: 9, ncovi.id: 1}
    assert n.outcomes == {
        "installed": 3,
        "already_installed": 1,
        "refused": 1,
        "not_home": 1,
        "no_smartphone": 0,
        "come_back_later": 0,
    }


def test_local_day_bounds_and_rejected_visits(world):
    c12 = report(world, "hamlet", world.c.id).numbers
    assert (c12.known_users, c12.visits, c12.households_reached) == (7, 3, 2)
    c13 = report(world, "hamlet", world.c.id, as_of=date(2026, 8, 13)).numbers
    assert c13.known_users == 57
    a = report(world, "hamlet", world.a.id).numbers
    assert (a.known_users, a.visits, a.households_reached) == (3, 3, 2)


def test_pace_needed_and_projected_date(world):
    pace = report(world, "ward", NINH_KIEU).pace
    # 8 new users (B, on the 10th and 11th) over the 7 days 06/08–12/08.
    assert pace["window_days"] == 7
    assert pace["users_per_day"] == pytest.approx(1.14)
    assert pace["installs_per_day"] == pytest.approx(1.14)
    # ceil(30 % × 300) = 90 users; 77 missing; 18 days left → 5 a day; behind by ceil(5 − 8/7) = 4.
    assert (pace["target_users"], pace["missing_users"], pace["days_left"]) == (90, 77, 18)
    assert (pace["needed_per_day"], pace["status"], pace["behind_by"]) == (5, "behind", 4)
    # 77 / (8/7) = 67.4 → 68 days after 12/08.
    assert pace["projected_date"] == date(2026, 10, 19)
    province = report(world, "province", CAN_THO).pace
    assert (province["users_per_day"], province["missing_users"], province["needed_per_day"]) == (2, 100, 6)
    assert province["projected_date"] == date(2026, 10, 1)


def test_rank_changes_across_two_dates(world):
    province = report(world, "province", CAN_THO)
    wards = {c.code: c for c in province.children}
    assert (wards[CAI_KHE].rank, wards[CAI_KHE].rank_since, wards[CAI_KHE].rank_change) == (1, 2, 1)
    assert (wards[NINH_KIEU].rank, wards[NINH_KIEU].rank_since, wards[NINH_KIEU].rank_change) == (2, 1, -1)
    assert [c.code for c in province.top5] == [CAI_KHE, NINH_KIEU]
    assert [c.code for c in province.climbers] == [CAI_KHE]
    ward = report(world, "ward", NINH_KIEU)
    assert (ward.numbers.rank, ward.numbers.rank_change, ward.numbers.ranked_count) == (2, -1, 2)
    hamlets = {c.code: c for c in ward.children}
    assert (hamlets[world.b.id].rank, hamlets[world.b.id].rank_change) == (1, 1)
    assert (hamlets[world.a.id].rank, hamlets[world.a.id].rank_change) == (2, -1)


def test_country_is_the_sum_of_provinces(world):
    country = report(world, "country", "vn")
    assert (country.numbers.population, country.numbers.known_users) == (400, 20)
    assert [(c.code, c.known_users, c.rank) for c in country.children] == [(CAN_THO, 20, 1)]


def test_trend_is_cumulative_per_day(world):
    trend = report(world, "ward", NINH_KIEU).trend
    assert trend[0]["date"] == START and trend[-1]["date"] == AS_OF
    by_day = {p["date"]: p["known_users"] for p in trend}
    assert (by_day[date(2026, 8, 4)], by_day[date(2026, 8, 5)], by_day[date(2026, 8, 10)]) == (0, 5, 9)
    assert by_day[AS_OF] == 13


# --- boundaries ---------------------------------------------------------------------------------


def test_population_zero_is_unranked_and_has_no_rate(world, make_hamlet):
    empty = make_hamlet(NINH_KIEU, name="Khu vực trống", population=0, households=0)
    add_visit(world.campaign, empty, "1", AI, AS_OF, already=1, residents=1)
    r = report(world, "ward", NINH_KIEU)
    row = next(c for c in r.children if c.code == empty.id)
    assert (row.user_rate, row.rank, row.households_reached_rate) == (None, None, None)
    assert [c.rank for c in r.children] == [1, 2, None]
    own = report(world, "hamlet", empty.id)
    assert own.pace["status"] == "no_population" and own.numbers.rank is None


def test_target_already_met(make_campaign, make_hamlet):
    campaign = make_campaign(CAN_THO, start=START, deadline=DEADLINE, target=0.05)
    hamlet = make_hamlet(NINH_KIEU, population=100)
    add_visit(campaign, hamlet, "1", INS, date(2026, 8, 3), installs={"bluezone": 5}, residents=5)
    pace = area_report(campaign, find_area("hamlet", hamlet.id), AS_OF).pace
    assert (pace["status"], pace["missing_users"], pace["needed_per_day"]) == ("reached", 0, 0)


def test_deadline_passed(world):
    pace = report(world, "ward", NINH_KIEU, as_of=date(2026, 9, 2), since=date(2026, 8, 26)).pace
    assert (pace["status"], pace["days_left"], pace["needed_per_day"]) == ("deadline_passed", 0, None)
    assert pace["users_per_day"] == 0 and pace["projected_date"] is None


def test_ties_share_the_best_rank():
    from campaign.coverage.numbers import Numbers

    units = [
        Numbers("hamlet", i, f"H{i}", population=p, already_installed=k)
        for i, (p, k) in enumerate([(100, 1), (200, 2), (100, 5), (300, 0), (0, 0)])
    ]
    rank(units)
    assert [u.rank for u in units] == [2, 2, 1, 4, None]
    assert units[0].ranked_count == 4


def test_campaign_with_no_visits(make_campaign, make_hamlet):
    campaign = make_campaign(CAN_THO, start=START, deadline=DEADLINE)
    make_hamlet(NINH_KIEU, population=100, households=10)
    r = area_report(campaign, find_area("province", CAN_THO), AS_OF)
    assert (r.numbers.known_users, r.numbers.visits, r.numbers.user_rate) == (0, 0, 0)
    assert (r.pace["status"], r.pace["projected_date"], r.pace["needed_per_day"]) == ("behind", None, 2)
    assert [c.rank for c in r.children] == [1] and r.climbers == []


# --- pages, API, access -------------------------------------------------------------------------


def test_province_page_shows_numbers_ranks_and_pace(client, auth, world):
    auth.login(world.coordinator)
    page = client.get(
        f"/coverage/province/{CAN_THO}?campaign_id={world.campaign.id}&date=2026-08-12&since=2026-08-05"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "5,00 %" in html  # 20 / 400
    assert "Chậm 4 người/ngày" in html
    assert "01/10/2026" in html  # projected date
    assert "▲1" in html and "▼1" in html
    assert f"/coverage/ward/{CAI_KHE}" in html
    # Server-drawn charts; scripts only from files (the copy button), never inline.
    assert "<svg" in html and not re.search(r"<script(?![^>]*\bsrc=)", html) and 'style="' not in html


def test_ward_page_for_its_lead(client, auth, world):
    auth.login(world.lead)
    page = client.get(f"/coverage/ward/{NINH_KIEU}?date=2026-08-12&since=2026-08-05")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "4,33 %" in html and "Hạng 2/2" in html and "Khu vực B" in html
    # The lead's province is out of scope: no link up to it.
    assert f'href="/coverage/province/{CAN_THO}' not in html


@pytest.mark.parametrize(
    ("who", "level", "code", "status"),
    [
        ("volunteer", "hamlet", "a", 200),
        ("volunteer", "hamlet", "b", 403),
        ("volunteer", "ward", NINH_KIEU, 403),
        ("lead", "ward", NINH_KIEU, 200),
        ("lead", "hamlet", "b", 200),
        ("lead", "ward", CAI_KHE, 403),
        ("lead", "province", CAN_THO, 403),
        ("coordinator", "province", CAN_THO, 200),
        ("coordinator", "country", "vn", 403),
        ("other_coordinator", "province", CAN_THO, 403),
        ("admin", "country", "vn", 200),
    ],
)
def test_scope_in_html_and_json(client, auth, world, who, level, code, status):
    code = getattr(world, code).id if code in ("a", "b") else code
    auth.login(getattr(world, who))
    query = f"campaign_id={world.campaign.id}&date=2026-08-12"
    assert client.get(f"/coverage/{level}/{code}?{query}").status_code == status
    for endpoint in ("summary", "children"):
        response = client.get(f"/api/v1/areas/{level}/{code}/{endpoint}?{query}")
        assert response.status_code == status
        if status != 200:
            assert response.get_json()["error"]["status"] == status


def test_api_summary_and_children(client, auth, world):
    auth.login(world.coordinator)
    query = f"campaign_id={world.campaign.id}&date=2026-08-12&since=2026-08-05"
    summary = client.get(f"/api/v1/areas/ward/{NINH_KIEU}/summary?{query}").get_json()
    assert (summary["known_users"], summary["population"], summary["rank"], summary["rank_change"]) == (
        13,
        300,
        2,
        -1,
    )
    assert summary["pace"]["projected_date"] == "2026-10-19" and summary["pace"]["behind_by"] == 4
    assert summary["area"]["parents"][1]["code"] == CAN_THO
    assert summary["trend"][-1] == {
        "date": "2026-08-12",
        "known_users": 13,
        "user_rate": pytest.approx(13 / 300),
    }
    children = client.get(f"/api/v1/areas/province/{CAN_THO}/children?{query}").get_json()
    assert [(c["code"], c["rank"], c["rank_change"]) for c in children["children"]] == [
        (CAI_KHE, 1, 1),
        (NINH_KIEU, 2, -1),
    ]
    assert children["climbers"] == [CAI_KHE] and children["children"][0]["colour"] == "bad"


@pytest.mark.parametrize(
    ("url", "status", "code"),
    [
        ("/api/v1/areas/ward/31135/summary?date=2026-08-12", 400, "bad_params"),
        ("/api/v1/areas/ward/31135/summary?campaign_id=x", 400, "bad_params"),
        ("/api/v1/areas/ward/31135/summary?campaign_id={c}&date=12/08/2026", 400, "bad_params"),
        (
            "/api/v1/areas/ward/31135/children?campaign_id={c}&date=2026-08-12&since=2026-08-20",
            400,
            "bad_params",
        ),
        ("/api/v1/areas/street/1/summary?campaign_id={c}", 404, "bad_level"),
        ("/api/v1/areas/ward/99999999/summary?campaign_id={c}", 404, "area_not_found"),
        ("/api/v1/areas/ward/abc/summary?campaign_id={c}", 404, "area_not_found"),
        ("/api/v1/areas/country/xx/summary?campaign_id={c}", 404, "area_not_found"),
        ("/api/v1/areas/ward/31135/summary?campaign_id=999999", 404, "campaign_not_found"),
        ("/api/v1/areas/ward/4/summary?campaign_id={c}", 404, "area_not_in_campaign"),
    ],
)
def test_api_bad_params(client, auth, world, url, status, code):
    auth.login(world.admin)
    response = client.get(url.format(c=world.campaign.id))
    assert response.status_code == status
    assert response.get_json()["error"]["code"] == code


def test_api_requires_login(client, world):
    response = client.get(f"/api/v1/areas/ward/{NINH_KIEU}/summary?campaign_id={world.campaign.id}")
    assert response.status_code == 401 and response.get_json()["error"]["status"] == 401


def test_openapi_paths_describe_both_endpoints():
    from campaign.api.schemas.coverage import OPENAPI_PATHS

    assert set(OPENAPI_PATHS) == {
        "/api/v1/areas/{level}/{code}/summary",
        "/api/v1/areas/{level}/{code}/children",
    }
    for item in OPENAPI_PATHS.values():
        assert item["get"]["responses"]["403"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


# --- exports ------------------------------------------------------------------------------------


def test_csv_export_has_vietnamese_headers_and_rows(client, auth, world):
    auth.login(world.coordinator)
    response = client.get(f"/coverage/province/{CAN_THO}/table.csv?date=2026-08-12&since=2026-08-05")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    lines = response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Hạng,Thay đổi hạng,Xã, phường".replace("Xã, phường", '"Xã, phường"'))
    assert lines[1].startswith("1,1,Phường Cái Khế,31120,100,20,2,0.1000,3,7,0.0700")
    assert len(lines) == 3


def test_xlsx_export_formats_numbers_and_percentages(client, auth, world):
    auth.login(world.lead)
    response = client.get(f"/coverage/ward/{NINH_KIEU}/table.xlsx?date=2026-08-12&since=2026-08-05")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    headers = [cell.value for cell in sheet[1]]
    assert headers[:3] == ["Hạng", "Thay đổi hạng", "Thôn, ấp, khu phố"]
    rate = headers.index("Tỉ lệ người dùng") + 1
    assert sheet.cell(row=2, column=3).value == "Khu vực B"
    assert sheet.cell(row=2, column=rate).value == pytest.approx(0.05)
    assert sheet.cell(row=2, column=rate).number_format == "0.00%"
    assert sheet.cell(row=2, column=headers.index("Dân số") + 1).number_format == "#,##0"
    assert "Cài Bluezone" in headers and "Không có ai ở nhà" in headers
    assert sheet.max_row == 3  # only the lead's ward's hamlets


def test_export_respects_scope(client, auth, world):
    auth.login(world.lead)
    assert client.get(f"/coverage/province/{CAN_THO}/table.csv").status_code == 403


# --- thresholds and official population ---------------------------------------------------------


def test_coordinator_sets_colour_thresholds(client, auth, world):
    auth.login(world.coordinator)
    response = client.post(
        f"/coverage/campaign/{world.campaign.id}/thresholds",
        data={"warn": "10", "good": "20", "level": "province", "code": str(CAN_THO)},
    )
    assert response.status_code == 302 and f"/coverage/province/{CAN_THO}" in response.location
    db.session.refresh(world.campaign)
    assert (world.campaign.warn_share, world.campaign.good_share) == (0.1, 0.2)
    # 7 % is 23 % of the 30 % target: green now.
    children = client.get(
        f"/api/v1/areas/province/{CAN_THO}/children?campaign_id={world.campaign.id}&date=2026-08-12"
    ).get_json()
    assert children["children"][0]["colour"] == "good"
    client.post(f"/coverage/campaign/{world.campaign.id}/thresholds", data={"warn": "90", "good": "50"})
    db.session.refresh(world.campaign)
    assert world.campaign.warn_share == 0.1  # refused: green below amber
    for text in ("nan", "inf", "-inf"):  # "nan" was a 500: NaN cannot be compared with 0 or 1000
        response = client.post(
            f"/coverage/campaign/{world.campaign.id}/thresholds", data={"warn": text, "good": "20"}
        )
        assert response.status_code < 500
    db.session.refresh(world.campaign)
    assert world.campaign.warn_share == 0.1


def test_lead_cannot_set_thresholds(client, auth, world):
    auth.login(world.lead)
    response = client.post(
        f"/coverage/campaign/{world.campaign.id}/thresholds", data={"warn": "10", "good": "20"}
    )
    assert response.status_code == 403


def _upload(client, text):
    return client.post(
        "/coverage/population",
        data={"file": (io.BytesIO(text.encode()), "dan-so.csv")},
        content_type="multipart/form-data",
    )


def test_official_population_overrides_sums(client, auth, world):
    auth.login(world.coordinator)
    response = _upload(client, "cap,ma,dan_so\nxa,31135,1300\ntinh,92,2000\n")
    assert response.status_code == 302
    ward = report(world, "ward", NINH_KIEU).numbers
    assert (ward.population, ward.households, ward.user_rate) == (1300, 80, pytest.approx(0.01))
    assert report(world, "province", CAN_THO).numbers.population == 2000
    # Without the province's figure it is the sum of its wards: 1300 + Cái Khế's 100.
    _upload(client, "cap,ma,dan_so\ntinh,92,\n")
    assert report(world, "province", CAN_THO).numbers.population == 1400


def test_population_import_is_all_or_nothing_and_idempotent(client, auth, world):
    from campaign.areas.models import Ward
    from campaign.coverage.population import import_population

    auth.login(world.coordinator)
    bad = "cap,ma,dan_so\nxa,31135,1300\nxa,4,5\nxa,31120,-4\nthon,3,3\nxa,31120,abc\n"
    html = _upload(client, bad).get_data(as_text=True)
    assert "Dòng 3" in html and "không thuộc tỉnh của bạn" in html and "Dòng 4" in html and "Dòng 5" in html
    assert db.session.get(Ward, NINH_KIEU).population_official is None
    assert import_population("cap,ma,dan_so\nxa,31135,1300\n", CAN_THO) == 1
    db.session.commit()
    assert import_population("cap,ma,dan_so\nxa,31135,1300\n", CAN_THO) == 0


def test_lead_cannot_import_population(client, auth, world):
    auth.login(world.lead)
    assert _upload(client, "cap,ma,dan_so\nxa,31135,1\n").status_code == 403


# --- check-totals -------------------------------------------------------------------------------


def test_check_totals_after_demo_and_a_deliberate_mismatch(runner):
    result = runner.invoke(args=["demo", "--password", "demo-password-2026"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["check-totals"])
    assert result.exit_code == 0 and "Totals agree" in result.output
    row = db.session.scalars(sa.select(HamletDay).order_by(HamletDay.hamlet_id, HamletDay.day)).first()
    row.visits += 1
    db.session.commit()
    result = runner.invoke(args=["check-totals"])
    assert result.exit_code != 0
    assert (
        f"hamlet {row.hamlet_id} day {row.day}: visits stored {row.visits}, visits say {row.visits - 1}"
        in result.output
    )
    assert runner.invoke(args=["rebuild-totals"]).exit_code == 0
    assert runner.invoke(args=["check-totals"]).exit_code == 0


def test_sql_rebuild_matches_incremental_tracking(world):
    days, apps = recount.stored(world.campaign.id)
    recount.rebuild(world.campaign.id)
    db.session.commit()
    assert recount.stored(world.campaign.id) == (days, apps)
    assert recount.mismatches(world.campaign.id) == []


def test_nav_links_to_the_area_page(client, auth, world):
    auth.login(world.lead)
    assert "/coverage/" in client.get("/").get_data(as_text=True)
    assert client.get("/coverage/").location.endswith(f"/coverage/ward/{NINH_KIEU}")
    auth.logout()
    auth.login(world.volunteer)
    assert 'href="/coverage/"' not in client.get("/").get_data(as_text=True)
    assert f"/coverage/hamlet/{world.a.id}" in client.get("/coverage/").location


def test_trend_chart_is_an_svg_image_with_the_target_line(client, auth, world):
    auth.login(world.lead)
    page = client.get(f"/coverage/ward/{NINH_KIEU}?date=2026-08-12").get_data(as_text=True)
    assert f"/coverage/ward/{NINH_KIEU}/trend.svg?" in page
    svg = client.get(f"/coverage/ward/{NINH_KIEU}/trend.svg?campaign_id={world.campaign.id}&date=2026-08-12")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    body = svg.get_data(as_text=True)
    assert "mục tiêu" in body and "<polyline" in body and "01/08/2026" in body and "12/08/2026" in body
    assert client.get(f"/coverage/ward/{CAI_KHE}/trend.svg").status_code == 403


def test_all_days_totals_follow_review_changes(world):
    from campaign.coverage.models import HamletTotal

    row = db.session.get(HamletTotal, (world.campaign.id, world.c.id))
    assert (row.visits, row.installs, row.already_installed) == (4, 56, 1)
    visit = db.session.scalar(
        sa.select(Visit).where(Visit.hamlet_id == world.c.id, Visit.installs_total == 50)
    )
    set_status(visit, ReviewStatus.REJECTED)
    db.session.refresh(row)
    assert (row.visits, row.installs) == (3, 6)
    assert recount.mismatches(world.campaign.id) == []
