"""Breakdowns by organisation kind and by site kind: hand-computed figures on the area pages and
exports, the summary tables checked and repaired, who sees them, and the visits export's site kind."""

import csv
import io
from datetime import date

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.auth.models import Role
from campaign.campaigns.models import OrgKind
from campaign.coverage import recount
from campaign.coverage.breakdowns import area_breakdowns
from campaign.coverage.models import BreakdownDay, BreakdownTotal
from campaign.coverage.report import area_report
from campaign.coverage.tree import find_area
from campaign.extensions import db
from campaign.visits.models import Outcome, ReviewStatus, SiteKind
from tests.test_coverage import CAI_KHE, CAN_THO, HA_NOI, NINH_KIEU, add_visit, set_status

START, DEADLINE = date(2026, 8, 1), date(2026, 8, 30)
INS, AI, RF, NH = Outcome.INSTALLED, Outcome.ALREADY_INSTALLED, Outcome.REFUSED, Outcome.NOT_HOME


class World:
    pass


@pytest.fixture
def world(make_campaign, make_hamlet, make_team, make_user):
    """Two wards of Cần Thơ, three teams of three kinds, a lead who logs a visit himself.

    Visits (day in August 2026; counted unless said):
      1 v1 (Youth Union)   A "1" installed 2, already 1, 4 people   10th  reaches A1
      2 v1                 A "2" nobody home                         10th
      3 v2 (Youth Union)   A "2" refused, 3 people                   11th  reaches A2
      4 v3 (Women's Union) A "1" already 2, 3 people                 11th  (A1 already reached)
      5 v3                 A school: installed 5, 20 people          12th
      6 v4 (Red Cross)     C "1" installed 3, 3 people               12th  reaches C1
      7 v4                 C market: installed 4, 10 people          13th
      8 lead (no team)     B "1" installed 1, 2 people               13th  reaches B1
      9 v2                 B "2" installed 1, 1 person                3rd  reaches B2
     10 v1                 A "3" installed 10, 10 people             14th  rejected
    """
    w = World()
    w.campaign = c = make_campaign(CAN_THO, start=START, deadline=DEADLINE)
    w.a = make_hamlet(NINH_KIEU, name="Khu vực A", households=30, population=100)
    w.b = make_hamlet(NINH_KIEU, name="Khu vực B", households=20, population=80)
    w.c = make_hamlet(CAI_KHE, name="Khu vực C", households=10, population=50)
    w.t1 = make_team(NINH_KIEU, campaign=c, hamlets=[w.a, w.b], org_kind=OrgKind.YOUTH_UNION)
    w.t2 = make_team(NINH_KIEU, campaign=c, hamlets=[w.a], org_kind=OrgKind.WOMENS_UNION)
    w.t3 = make_team(CAI_KHE, campaign=c, hamlets=[w.c], org_kind=OrgKind.RED_CROSS)
    ha_noi_ward = db.session.scalar(
        sa.text("SELECT code FROM ward WHERE province_code = :p LIMIT 1"), {"p": HA_NOI}
    )
    w.t_hn = make_team(ha_noi_ward, org_kind=OrgKind.TELECOM_POST)
    w.v1, w.v2 = make_user(Role.VOLUNTEER, team=w.t1), make_user(Role.VOLUNTEER, team=w.t1)
    w.v3 = make_user(Role.VOLUNTEER, team=w.t2)
    w.v4 = make_user(Role.VOLUNTEER, team=w.t3)
    w.v_hn = make_user(Role.VOLUNTEER, team=w.t_hn)
    w.lead = make_user(Role.LEAD, ward=NINH_KIEU)
    w.other_lead = make_user(Role.LEAD, ward=CAI_KHE)
    w.coordinator = make_user(Role.COORDINATOR, province=CAN_THO)
    w.other_coordinator = make_user(Role.COORDINATOR, province=HA_NOI)
    w.admin = make_user(Role.ADMIN)
    aug = lambda day: date(2026, 8, day)  # noqa: E731
    add_visit(c, w.a, "1", INS, aug(10), already=1, installs={"bluezone": 2}, residents=4, volunteer=w.v1)
    add_visit(c, w.a, "2", NH, aug(10), residents=0, volunteer=w.v1)
    add_visit(c, w.a, "2", RF, aug(11), residents=3, volunteer=w.v2)
    add_visit(c, w.a, "1", AI, aug(11), already=2, residents=3, volunteer=w.v3)
    add_visit(
        c, w.a, "Trường THCS", INS, aug(12), installs={"bluezone": 5}, residents=20, volunteer=w.v3,
        site_kind=SiteKind.SCHOOL,
    )  # fmt: skip
    add_visit(c, w.c, "1", INS, aug(12), installs={"bluezone": 3}, residents=3, volunteer=w.v4)
    add_visit(
        c, w.c, "Chợ Tân An", INS, aug(13), installs={"bluezone": 4}, residents=10, volunteer=w.v4,
        site_kind=SiteKind.MARKET,
    )  # fmt: skip
    add_visit(c, w.b, "1", INS, aug(13), installs={"bluezone": 1}, residents=2, volunteer=w.lead)
    add_visit(c, w.b, "2", INS, aug(3), installs={"bluezone": 1}, residents=1, volunteer=w.v2)
    rejected = add_visit(c, w.a, "3", INS, aug(14), installs={"bluezone": 10}, residents=10, volunteer=w.v1)
    set_status(rejected, ReviewStatus.REJECTED)
    return w


def figures(lines) -> dict:
    return {
        line.key: (line.visits, line.households_reached, line.people_reached, line.known_users, line.installs)
        for line in lines
        if line.visits
    }


def test_ward_breakdowns_by_organisation_and_site_kind(world):
    b = area_breakdowns(world.campaign, find_area("ward", NINH_KIEU), date(2026, 8, 16))
    # (visits, households reached, people reached, users found, installs)
    assert figures(b.by_org) == {
        "youth_union": (4, 3, 8, 4, 3),  # visits 1, 2, 3, 9
        "womens_union": (2, 0, 23, 7, 5),  # visits 4, 5
        "no_team": (1, 1, 2, 1, 1),  # the lead's visit 8
    }
    assert figures(b.by_site) == {"household": (6, 4, 13, 7, 4), "school": (1, 0, 20, 5, 5)}
    # Every kind is listed, in the vocabulary's order, the kinds without visits at zero.
    assert [line.key for line in b.by_site][:3] == ["household", "school", "business"]
    assert len([line for line in b.by_org if line.key != "no_team"]) == len(OrgKind)


def test_province_adds_its_wards_and_an_earlier_day_leaves_later_visits_out(world):
    province = area_breakdowns(world.campaign, find_area("province", CAN_THO), date(2026, 8, 16))
    assert figures(province.by_org)["red_cross"] == (2, 1, 13, 7, 7)  # visits 6, 7
    assert figures(province.by_site) == {
        "household": (7, 5, 16, 10, 7),
        "school": (1, 0, 20, 5, 5),
        "market": (1, 0, 10, 4, 4),
    }
    # As of the 12th: visits 7 and 8 (the 13th) are not counted yet.
    earlier = area_breakdowns(world.campaign, find_area("ward", NINH_KIEU), date(2026, 8, 12))
    assert figures(earlier.by_org) == {"youth_union": (4, 3, 8, 4, 3), "womens_union": (2, 0, 23, 7, 5)}


def test_breakdowns_add_up_to_the_area_totals(world):
    """Each breakdown splits the area's own figures: nothing lost, nothing counted twice."""
    area = find_area("province", CAN_THO)
    numbers = area_report(world.campaign, area, date(2026, 8, 16), with_trend=False).numbers
    b = area_breakdowns(world.campaign, area, date(2026, 8, 16))
    assert (numbers.visits, numbers.households_reached, numbers.installs) == (9, 5, 16)
    for lines in (b.by_org, b.by_site):
        assert sum(line.visits for line in lines) == numbers.visits
        assert sum(line.households_reached for line in lines) == numbers.households_reached
        assert sum(line.installs for line in lines) == numbers.installs
        assert sum(line.known_users for line in lines) == numbers.known_users


def test_area_page_shows_both_breakdowns(world, client, auth):
    auth.login(world.lead)
    page = client.get(f"/coverage/ward/{NINH_KIEU}?campaign_id={world.campaign.id}&date=2026-08-16")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Theo tổ chức" in html and "Theo loại địa điểm" in html
    assert "Đoàn Thanh niên" in html and "Hội Liên hiệp Phụ nữ" in html and "Trường học" in html
    assert "Hội Chữ thập đỏ" not in html  # no Red Cross visits in this ward: the row is left out
    assert "Không thuộc đội" in html


def test_breakdowns_export_csv_and_xlsx(world, client, auth):
    auth.login(world.coordinator)
    query = f"campaign_id={world.campaign.id}&date=2026-08-16"
    response = client.get(f"/coverage/province/{CAN_THO}/breakdowns.csv?{query}")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == [
        "Theo",
        "Loại",
        "Lượt gõ cửa",
        "Hộ đã đến",
        "Người đã gặp",
        "Người dùng đã biết",
        "Cài mới",
    ]
    by_label = {(r[0], r[1]): r[2:] for r in rows[1:]}
    assert by_label[("Tổ chức", "Hội Chữ thập đỏ")] == ["2", "1", "13", "7", "7"]
    assert by_label[("Loại địa điểm", "Chợ, trung tâm thương mại")] == ["1", "0", "10", "4", "4"]
    assert by_label[("Tổ chức", "Bưu điện, viễn thông")] == ["0", "0", "0", "0", "0"]
    xlsx = client.get(f"/coverage/province/{CAN_THO}/breakdowns.xlsx?{query}")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Theo tổ chức và loại địa điểm", "Thành phố Cần Thơ"]
    assert ["Tổ chức", "Đoàn Thanh niên", 4, 3, 8, 4, 3] in values
    header = next(i for i, row in enumerate(values, start=1) if row[0] == "Theo")
    assert sheet.cell(header + 1, 3).data_type == "n"


@pytest.mark.parametrize(
    ("who", "level", "code", "status"),
    [
        ("lead", "ward", NINH_KIEU, 200),
        ("lead", "ward", CAI_KHE, 403),
        ("coordinator", "province", CAN_THO, 200),
        ("other_coordinator", "province", CAN_THO, 403),
        ("coordinator", "country", "vn", 403),  # the ranking, but nothing split by teams
        ("admin", "country", "vn", 200),
        ("v1", "ward", NINH_KIEU, 403),
        ("lead", "hamlet", "a", 200),
        ("other_lead", "hamlet", "a", 403),
        ("v1", "hamlet", "a", 403),  # the volunteer's own hamlet: not how other teams share it
    ],
)
def test_who_sees_the_breakdowns_export(world, client, auth, who, level, code, status):
    if level == "hamlet":
        code = getattr(world, code).id
    auth.login(getattr(world, who))
    response = client.get(f"/coverage/{level}/{code}/breakdowns.csv?campaign_id={world.campaign.id}")
    assert response.status_code == status


def test_country_page_shows_a_coordinator_no_breakdown(world, client, auth, make_campaign):
    national = make_campaign(None, start=START, deadline=DEADLINE)
    auth.login(world.coordinator)
    page = client.get(f"/coverage/country/vn?campaign_id={national.id}")
    assert page.status_code == 200
    assert "Theo tổ chức" not in page.get_data(as_text=True)


def test_check_totals_catches_a_corrupted_breakdown_row_and_rebuild_repairs_it(world, app):
    cid = world.campaign.id
    assert recount.mismatches(cid) == []
    db.session.execute(
        sa.update(BreakdownDay)
        .where(BreakdownDay.campaign_id == cid, BreakdownDay.team_id == world.t2.id)
        .values(installs=BreakdownDay.installs + 1)
    )
    db.session.execute(
        sa.update(BreakdownTotal)
        .where(BreakdownTotal.campaign_id == cid, BreakdownTotal.team_id == world.t3.id)
        .values(households_reached=0)
    )
    db.session.commit()
    problems = recount.mismatches(cid)
    assert any(f"team {world.t2.id} site school: installs stored 6, visits say 5" in p for p in problems)
    assert any(
        f"all days team {world.t3.id} site household: households_reached stored 0" in p for p in problems
    )
    runner = app.test_cli_runner()
    assert runner.invoke(args=["check-totals", "--campaign", str(cid)]).exit_code == 1
    assert runner.invoke(args=["rebuild-totals", "--campaign", str(cid)]).exit_code == 0
    db.session.expire_all()
    assert recount.mismatches(cid) == []
    result = runner.invoke(args=["check-totals", "--campaign", str(cid)])
    assert result.exit_code == 0, result.output


def test_a_visit_keeps_its_team_when_the_volunteer_moves(world):
    from campaign.campaigns.services import move_volunteer

    before = area_breakdowns(world.campaign, find_area("ward", NINH_KIEU), date(2026, 8, 16))
    move_volunteer(world.admin, world.v3, world.t1)
    db.session.commit()
    after = area_breakdowns(world.campaign, find_area("ward", NINH_KIEU), date(2026, 8, 16))
    assert figures(after.by_org) == figures(before.by_org)
    assert recount.mismatches(world.campaign.id) == []


def test_visits_export_has_the_site_kind_column(world, client, auth):
    auth.login(world.lead)
    response = client.get("/review/export/visits.csv?status=all")
    assert response.status_code == 200, response.status_code
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header = rows[0]
    site = header.index("Loại địa điểm")
    household = header.index("Hộ / điểm")
    kinds = {row[household]: row[site] for row in rows[1:]}
    assert kinds["Trường THCS"] == "Trường học"
    assert kinds["1"] == "Hộ gia đình"
    # The installs per app still sit under their own headers.
    assert rows[1][header.index("Cài mới Bluezone")].isdigit()


def test_the_migration_fills_the_breakdowns_from_the_visits(world):
    """Down to before the breakdowns and up again, on the suite's own data: the migration's
    backfill gives the visits their teams and the tables what `check-totals` expects."""
    from flask_migrate import downgrade, upgrade

    cid = world.campaign.id
    expected = recount.stored_breakdowns(cid)
    assert expected[0]
    db.session.commit()
    db.session.close()
    try:
        downgrade(revision="b7e4d2a9c1f3")
    finally:
        upgrade()
    assert recount.stored_breakdowns(cid) == expected
    assert recount.mismatches(cid) == []
