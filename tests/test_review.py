"""Review: the queue and its filters, bulk over exactly the filtered set, flags, corrections,
count edits with audit entries, history and audit pages, and the exports."""

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from openpyxl import load_workbook

from campaign.audit import AuditLog
from campaign.auth.models import Role
from campaign.visits.models import Outcome, ReviewStatus, Visit
from tests.conftest import CAI_KHE, NINH_KIEU
from tests.review_helpers import (
    DAY,
    DAY_LOCAL,
    add_visit,
    confirmed_bulk,
    cover,
    current_version,
    hamlet_day_sums,
    recomputed_sums,
    review_post,
)


def statuses(db, visits) -> list[str]:
    return [db.session.get(Visit, v.id).review_status.value for v in visits]


def entries(db, visit) -> list[AuditLog]:
    return db.session.scalars(
        sa.select(AuditLog)
        .where(AuditLog.object_type == "visit", AuditLog.object_id == visit.id)
        .order_by(AuditLog.id)
    ).all()


def test_queue_lists_open_visits_of_the_ward_and_filters(field, db, client, auth, make_hamlet):
    hamlet3 = make_hamlet(NINH_KIEU, name="Khu vực 3")
    cover(field.campaign, field.team, hamlet3)
    mine = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 11")
    in_k3 = add_visit(
        field.campaign, hamlet3, field.volunteer, label="Số 33", outcome=Outcome.REFUSED, installs={}
    )
    done = add_visit(
        field.campaign, field.hamlet, field.volunteer, label="Số 12", status=ReviewStatus.APPROVED
    )
    elsewhere = add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 99")
    auth.login(field.lead)
    page = client.get("/review/").get_data(as_text=True)
    assert "Số 11" in page and "Số 33" in page
    assert "Số 12" not in page and "Số 99" not in page
    assert "2 lượt thăm khớp bộ lọc" in page
    page = client.get(f"/review/?hamlet={hamlet3.id}").get_data(as_text=True)
    assert "Số 33" in page and "Số 11" not in page
    page = client.get("/review/?outcome=refused").get_data(as_text=True)
    assert "Số 33" in page and "Số 11" not in page
    page = client.get("/review/?status=approved").get_data(as_text=True)
    assert "Số 12" in page and "Số 11" not in page
    page = client.get(f"/review/?day={DAY_LOCAL.date() + timedelta(days=1)}").get_data(as_text=True)
    assert "0 lượt thăm khớp bộ lọc" in page
    assert client.get("/review/?day=hôm-qua").status_code == 400
    assert {mine.id, in_k3.id, done.id, elsewhere.id}  # all four stored


def test_bulk_approve_touches_exactly_the_filtered_set(field, db, client, auth, make_hamlet, make_user):
    hamlet3 = make_hamlet(NINH_KIEU, name="Khu vực 3")
    cover(field.campaign, field.team, hamlet3)
    other_volunteer = make_user(Role.VOLUNTEER, team=field.team)
    target = [
        add_visit(field.campaign, hamlet3, field.volunteer, label="Số 1"),
        add_visit(field.campaign, hamlet3, other_volunteer, label="Số 2", at=DAY + timedelta(hours=5)),
    ]
    other_day = add_visit(field.campaign, hamlet3, field.volunteer, label="Số 3", at=DAY + timedelta(days=1))
    other_hamlet = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 4")
    other_ward = add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 5")
    rejected = add_visit(field.campaign, hamlet3, field.volunteer, label="Số 6", status=ReviewStatus.REJECTED)
    auth.login(field.lead)
    query = f"hamlet={hamlet3.id}&day={DAY_LOCAL.date()}"
    queue = client.get(f"/review/?{query}").get_data(as_text=True)
    assert "Duyệt tất cả 2" in queue
    upto = max(v.id for v in [*target, other_day, other_hamlet, other_ward, rejected])
    late = add_visit(field.campaign, hamlet3, field.volunteer, label="Số 7", at=DAY + timedelta(hours=1))
    response = confirmed_bulk(client, f"/review/bulk?{query}", {"action": "approve", "upto_id": upto})
    assert response.status_code == 302
    assert "Đã cập nhật 2 trên 2 lượt thăm" in client.get(response.location).get_data(as_text=True)
    assert statuses(db, target) == ["approved", "approved"]
    assert statuses(db, [other_day, other_hamlet, other_ward, rejected, late]) == [
        "pending",
        "pending",
        "pending",
        "rejected",
        "pending",  # arrived after the page was drawn
    ]
    assert all(db.session.get(Visit, v.id).reviewed_by_id == field.lead.id for v in target)
    assert [e.action for e in entries(db, target[0])] == ["visit.approve"]


def test_bulk_never_leaves_the_leads_ward_even_with_a_foreign_filter(field, db, client, auth):
    foreign = add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 5")
    mine = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 1")
    auth.login(field.lead)
    # A hamlet id of another ward is not a choice of the filter: refused, nothing changes.
    response = client.post(
        f"/review/bulk?hamlet={field.other_hamlet.id}", data={"action": "approve", "upto_id": 999}
    )
    assert response.status_code == 400
    response = confirmed_bulk(
        client, "/review/bulk", {"action": "reject", "reason": "Sai khu vực", "upto_id": 999}
    )
    assert response.status_code == 302
    assert statuses(db, [foreign, mine]) == ["pending", "rejected"]
    # Through the API as well.
    review_post(client, mine, {"action": "approve"})
    result = client.post(
        "/api/v1/review/bulk?status=all", json={"action": "flag", "reason": "Kiểm tra", "upto_id": 999}
    )
    assert result.get_json() == {"matched": 1, "changed": 1, "skipped": 0}
    assert statuses(db, [foreign, mine]) == ["pending", "flagged"]


def test_flag_needs_a_reason_and_reaches_the_volunteers_visit(field, db, client, auth):
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    auth.login(field.lead)
    review_post(client, visit, {"action": "flag", "reason": ""})
    assert statuses(db, [visit]) == ["pending"]
    review_post(client, visit, {"action": "flag", "reason": "Số người chưa khớp"})
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert stored.review_status == ReviewStatus.FLAGGED and stored.review_reason == "Số người chưa khớp"
    assert stored.volunteer_id == field.volunteer.id
    api = client.post(
        f"/api/v1/review/visits/{visit.id}", json={"action": "reject", "version": current_version(visit)}
    )
    assert api.status_code == 422 and api.get_json()["error"]["fields"]["reason"]
    # The flag reaches the volunteer's own list, with the reason.
    auth.logout()
    auth.login(field.volunteer)
    mine = client.get("/api/v1/visits?mine=1")
    assert mine.status_code == 200
    rows = {row["client_id"]: row for row in mine.get_json()["visits"]}
    assert rows[visit.client_id]["review_status"] == "flagged"
    assert rows[visit.client_id]["review_reason"] == "Số người chưa khớp"
    page = client.get("/visits/mine").get_data(as_text=True)
    assert "Số người chưa khớp" in page


def test_rejecting_takes_the_visit_out_of_the_totals(field, db, client, auth):
    visit = add_visit(
        field.campaign, field.hamlet, field.volunteer, residents=5, installs={field.campaign.apps[0].id: 2}
    )
    assert hamlet_day_sums(field.campaign.id)[(field.hamlet.id, DAY.date())]["installs"] == 2
    auth.login(field.lead)
    review_post(client, visit, {"action": "reject", "reason": "Trùng"})
    db.session.expire_all()
    assert hamlet_day_sums(field.campaign.id) == {} == recomputed_sums(field.campaign.id)
    review_post(client, visit, {"action": "approve"})
    db.session.expire_all()
    assert hamlet_day_sums(field.campaign.id)[(field.hamlet.id, DAY.date())]["installs"] == 2


def test_approved_correction_replaces_the_original_and_totals_stay_exact(field, db, client, auth):
    app_id = field.campaign.apps[0].id
    original = add_visit(
        field.campaign, field.hamlet, field.volunteer, residents=4, already=0, installs={app_id: 3}
    )
    add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 2", residents=2, installs={app_id: 1})
    auth.login(field.lead)
    review_post(client, original, {"action": "flag", "reason": "Kiểm tra lại số cài"})
    correction = add_visit(
        field.campaign,
        field.hamlet,
        field.volunteer,
        residents=4,
        already=1,
        installs={app_id: 1},
        corrects=original,
        at=DAY + timedelta(hours=3),
    )
    key = (field.hamlet.id, DAY.date())
    # A correction waiting for review does not count; the original still does.
    before = hamlet_day_sums(field.campaign.id)
    assert before == recomputed_sums(field.campaign.id)
    assert before[key]["installs"] == 4 and before[key]["visits"] == 2
    review_post(client, correction, {"action": "approve"})
    db.session.expire_all()
    after = hamlet_day_sums(field.campaign.id)
    assert after == recomputed_sums(field.campaign.id)
    assert after[key]["installs"] == 2 and after[key]["visits"] == 2 and after[key]["already_installed"] == 2
    assert db.session.get(Visit, original.id).superseded
    assert [e.action for e in entries(db, original)] == ["visit.flag", "visit.supersede"]
    # The superseded original leaves the queue and cannot be reviewed again.
    listed = client.get("/api/v1/review/visits?status=all").get_json()["items"]
    assert original.id not in [v["id"] for v in listed] and correction.id in [v["id"] for v in listed]
    assert f'href="/review/visits/{original.id}">#{original.id}' not in client.get("/review/?status=all").text
    refused = client.post(
        f"/api/v1/review/visits/{original.id}",
        json={"action": "approve", "version": current_version(original)},
    )
    assert refused.status_code == 422
    # Taking the approval back brings the original back, totals still exact.
    review_post(client, correction, {"action": "reject", "reason": "Nhầm"})
    db.session.expire_all()
    assert not db.session.get(Visit, original.id).superseded
    assert hamlet_day_sums(field.campaign.id) == recomputed_sums(field.campaign.id) == before


def test_edit_counts_writes_audit_before_after_and_moves_totals(field, db, client, auth):
    bluezone, ncovi = field.campaign.apps
    visit = add_visit(
        field.campaign,
        field.hamlet,
        field.volunteer,
        residents=4,
        smartphones=3,
        already=1,
        installs={bluezone.id: 1},
    )
    auth.login(field.lead)
    form = {
        "residents": 6,
        "smartphones": 4,
        "already_installed": 2,
        f"app_{bluezone.id}": 2,
        f"app_{ncovi.id}": 1,
    }
    response = client.post(
        f"/review/visits/{visit.id}/edit", data={**form, "version": current_version(visit)}
    )
    assert response.status_code == 302
    db.session.expire_all()
    stored = db.session.get(Visit, visit.id)
    assert (stored.residents, stored.smartphones, stored.already_installed, stored.installs_total) == (
        6,
        4,
        2,
        3,
    )
    [entry] = [e for e in entries(db, visit) if e.action == "visit.edit"]
    assert entry.user_id == field.lead.id and entry.ward_code == NINH_KIEU
    assert entry.before["residents"] == 4 and entry.after["residents"] == 6
    assert entry.before["installs"] == {"bluezone": 1}
    assert entry.after["installs"] == {"bluezone": 2, "ncovi": 1}
    assert hamlet_day_sums(field.campaign.id) == recomputed_sums(field.campaign.id)
    assert hamlet_day_sums(field.campaign.id)[(field.hamlet.id, DAY.date())]["installs"] == 3
    history = client.get(f"/review/visits/{visit.id}").get_data(as_text=True)
    assert "sửa con số" in history and "<del>4</del>" in history and "<ins>6</ins>" in history
    audit = client.get(f"/review/wards/{NINH_KIEU}/audit").get_data(as_text=True)
    assert f"#{visit.id}" in audit and field.lead.display_name in audit


def test_edit_counts_refuses_counts_that_break_the_logging_rules(field, db, client, auth):
    bluezone, ncovi = field.campaign.apps
    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    auth.login(field.lead)
    bad = {
        "residents": 2,
        "smartphones": 1,
        "already_installed": 2,
        f"app_{bluezone.id}": 3,
        f"app_{ncovi.id}": 0,
    }
    page = client.post(f"/review/visits/{visit.id}/edit", data={**bad, "version": current_version(visit)})
    assert page.status_code == 200
    assert "không được vượt quá số điện thoại thông minh" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).residents == 4
    assert not [e for e in entries(db, visit) if e.action == "visit.edit"]
    api = client.patch(
        f"/api/v1/review/visits/{visit.id}", json={"residents": -1, "version": current_version(visit)}
    )
    assert api.status_code == 422 and "residents" in api.get_json()["error"]["fields"]
    api = client.patch(
        f"/api/v1/review/visits/{visit.id}",
        json={"residents": 9, "installs": {"ncovi": 1}, "version": current_version(visit)},
    )
    assert api.status_code == 200 and api.get_json()["installs"] == {"bluezone": 1, "ncovi": 1}
    # The logging ceiling (100,000, a school or a market) holds for edits too; 10**30 was a 500.
    for name in ("residents", "smartphones"):
        api = client.patch(
            f"/api/v1/review/visits/{visit.id}", json={name: 10**30, "version": current_version(visit)}
        )
        assert api.status_code == 422 and name in api.get_json()["error"]["fields"]
    api = client.patch(
        f"/api/v1/review/visits/{visit.id}",
        json={"installs": {"ncovi": 10**30}, "version": current_version(visit)},
    )
    assert api.status_code == 422 and "installs" in api.get_json()["error"]["fields"]
    school = {
        "residents": 20_000,
        "smartphones": 15_000,
        "already_installed": 1,
        f"app_{bluezone.id}": 1,
        f"app_{ncovi.id}": 1,
    }
    assert (
        client.post(
            f"/review/visits/{visit.id}/edit", data={**school, "version": current_version(visit)}
        ).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(Visit, visit.id).residents == 20_000


def test_history_shows_the_correction_chain_and_the_api_agrees(field, db, client, auth):
    original = add_visit(field.campaign, field.hamlet, field.volunteer)
    correction = add_visit(
        field.campaign, field.hamlet, field.volunteer, corrects=original, at=DAY + timedelta(hours=1)
    )
    auth.login(field.lead)
    page = client.get(f"/review/visits/{correction.id}").get_data(as_text=True)
    assert "Các bản sửa" in page and f"#{original.id}" in page and f"Bản sửa của #{original.id}" in page
    data = client.get(f"/api/v1/review/visits/{original.id}/history").get_json()
    assert [v["id"] for v in data["chain"]] == [original.id, correction.id]


def test_visit_export_csv_and_xlsx(field, db, client, auth):
    visit = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 8", lat=10.0, lon=105.7)
    add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 9")
    auth.login(field.lead)
    review_post(client, visit, {"action": "flag", "reason": "Xem lại"})
    response = client.get("/review/export/visits.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Mã lượt", "Thời gian", "Chiến dịch"] and "Cài mới Bluezone" in header
    assert len(body) == 1
    row = dict(zip(header, body[0], strict=True))
    assert row["Hộ / điểm"] == "Số 8" and row["Thời gian"] == DAY_LOCAL.strftime("%d/%m/%Y %H:%M")
    assert row["Trạng thái duyệt"] == "Cần xem lại" and row["Lý do"] == "Xem lại"
    assert row["Tình nguyện viên"] == field.volunteer.display_name and row["Đội"] == field.team.name
    assert field.volunteer.username not in text and "10.0" not in text  # no username, no GPS
    response = client.get("/review/export/visits.xlsx?status=approved")
    sheet = load_workbook(io.BytesIO(response.data)).active
    assert sheet.max_row == 1  # only the header: nothing approved
    sheet = load_workbook(io.BytesIO(client.get("/review/export/visits.xlsx").data)).active
    assert sheet["A2"].value == visit.id and sheet["B2"].number_format == "DD/MM/YYYY HH:MM"
    assert sheet["B2"].value.strftime("%d/%m %H:%M") == DAY_LOCAL.strftime("%d/%m %H:%M")


def test_team_activity_table(field, db, client, auth, make_team):
    for i in range(3):
        add_visit(
            field.campaign, field.hamlet, field.volunteer, label=f"Số {i}", at=DAY + timedelta(days=i % 2)
        )
    big = add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 9", residents=25)
    make_team(NINH_KIEU)  # a team that has not started
    make_team(CAI_KHE)
    auth.login(field.lead)
    page = client.get("/review/teams").get_data(as_text=True)
    assert field.team.name in page and field.other_team.name not in page
    assert "25,0 %" in page  # one of four visits flagged
    data = client.get("/review/teams.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(data)))
    assert rows[0] == [
        "Phường/xã",
        "Đội",
        "Lượt thăm",
        "Lượt cài mới",
        "Tỉ lệ cần xem lại",
        "Số ngày hoạt động",
    ]
    mine = next(r for r in rows if r[1] == field.team.name)
    assert mine[2:] == ["4", "4", "25,00 %", "2"]
    assert len(rows) == 3  # header, our team, the idle team
    sheet = load_workbook(io.BytesIO(client.get("/review/teams.xlsx").data)).active
    values = {
        sheet.cell(row=r, column=2).value: sheet.cell(row=r, column=5).value
        for r in range(2, sheet.max_row + 1)
    }
    assert values[field.team.name] == 0.25
    assert big.review_status == ReviewStatus.FLAGGED


def test_two_approved_corrections_never_count_twice(field, db, client, auth):
    app_id = field.campaign.apps[0].id
    original = add_visit(field.campaign, field.hamlet, field.volunteer, installs={app_id: 3})
    first = add_visit(field.campaign, field.hamlet, field.volunteer, installs={app_id: 2}, corrects=original)
    second = add_visit(field.campaign, field.hamlet, field.volunteer, installs={app_id: 1}, corrects=original)
    auth.login(field.lead)
    review_post(client, first, {"action": "approve"})
    review_post(client, second, {"action": "approve"})
    db.session.expire_all()
    sums = hamlet_day_sums(field.campaign.id)
    assert sums == recomputed_sums(field.campaign.id)
    assert (
        sums[(field.hamlet.id, DAY.date())]["installs"] == 1
        and sums[(field.hamlet.id, DAY.date())]["visits"] == 1
    )
    assert db.session.get(Visit, first.id).superseded and db.session.get(Visit, original.id).superseded


def test_openapi_paths_match_the_api_routes(app):
    from campaign.api.schemas.review import OPENAPI_PATHS

    rules = {
        (rule.rule.replace("<int:visit_id>", "{visit_id}"), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/review")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    documented = {
        ("/api/v1" + path, method.upper())
        for path, item in OPENAPI_PATHS.items()
        for method in item
        if method != "parameters"
    }
    assert documented == rules
    for item in OPENAPI_PATHS.values():
        for method, operation in item.items():
            if method != "parameters":
                assert operation["responses"]["403"]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/Error"
                }


def test_coordinator_filters_the_province_queue_by_ward(field, db, client, auth):
    add_visit(field.campaign, field.hamlet, field.volunteer, label="Số 1")
    add_visit(field.campaign, field.other_hamlet, field.other_volunteer, label="Số 2")
    auth.login(field.coordinator)
    everything = client.get("/api/v1/review/visits").get_json()
    assert {v["household"] for v in everything["items"]} == {"Số 1", "Số 2"}
    one_ward = client.get(f"/api/v1/review/visits?ward={CAI_KHE}").get_json()
    assert [v["household"] for v in one_ward["items"]] == ["Số 2"]
    page = client.get(f"/review/?ward={CAI_KHE}").get_data(as_text=True)
    assert "Số 2" in page and "Số 1" not in page
    # A ward of another province is not a choice.
    assert client.get("/api/v1/review/visits?ward=1").status_code == 422


def test_review_audit_entries_and_conflicts_on_the_history(field, db, client, auth):
    from campaign.visits.models import VisitConflict

    visit = add_visit(field.campaign, field.hamlet, field.volunteer)
    db.session.add(
        VisitConflict(
            visit_id=visit.id, volunteer_id=field.volunteer.id, payload={"outcome": "refused", "residents": 7}
        )
    )
    db.session.commit()
    auth.login(field.lead)
    review_post(client, visit, {"action": "flag", "reason": "Gọi lại hộ này"})
    review_post(client, visit, {"action": "approve"})
    flag, approve = entries(db, visit)
    assert (flag.action, flag.before["review_status"], flag.after["review_status"]) == (
        "visit.flag",
        "pending",
        "flagged",
    )
    assert flag.after["review_reason"] == "Gọi lại hộ này" and flag.user_id == field.lead.id
    assert (approve.before["review_status"], approve.after["review_status"]) == ("flagged", "approved")
    assert approve.after["review_reason"] is None and approve.ward_code == NINH_KIEU
    page = client.get(f"/review/visits/{visit.id}").get_data(as_text=True)
    assert "Bản gửi lại khác nội dung" in page and "residents=7" in page
    assert "đánh dấu cần xem lại" in page and "Gọi lại hộ này" in page
    history = client.get(f"/api/v1/review/visits/{visit.id}/history").get_json()
    assert [e["action"] for e in history["audit"]] == ["visit.flag", "visit.approve"]
    assert history["conflicts"][0]["payload"]["residents"] == 7


def test_queue_pages_and_bulk_reaches_past_the_first_page(field, db, client, auth):
    visits = [
        add_visit(
            field.campaign, field.hamlet, field.volunteer, label=f"Số {i}", at=DAY + timedelta(minutes=i)
        )
        for i in range(35)
    ]
    auth.login(field.lead)
    first = client.get("/review/").get_data(as_text=True)
    assert "Trang 1/2" in first and "Số 34" in first and "Số 0<" not in first
    assert "Số 0</b>" in client.get("/review/?page=2").get_data(as_text=True)
    upto = max(v.id for v in visits)
    confirmed_bulk(client, "/review/bulk", {"action": "approve", "upto_id": upto})
    assert statuses(db, visits) == ["approved"] * 35
