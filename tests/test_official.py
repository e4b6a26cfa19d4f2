"""Official user counts: the import (preview, then all or nothing), both bases side by side, the
ranking on either basis with its "no figure" rule, and a province that only has its own population.

Every expected figure is computed by hand in the comments."""

import csv
import io
import re
from datetime import timedelta
from fractions import Fraction

import openpyxl
import sqlalchemy as sa

from campaign.areas.models import Province
from campaign.auth.models import Role
from campaign.coverage.models import OfficialCount
from campaign.coverage.report import area_report
from campaign.coverage.tree import country_area
from campaign.extensions import db
from campaign.i18n import local_today
from campaign.visits.models import Outcome
from tests.conftest import CAN_THO, HA_NOI, NINH_KIEU
from tests.test_coverage import add_visit

HUE = 46  # a third province, with a population and no official count
TODAY = local_today()  # the app's today (Asia/Ho_Chi_Minh), not the machine's
D = TODAY - timedelta(days=1)
SINCE = D - timedelta(days=7)


def official(level, code, day, users, app="bluezone"):
    db.session.add(OfficialCount(level=level, code=code, day=day, app_code=app, users=users))


def national(make_campaign, make_hamlet, **kw):
    """Cần Thơ: official population 1.000 (its hamlet says 400), 100 users found by volunteers.
    Hà Nội: official population 2.000 for the province only, no ward and no hamlet has any.
    Huế: official population 5.000, nothing else."""
    campaign = make_campaign(None, start=TODAY - timedelta(days=20), deadline=D + timedelta(days=10), **kw)
    hamlet = make_hamlet(NINH_KIEU, population=400)
    add_visit(
        campaign,
        hamlet,
        "1",
        Outcome.INSTALLED,
        D - timedelta(days=2),
        installs={"bluezone": 60},
        residents=60,
    )
    add_visit(campaign, hamlet, "2", Outcome.ALREADY_INSTALLED, D - timedelta(days=2), already=40)
    for code, population in ((CAN_THO, 1000), (HA_NOI, 2000), (HUE, 5000)):
        db.session.get(Province, code).population_official = population
    # Official counts as of D (the latest on or before D) and as of the earlier date:
    # Cần Thơ 150 now (15 %), 120 then (12 %); Hà Nội 500 now (25 %), 100 then (5 %).
    official("province", CAN_THO, SINCE, 120)
    official("province", CAN_THO, D - timedelta(days=1), 150)
    official("province", HA_NOI, SINCE - timedelta(days=3), 100)
    official("province", HA_NOI, D, 500)
    official("province", HA_NOI, TODAY, 900)  # after D: not counted as of D
    db.session.commit()
    return campaign


def by_code(report):
    return {c.code: c for c in report.children}


def test_found_basis_ranks_a_province_that_has_only_its_own_population(make_campaign, make_hamlet):
    campaign = national(make_campaign, make_hamlet)
    report = area_report(campaign, country_area(), D, SINCE)
    children = by_code(report)
    # Cần Thơ 100/1.000 = 10 %; Hà Nội 0/2.000 = 0 %; Huế 0/5.000 = 0 %: Hà Nội and Huế tie at 2.
    assert children[CAN_THO].exact_rate == Fraction(1, 10)
    assert children[HA_NOI].population == 2000
    assert [(c.code, c.rank) for c in report.children][:1] == [(CAN_THO, 1)]
    assert (children[HA_NOI].rank, children[HUE].rank, children[CAN_THO].ranked_count) == (2, 2, 3)
    # Both bases are shown, whatever the ranking uses: Cần Thơ's official 150 = 15 %, and the
    # volunteers found 100 of those 150 = 2/3.
    assert children[CAN_THO].official_users == 150
    assert children[CAN_THO].official_rate == 0.15
    assert children[CAN_THO].found_share == 100 / 150
    assert children[HUE].official_users is None


def test_official_basis_ranks_on_official_counts_and_lists_no_figure_last(make_campaign, make_hamlet):
    campaign = national(make_campaign, make_hamlet, ranking_app_code="bluezone")
    report = area_report(campaign, country_area(), D, SINCE)
    children = by_code(report)
    # As of D: Hà Nội 500/2.000 = 25 % first, Cần Thơ 150/1.000 = 15 % second.
    # The earlier date: Cần Thơ 120/1.000 = 12 % first, Hà Nội 100/2.000 = 5 % second.
    assert (children[HA_NOI].rank, children[CAN_THO].rank) == (1, 2)
    assert (children[HA_NOI].rank_since, children[CAN_THO].rank_since) == (2, 1)
    assert (children[HA_NOI].rank_change, children[CAN_THO].rank_change) == (1, -1)
    # Huế has a population but no official count: "no figure", after the ranked ones, never
    # ranked on what volunteers found (0 %, which would tie it with nobody and rank it 3rd).
    assert children[HUE].rank is None
    assert [c.code for c in report.children] == [HA_NOI, CAN_THO, HUE]
    assert children[HA_NOI].ranked_count == 2
    assert [c.code for c in report.top5] == [HA_NOI, CAN_THO]
    assert [c.code for c in report.climbers] == [HA_NOI]


def test_official_basis_sets_target_and_pace(make_campaign, make_hamlet):
    campaign = national(make_campaign, make_hamlet, ranking_app_code="bluezone")
    from campaign.coverage.tree import find_area

    report = area_report(campaign, find_area("province", CAN_THO), D, SINCE)
    # Target 30 % of 1.000 = 300; official 150, so 150 missing; 10 days left: 15 a day.
    # Pace: 150 now − 120 the day before the 7-day window (SINCE is that day) = 30 in 7 days.
    assert report.pace["target_users"] == 300
    assert report.pace["missing_users"] == 150
    assert report.pace["needed_per_day"] == 15
    assert report.pace["users_per_day"] == round(30 / 7, 2)
    assert report.pace["status"] == "behind"
    huế = area_report(campaign, find_area("province", HUE), D, SINCE)
    assert huế.pace["status"] == "no_figure"


def test_area_page_api_and_export_show_both_bases(make_campaign, make_hamlet, make_user, client, auth):
    campaign = national(make_campaign, make_hamlet, ranking_app_code="bluezone")
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    query = {"campaign_id": campaign.id, "date": D.isoformat(), "since": SINCE.isoformat()}
    page = client.get("/coverage/province/92", query_string=query).get_data(as_text=True)
    assert "Người dùng chính thức" in page
    assert "150 (15,00 %)" in page  # official, with its rate
    assert "100 (10,00 %)" in page  # found by volunteers, with theirs
    assert "66,7 %" in page  # the volunteers' share of the official users
    body = client.get("/api/v1/areas/province/92/summary", query_string=query).get_json()
    assert (body["official_users"], body["official_rate"], body["known_users"]) == (150, 0.15, 100)
    assert body["found_share_of_official"] == 100 / 150
    assert (body["basis"], body["campaign"]["ranking_app_code"]) == ("official", "bluezone")
    export = client.get("/coverage/country/vn/table.csv", query_string=query).get_data(as_text=True)
    columns, *rows = csv.reader(export.lstrip("\ufeff").splitlines())
    row = next(r for r in rows if "Cần Thơ" in r[2])
    assert row[columns.index("Người dùng chính thức")] == "150"
    assert row[columns.index("Tỉ lệ người dùng chính thức")] == "0.1500"
    huế = next(r for r in rows if "Huế" in r[2])
    assert huế[columns.index("Hạng")] == ""  # no figure on the basis: no rank


CSV = "Cấp;Mã;Ngày;Ứng dụng;Người dùng\ntinh;92;{d};bluezone;55.289\nxa;31135;{d};bluezone;4120\n"


def post(client, data: bytes, name="so-lieu.csv", *, apply):
    form = {"file": (io.BytesIO(data), name), ("apply" if apply else "preview"): "1"}
    return client.post("/coverage/official", data=form, content_type="multipart/form-data")


def stored():
    rows = db.session.execute(
        sa.select(OfficialCount.level, OfficialCount.code, OfficialCount.day, OfficialCount.users)
    )
    return sorted(rows.tuples().all())


def test_import_previews_then_applies_and_a_new_figure_replaces_the_day(field, client, auth):
    auth.login(field.coordinator)
    day = D.strftime("%d/%m/%Y")
    preview = post(client, CSV.format(d=day).encode(), apply=False)
    assert "Xem trước: 2 dòng đúng" in preview.get_data(as_text=True)
    assert "55.289 người dùng" in preview.get_data(as_text=True)
    assert stored() == []  # a preview stores nothing
    assert post(client, CSV.format(d=day).encode(), apply=True).status_code == 302
    assert stored() == [("province", CAN_THO, D, 55289), ("ward", NINH_KIEU, D, 4120)]
    again = f"cap,ma,ngay,ung_dung,nguoi_dung\ntinh,92,{D.isoformat()},bluezone,56000\n"
    post(client, again.encode(), apply=True)
    assert stored() == [("province", CAN_THO, D, 56000), ("ward", NINH_KIEU, D, 4120)]


def test_import_is_all_or_nothing_with_a_message_per_line(field, client, auth):
    auth.login(field.coordinator)
    day = D.isoformat()
    bad = (
        "cap,ma,ngay,ung_dung,nguoi_dung\n"
        f"tinh,92,{day},bluezone,100\n"
        f"tinh,1,{day},bluezone,100\n"  # Hà Nội: not this coordinator's province
        f"tinh,92,{(TODAY + timedelta(days=1)).isoformat()},bluezone,100\n"  # the future
        f"tinh,92,{day},zalo,100\n"  # no campaign tracks it
        f"tinh,92,31/02/2020,bluezone,100\n"  # no such day
        f"xa,31135,{day},bluezone,{'9' * 40}\n"  # above any ward's population
        f"tinh,92,{day},bluezone,100\n"  # the first line again
    )
    page = post(client, bad.encode(), apply=True).get_data(as_text=True)
    assert stored() == []
    for line in (3, 4, 5, 6, 7, 8):
        assert f"Dòng {line}:" in page
    assert "Dòng 2:" not in page


def test_import_reads_xlsx(field, client, auth):
    auth.login(field.admin)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["CẤP", "mã", "ngày", "ứng dụng", "người dùng"])
    sheet.append(["tinh", 1, D, "ncovi", 1250.0])
    out = io.BytesIO()
    book.save(out)
    assert post(client, out.getvalue(), "so-lieu.xlsx", apply=True).status_code == 302
    assert stored() == [("province", HA_NOI, D, 1250)]


def test_import_is_for_coordinators_and_admins(field, client, auth):
    auth.login(field.lead)
    assert post(client, b"cap,ma,ngay,ung_dung,nguoi_dung\n", apply=True).status_code == 403


def test_text_summary_prints_every_number_of_the_report(make_campaign, make_hamlet):
    from datetime import datetime

    from campaign.coverage.summary import text_summary
    from campaign.coverage.tree import find_area

    campaign = national(make_campaign, make_hamlet, ranking_app_code="bluezone")
    report = area_report(campaign, find_area("province", CAN_THO), D, SINCE)
    deadline = campaign.deadline
    # Official 150 of 1.000 = 15,00 %; 2nd of the 2 ranked (Huế has no figure); 1st a week ago,
    # so down 1; target 30 % of 1.000 = 300, so 150 more.
    assert text_summary(report, datetime(2020, 8, 13, 16)) == (
        f"Tính đến hết ngày {D.day}/{D.month}/{D.year}, toàn tỉnh có 150 người cài đặt Bluezone, "
        "đạt 15,00 % dân số, xếp thứ 2/2 cả nước, giảm 1 bậc so với tuần trước; "
        f"cần thêm 150 người để đạt mục tiêu 30 % trước {deadline.day}/{deadline.month}."
    )
    today = area_report(campaign, find_area("province", HA_NOI), TODAY, TODAY - timedelta(days=3))
    # Today Hà Nội has 900 of 2.000 = 45,00 %, 1st; three days ago its latest figure was the 100
    # (5 %) of SINCE − 3, 2nd behind Cần Thơ's 120 (12 %): up 1. 45 % is past the 30 % target.
    assert text_summary(today, datetime(2020, 8, 13, 16)) == (
        f"Tính đến 16 giờ ngày {TODAY.day}/{TODAY.month}/{TODAY.year}, toàn tỉnh có 900 người cài đặt "
        "Bluezone, đạt 45,00 % dân số, xếp thứ 1/2 cả nước, tăng 1 bậc so với "
        f"ngày {(TODAY - timedelta(days=3)).day}/{(TODAY - timedelta(days=3)).month}/"
        f"{(TODAY - timedelta(days=3)).year}; đã đạt mục tiêu 30 %."
    )


def test_daily_report_xlsx_has_title_block_rows_and_totals(
    make_campaign, make_hamlet, make_user, client, auth
):
    campaign = national(make_campaign, make_hamlet, ranking_app_code="bluezone")
    admin = make_user(Role.ADMIN)
    auth.login(admin)
    query = {"campaign_id": campaign.id, "date": D.isoformat(), "since": SINCE.isoformat()}
    response = client.get("/coverage/country/vn/report.xlsx", query_string=query)
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][:2] == ["Báo cáo độ phủ", "Việt Nam"]
    assert values[2][:2] == ["Tính đến hết ngày", D.strftime("%d/%m/%Y")]
    assert values[6][:2] == ["Người lập", admin.display_name]
    header = values[9]
    assert header[:4] == ["Tỉnh, thành phố", "Dân số", "Người dùng", "Tỉ lệ"]
    rows = {r[0]: r for r in values[10:-1]}
    cantho = next(r for name, r in rows.items() if "Cần Thơ" in name)
    # Cần Thơ: 1.000 people, 150 official users, 15 %, target 300, 150 missing, 2nd, down 1.
    assert cantho[1:6] == [1000, 150, 0.15, 300, 150]
    assert (cantho[7], cantho[8]) == (2, -1)
    hue = next(r for name, r in rows.items() if "Huế" in name)
    assert hue[2] is None and hue[7] is None  # no figure: no users, no rank
    # Totals: 8.000 people, 650 official users (150 + 500), target 2.400.
    assert values[-1][:3] == ["Tổng", 8000, 650]
    assert values[-1][4] == 2400
    assert (sheet.page_setup.paperSize, sheet.page_setup.orientation) == (
        int(sheet.PAPERSIZE_A4),
        "landscape",
    )


def test_daily_report_page_prints_the_same_rows(make_campaign, make_hamlet, make_user, client, auth):
    campaign = national(make_campaign, make_hamlet, ranking_app_code="bluezone")
    auth.login(make_user(Role.ADMIN))
    query = {"campaign_id": campaign.id, "date": D.isoformat(), "since": SINCE.isoformat()}
    html = client.get("/coverage/country/vn/report", query_string=query).get_data(as_text=True)
    cantho = next(r for r in html.split("<tr>") if "Cần Thơ" in r)
    # 1.000 people, 150 users, 15,00 %, target 300, 150 missing, 2nd, down 1.
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", cantho)
    assert cells[1:6] == ["1.000", "150", "15,00 %", "300", "150"]
    assert cells[7:9] == ["2", "-1"]
    assert '<tfoot><tr><th scope="row">Tổng</th>' in html and "8.000" in html


def test_demo_builds_a_national_campaign_and_the_coordinator_sees_can_tho_ranked(runner, client, auth):
    from campaign.campaigns.models import Campaign

    assert runner.invoke(args=["demo", "--password", "demo-password-2026"]).exit_code == 0
    national = db.session.scalar(sa.select(Campaign).where(Campaign.province_code.is_(None)))
    provinces = db.session.scalar(sa.select(sa.func.count()).select_from(Province))
    counts = db.session.scalar(sa.select(sa.func.count()).select_from(OfficialCount))
    assert counts == provinces * 28  # a figure a day for four weeks, every province
    report = area_report(national, country_area(), TODAY)
    rates = sorted(c.basis_rate for c in report.children)
    assert sum(0.05 <= r <= 0.40 for r in rates) >= len(rates) * 0.7  # most between 5 and 40 %
    assert any(c.rank_change for c in report.children)  # ranks move
    cantho = next(c for c in report.children if c.code == CAN_THO)
    assert cantho.rank_change > 0
    auth.login("coordinator", "demo-password-2026")
    html = client.get("/").get_data(as_text=True)
    assert f"hạng {cantho.rank}/{provinces} cả nước" in html
    assert f"▲{cantho.rank_change}" in html
