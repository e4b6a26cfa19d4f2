"""Every CSV and XLSX export, found from the URL map by what it answers: text that people typed
is never a formula (OWASP "CSV injection"), numbers stay numbers, the Content-Type names its
charset once, and the file name never comes from the URL.

A new export route is covered the day it is added: it is found by its response, and it must
carry some planted text, neutralised, or this test fails.
"""

import csv
import io

import pytest
from openpyxl import load_workbook
from werkzeug.http import parse_options_header

from campaign.i18n import local_today
from campaign.spreadsheets import FORMULA_STARTS, Column, Table, to_csv, to_xlsx
from tests.conftest import NINH_KIEU
from tests.planting import get_pages, hostile_path, planted_world

PAYLOADS = [
    '=HYPERLINK("https://evil.example","x")',
    "+1+2",
    "-1+2",
    "@SUM(1+1)",
    "\t=1+2",
    "\r=1+2",
]
ROLES = ("admin", "coordinator", "lead", "volunteer")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def is_number(text: str) -> bool:
    try:
        float(text.replace(",", ""))
    except ValueError:
        return False
    return True


def csv_cells(response) -> list[str]:
    text = response.get_data().decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text, newline="")) for cell in row]


def xlsx_cells(response) -> list:
    return [cell for row in load_workbook(io.BytesIO(response.data)).active.iter_rows() for cell in row]


def check_export(response, planted: dict) -> tuple[list[str], set[str]]:
    """(cells a spreadsheet would run, planted values found neutralised)."""
    live, found = [], set()
    if response.mimetype == "text/csv":
        for cell in csv_cells(response):
            if cell.startswith(FORMULA_STARTS) and not is_number(cell):
                live.append(repr(cell))
            if cell.startswith("'") and cell[1:] in planted:
                found.add(cell[1:])
    else:
        for cell in xlsx_cells(response):
            if cell.data_type == "f":
                live.append(f"{cell.coordinate}: {cell.value!r}")
            elif cell.data_type == "s" and cell.value in planted:
                found.add(cell.value)
    return live, found


def file_name(response) -> str:
    disposition = response.headers["Content-Disposition"]
    assert disposition.isascii() and disposition.isprintable(), disposition
    kind, options = parse_options_header(disposition)
    assert kind == "attachment"
    return options["filename"]


def export_pages(app, client, world) -> list:
    return [
        (rule, path, values)
        for rule, path, values in get_pages(app, world)
        if client.get(path).mimetype in ("text/csv", XLSX_TYPE)
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_export_carries_a_live_formula(app, field, db, client, auth, role):
    world = planted_world(field, PAYLOADS)
    auth.login(getattr(field, role))
    live, carried, exports = [], {}, 0
    for rule, path, _values in get_pages(app, world):
        response = client.get(path)
        if response.mimetype not in ("text/csv", XLSX_TYPE):
            continue
        exports += 1
        cells, found = check_export(response, world.planted.values)
        live += [f"{path}: {cell}" for cell in cells]
        carried.setdefault(rule.endpoint, set()).update(found)
    assert not live, live
    if role == "admin":  # may download every export
        assert exports >= 6  # the coverage table, the visits, the teams; CSV and XLSX each
        empty = [endpoint for endpoint, found in carried.items() if not found]
        assert not empty, f"exports that carry no planted text (plant what they show): {empty}"
        columns = {world.planted.values[v] for found in carried.values() for v in found}
        assert {"campaign.name", "hamlet.name", "team.name", "household.label"} <= columns
        assert {"user.display_name", "visit.review_reason"} <= columns


def test_numbers_stay_numbers_and_text_stays_text():
    table = Table(
        "t",
        [
            Column("Thay đổi hạng", "#,##0"),
            Column("Tên"),
            Column("Tỉ lệ", "0.00%", csv_text=lambda v: f"{v:.4f}"),
        ],
        [[-3, "-3", -0.5], [None, "=1+2\x01", 0.25]],
    )
    rows = list(csv.reader(io.StringIO(to_csv(table).decode("utf-8-sig"))))
    assert rows[1:] == [["-3", "'-3", "-0.5000"], ["", "'=1+2\x01", "0.2500"]]
    sheet = load_workbook(io.BytesIO(to_xlsx(table))).active
    assert (sheet["A2"].value, sheet["A2"].data_type, sheet["A2"].number_format) == (-3, "n", "#,##0")
    assert (sheet["B2"].value, sheet["B2"].data_type) == ("-3", "s")
    # A control character XML cannot hold is replaced, not a refused file.
    assert (sheet["B3"].value, sheet["B3"].data_type) == ("=1+2\ufffd", "s")
    assert sheet["C3"].value == 0.25


# --- file names ----------------------------------------------------------------------------------

NEVER_AN_AREA = ("\n", "１\r\nSet-Cookie: a=b", "９９９９９", "abc")
HOSTILE_SEGMENTS = (*NEVER_AN_AREA, "31135\n", "３１１３５")


def test_export_file_names_come_from_the_area_found(app, field, db, client, auth):
    world = planted_world(field, PAYLOADS)
    auth.login(field.admin)
    pages = export_pages(app, client, world)
    assert pages
    today = local_today().isoformat()
    for rule, path, values in pages:
        name = file_name(client.get(path))
        if rule.endpoint == "coverage.export":
            assert name == f"do-phu-{values['level']}-{values['code']}-{today}.{values['fmt']}"
        for arg in values:
            for segment in HOSTILE_SEGMENTS:
                hostile = hostile_path(rule, values, arg, segment)
                response = client.get(hostile)
                assert response.status_code in (200, 404), (hostile, response.status_code)
                if response.status_code == 200:
                    # Only a code read leniently as the same area is found: named as that area.
                    assert file_name(response) == name, hostile
                if segment in NEVER_AN_AREA:
                    assert response.status_code == 404, hostile


def test_csv_exports_name_their_charset_once(app, field, db, client, auth):
    world = planted_world(field, PAYLOADS)
    auth.login(field.admin)
    types = {client.get(path).headers["Content-Type"] for _r, path, _v in export_pages(app, client, world)}
    assert types == {CSV_TYPE, XLSX_TYPE}


def test_review_export_names_carry_the_time_of_download(field, db, client, auth):
    auth.login(field.lead)
    name = file_name(client.get("/review/export/visits.csv"))
    assert name.startswith(f"luot-tham-{local_today():%Y%m%d}-") and name.endswith(".csv")
    assert file_name(client.get(f"/coverage/ward/{NINH_KIEU}/table.xlsx")).startswith(
        f"do-phu-ward-{NINH_KIEU}-"
    )
