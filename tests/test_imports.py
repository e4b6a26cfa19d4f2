"""CSV imports: hamlets and household lists. All or nothing, errors by line, idempotent."""

import io

import pytest
import sqlalchemy as sa

from campaign import imports
from campaign.areas.models import Hamlet, HamletKind, Household
from campaign.audit import AuditLog
from tests.conftest import CAI_KHE, NINH_KIEU

HAMLETS_VI = (
    "Tên,Loại,Số hộ,Dân số,Vĩ độ,Kinh độ\nẤp 1,ấp,120,480,10.03,105.78\nKhu vực 2,khu phố,1.250,5.100,,\n"
)


def upload(client, url, content, name="du-lieu.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(url, data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def hamlets(db, ward=NINH_KIEU):
    return {
        h.name: (h.kind, h.households, h.population, h.lat, h.lon)
        for h in db.session.scalars(sa.select(Hamlet).where(Hamlet.ward_code == ward))
    }


def audit_count(db):
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditLog))


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def test_parse_accepts_bom_english_headers_and_semicolons(request_context):
    columns = [imports.Column("label", ("Số nhà", "Label"))]
    assert imports.parse("\ufeffSố nhà\n12A\n\n14\n", columns).rows == [
        (2, {"label": "12A"}),
        (4, {"label": "14"}),
    ]
    assert imports.parse("LABEL\n7\n", columns).rows == [(2, {"label": "7"})]
    assert imports.parse("so nha\n7\n", columns).rows == [(2, {"label": "7"})]
    many = [imports.Column("a", ("A",)), imports.Column("b", ("B",))]
    assert imports.parse("A;B\n1;2\n", many).rows == [(2, {"a": "1", "b": "2"})]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("Số nhà\n12\n".encode("utf-16"), "nhị phân"),
        ("Sô\u0301 nha\u0300\nCa\u0300 Mau\n".encode("utf-8").replace(b"\xcc\x80", b"\xe0"), "UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "nhị phân"),
        ("Tên nhà,Ghi chú\n1,2\n", "Dòng tiêu đề chưa đúng"),
        ("", "Tệp trống"),
        ("Số nhà\n", "không có dòng dữ liệu"),
        ("Số nhà\n" + "1\n" * (imports.MAX_ROWS + 1), "quá nhiều dòng"),
        ("Số nhà\n" + "x" * (imports.MAX_BYTES + 10), "quá lớn"),
        ('Số nhà\n"12\n', "lỗi định dạng"),
    ],
)
def test_malformed_files_get_a_clear_error(request_context, content, message):
    columns = [imports.Column("label", ("Số nhà", "Label"))]
    with pytest.raises(imports.ImportFileError) as error:
        imports.parse(content, columns)
    assert message in str(error.value)


def test_import_hamlets_creates_then_reimport_changes_nothing(client, auth, db, field):
    auth.login(field.lead)
    response = upload(client, f"/wards/{NINH_KIEU}/hamlets/import", "\ufeff" + HAMLETS_VI)
    assert response.status_code == 302
    assert hamlets(db)["Ấp 1"] == (HamletKind.AP, 120, 480, 10.03, 105.78)
    assert hamlets(db)["Khu vực 2"] == (HamletKind.KHU_PHO, 1250, 5100, None, None)
    before, entries = hamlets(db), audit_count(db)
    response = upload(client, f"/wards/{NINH_KIEU}/hamlets/import", HAMLETS_VI)
    assert response.status_code == 302
    assert hamlets(db) == before and audit_count(db) == entries
    page = client.get(f"/wards/{NINH_KIEU}/hamlets").get_data(as_text=True)
    assert "0 thôn/ấp mới, 0 cập nhật, 2 không đổi" in page
    assert "1.250" in page  # Vietnamese number format


def test_import_with_one_bad_row_changes_nothing_and_names_the_line(client, auth, db, field):
    auth.login(field.lead)
    before, entries = hamlets(db), audit_count(db)
    content = "Name,Kind,Households,Population\nẤp 7,ap,10,40\nẤp 8,làng,mười,40\nẤp 9,thon,5,20\n"
    response = upload(client, f"/wards/{NINH_KIEU}/hamlets/import", content)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Dòng 3: loại “làng” không rõ" in html
    assert "Dòng 3: số hộ “mười” không phải số nguyên không âm." in html
    assert "Dòng 2" not in html and "Dòng 4" not in html
    assert hamlets(db) == before and audit_count(db) == entries


def test_import_updates_existing_hamlet_by_name(client, auth, db, field):
    auth.api_login(field.lead)
    name = field.hamlet.name
    content = f"Tên,Loại,Số hộ,Dân số\n{name},tổ dân phố,150,600\n"
    response = upload(client, f"/api/v1/wards/{NINH_KIEU}/hamlets/import", content)
    assert response.get_json() == {"errors": [], "created": 0, "updated": 1, "unchanged": 0}
    assert hamlets(db)[name] == (HamletKind.TO_DAN_PHO, 150, 600, None, None)
    entry = db.session.scalar(sa.select(AuditLog).where(AuditLog.action == "hamlet.update"))
    assert entry.before["households"] == 100 and entry.after["households"] == 150
    assert entry.ward_code == NINH_KIEU


def test_api_import_errors_are_json(client, auth, db, field):
    auth.api_login(field.lead)
    url = f"/api/v1/wards/{NINH_KIEU}/hamlets/import"
    bad = upload(client, url, "Tên,Loại,Số hộ,Dân số\nẤp 1,ap,1,1\nẤp 1,ap,2,2\n")
    assert bad.status_code == 422
    assert bad.get_json()["error"]["fields"]["rows"] == ["Dòng 3: tên “Ấp 1” trùng với dòng 2."]
    binary = upload(client, url, b"\x00\x01\x02garbage")
    assert binary.status_code == 422 and binary.get_json()["error"]["code"] == "bad_file"
    missing = client.post(url, data={}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Hãy chọn một tệp CSV." in missing.get_json()["error"]["message"]
    huge = upload(client, url, "Tên\n" + "x" * (1024 * 1024 + 100))
    assert huge.status_code == 413 and huge.is_json
    assert hamlets(db) == {field.hamlet.name: (HamletKind.KHU_PHO, 100, 400, None, None)}


def test_household_list_import_sets_real_household_count(client, auth, db, field):
    auth.login(field.lead)
    db.session.add(Household(hamlet_id=field.hamlet.id, label="12A", listed=False))  # found on a visit
    db.session.commit()
    url = f"/hamlets/{field.hamlet.id}/households/import"
    response = upload(client, url, "Số nhà\n12A\n14\n16/2\n")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Hamlet, field.hamlet.id).households == 3
    labels = {h.label: h.listed for h in db.session.scalars(sa.select(Household))}
    assert labels == {"12A": True, "14": True, "16/2": True}
    page = client.get(f"/hamlets/{field.hamlet.id}/households").get_data(as_text=True)
    assert "Số hộ của" in page and "bây giờ là 3" in page
    assert "có danh sách 3 hộ" in page
    entries = audit_count(db)
    assert upload(client, url, "Số nhà\n12A\n14\n16/2\n").status_code == 302
    assert audit_count(db) == entries
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 3
    # the declared number can no longer be edited away from the list
    response = client.post(
        f"/hamlets/{field.hamlet.id}/edit",
        data={"name": field.hamlet.name, "kind": "khu_pho", "households": 99},
    )
    assert response.status_code == 422 and "số hộ lấy theo danh sách" in response.get_data(as_text=True)


def test_household_import_bad_row_changes_nothing(client, auth, db, field):
    auth.api_login(field.lead)
    url = f"/api/v1/hamlets/{field.hamlet.id}/households/import"
    response = upload(client, url, "House number\n1\n\n2\n1\n" + "," * 0 + "\n" + "x" * 41 + "\n")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["rows"] == [
        "Dòng 5: số nhà “1” trùng với dòng 2.",
        "Dòng 7: số nhà dài quá 40 ký tự.",
    ]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Household)) == 0
    assert db.session.get(Hamlet, field.hamlet.id).households == 100


def test_other_ward_lead_cannot_import(client, auth, db, field):
    auth.login(field.other_lead)
    assert upload(client, f"/wards/{NINH_KIEU}/hamlets/import", HAMLETS_VI).status_code == 403
    assert upload(client, f"/hamlets/{field.hamlet.id}/households/import", "Số nhà\n1\n").status_code == 403
    assert upload(client, f"/wards/{CAI_KHE}/hamlets/import", HAMLETS_VI).status_code == 302
    assert set(hamlets(db, CAI_KHE)) == {field.other_hamlet.name, "Ấp 1", "Khu vực 2"}


def test_decimal_households_are_refused(client, auth, db, field):
    auth.api_login(field.lead)
    content = "Tên,Loại,Số hộ,Dân số\nẤp 1,ap,12.5,40\nẤp 2,ap,1 250,5.100\n"
    response = upload(client, f"/api/v1/wards/{NINH_KIEU}/hamlets/import", content)
    assert response.get_json()["error"]["fields"]["rows"] == [
        "Dòng 2: số hộ “12.5” không phải số nguyên không âm."
    ]
    fixed = upload(client, f"/api/v1/wards/{NINH_KIEU}/hamlets/import", content.replace("12.5", "12"))
    assert fixed.status_code == 200
    assert hamlets(db)["Ấp 2"][1:3] == (1250, 5100)
