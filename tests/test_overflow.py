"""Numbers past what a page, a date or a column holds: every area route answers, every import
refuses the line with a message, and nothing is stored.

A big population at a slow pace projects the target past 31/12/9999: that is "not reachable at
this pace", an answer. Populations go into the database directly here (as an old import or a
hand edit would), beyond what an import now accepts, up to the end of PostgreSQL's 32-bit column.
"""

import re
from datetime import timedelta

import pytest

from campaign.areas.models import (
    MAX_HAMLET_POPULATION,
    MAX_PROVINCE_POPULATION,
    MAX_WARD_POPULATION,
    Hamlet,
    Province,
    Ward,
)
from campaign.i18n import local_today
from campaign.imports import FIELD_LIMIT
from campaign.visits.models import Outcome
from tests.conftest import CAN_THO, NINH_KIEU
from tests.test_coverage import add_visit
from tests.test_imports import hamlets, upload

NOT_REACHABLE = "Không đạt được với nhịp hiện tại"
HUGE = [10 * MAX_WARD_POPULATION, 2**31 - 1]  # above every import bound; the 32-bit column's end


def area_routes(app) -> list[str]:
    """Every route that takes an area (`<level>/<code>`), from the URL map: pages, tables, the
    trend chart and the API, so a new one is covered the day it is added."""
    routes = []
    for rule in app.url_map.iter_rules():
        if {"level", "code"} <= rule.arguments and "GET" in rule.methods:
            formats = ("csv", "xlsx") if "fmt" in rule.arguments else (None,)
            for fmt in formats:
                routes.append(rule.rule.replace("<fmt>", fmt or ""))
    return sorted(routes)


def chain(field) -> dict:
    """Level -> code of the field's hamlet and the areas above it."""
    return {"hamlet": field.hamlet.id, "ward": NINH_KIEU, "province": CAN_THO, "country": "vn"}


def installed_yesterday(field, users: int) -> None:
    day = local_today() - timedelta(days=1)
    add_visit(
        field.campaign,
        field.hamlet,
        "1",
        Outcome.INSTALLED,
        day,
        installs={"bluezone": users},
        residents=users,
    )


# Where the big figure is stored, and the levels whose population includes it.
STORED = {
    "hamlet": ("hamlet", "ward", "province", "country"),
    "ward": ("ward", "province", "country"),
    "province": ("province", "country"),
}


@pytest.mark.parametrize("population", HUGE)
@pytest.mark.parametrize("where", list(STORED))
def test_a_huge_population_is_not_reachable_at_this_pace_on_every_area_route(
    app, field, client, auth, db, where, population
):
    if where == "hamlet":
        db.session.get(Hamlet, field.hamlet.id).population = population
    else:
        db.session.get(
            {"ward": Ward, "province": Province}[where], chain(field)[where]
        ).population_official = population
    db.session.commit()
    installed_yesterday(field, 1)  # one user a week: a pace, but a slow one
    auth.login(field.admin)
    routes = area_routes(app)
    assert len(routes) >= 6, routes  # page, csv, xlsx, trend.svg, summary, children
    failures = []
    for level, code in chain(field).items():
        for route in routes:
            path = route.replace("<level>", level).replace("<code>", str(code))
            response = client.get(path, query_string={"campaign_id": field.campaign.id})
            if response.status_code != 200:
                failures.append(f"{path}: {response.status_code}")
                continue
            if level not in STORED[where]:
                continue
            if path.endswith("/summary"):
                pace = response.get_json()["pace"]
                if (pace["reachable"], pace["projected_date"], pace["status"]) != (False, None, "behind"):
                    failures.append(f"{path}: {pace}")
            elif path == f"/coverage/{level}/{code}" and NOT_REACHABLE not in response.get_data(as_text=True):
                failures.append(f"{path}: no “{NOT_REACHABLE}”")
    assert not failures, "\n".join(failures)


def test_a_reachable_target_keeps_its_date_and_no_pace_is_not_reachable(field, client, auth, db):
    auth.login(field.admin)
    summary = f"/api/v1/areas/hamlet/{field.hamlet.id}/summary?campaign_id={field.campaign.id}"
    assert client.get(summary).get_json()["pace"]["reachable"] is False  # no visits: no pace
    installed_yesterday(field, 14)
    pace = client.get(summary).get_json()["pace"]  # 14 users a week = 2 a day; 120 needed of 400
    assert (
        pace["reachable"] is True
        and pace["projected_date"] == (local_today() + timedelta(days=53)).isoformat()
    )


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_a_date_past_any_campaign_is_a_field_error(field, client, auth, day):
    auth.login(field.admin)
    for name in ("date", "since"):
        query = {"campaign_id": field.campaign.id, name: day}
        response = client.get(f"/api/v1/areas/ward/{NINH_KIEU}/summary", query_string=query)
        assert (
            response.status_code == 400
            and "Hãy chọn một ngày từ" in response.get_json()["error"]["fields"][name][0]
        )
        assert client.get(f"/coverage/ward/{NINH_KIEU}/trend.svg", query_string=query).status_code == 400
        page = client.get(f"/coverage/ward/{NINH_KIEU}", query_string=query, follow_redirects=True)
        assert page.status_code == 200 and "Tham số chưa hợp lệ" in page.get_data(as_text=True)


# --- imports: one message per bad line, nothing stored ----------------------------------------

# Cells that isdigit() or int() take, numbers past every bound, and a cell past the csv module's limit.
BAD_COUNTS = ["²", "١٢", "１２", "1_000", "9" * 25, "9" * 5000]
LONG_CELL = '"' + "9" * (FIELD_LIMIT + 1) + '"'


@pytest.mark.parametrize("value", [*BAD_COUNTS, str(MAX_HAMLET_POPULATION + 1), LONG_CELL])
@pytest.mark.parametrize("column", ["households", "population"])
def test_hamlet_import_refuses_the_line(field, client, auth, db, column, value):
    auth.login(field.lead)
    before = hamlets(db)
    cells = {"households": "10", "population": "40", column: value}
    content = f"Tên,Loại,Số hộ,Dân số\nẤp 1,ấp,5,20\nẤp 2,ấp,{cells['households']},{cells['population']}\n"
    response = upload(client, f"/api/v1/wards/{NINH_KIEU}/hamlets/import", content)
    assert response.status_code == 422
    body = response.get_json()["error"]
    messages = body["fields"]["rows"] if body.get("fields") else [body["message"]]
    assert len(messages) == 1 and messages[0].startswith("Dòng 3: "), messages
    assert len(messages[0]) < 200  # the cell is quoted short, not repeated whole
    assert hamlets(db) == before


@pytest.mark.parametrize("value", ["١٢", "1_0", "nan", "inf"])
def test_hamlet_import_refuses_a_coordinate_that_is_no_ascii_number(field, client, auth, db, value):
    auth.login(field.lead)
    content = f"Tên,Loại,Số hộ,Dân số,Vĩ độ,Kinh độ\nẤp 2,ấp,10,40,{value},105.78\n"
    response = upload(client, f"/api/v1/wards/{NINH_KIEU}/hamlets/import", content)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["rows"][0].startswith("Dòng 2: vĩ độ")
    assert "Ấp 2" not in hamlets(db)


def test_household_import_refuses_a_cell_past_the_csv_limit(field, client, auth, db):
    auth.login(field.lead)
    response = upload(client, f"/hamlets/{field.hamlet.id}/households/import", f"Số nhà\n12\n{LONG_CELL}\n")
    assert response.status_code == 422
    assert "Dòng 3: một ô dài quá 131.072 ký tự." in response.get_data(as_text=True)
    assert db.session.get(Hamlet, field.hamlet.id).households == 100


def population_upload(client, text):
    return upload(client, "/coverage/population", text, name="dan-so.csv")


@pytest.mark.parametrize(
    "line",
    [
        *(f"xa,{NINH_KIEU},{value}" for value in BAD_COUNTS),
        f"xa,{NINH_KIEU},{MAX_WARD_POPULATION + 1}",
        f"xa,{NINH_KIEU},{2**31}",  # past PostgreSQL's integer: a 500 there, stored on SQLite
        f"tinh,{CAN_THO},{MAX_PROVINCE_POPULATION + 1}",
        *(f"xa,{value},1300" for value in BAD_COUNTS),
        f"xa,{2**64},1300",  # past SQLite's integer
        f"xa,{NINH_KIEU},{LONG_CELL}",
    ],
)
def test_population_import_refuses_the_line(field, client, auth, db, runner, tmp_path, line):
    auth.login(field.coordinator)
    response = population_upload(client, f"cap,ma,dan_so\ntinh,{CAN_THO},2000\n{line}\n")
    assert response.status_code == 200
    errors = re.findall(r"Dòng \d+: [^<]*", response.get_data(as_text=True))
    assert len(errors) == 1 and errors[0].startswith("Dòng 3: ") and len(errors[0]) < 200, errors
    assert db.session.get(Province, CAN_THO).population_official is None
    assert db.session.get(Ward, NINH_KIEU).population_official is None
    # The command line reads the file the same way.
    path = tmp_path / "dan-so.csv"
    path.write_text(f"cap,ma,dan_so\n{line}\n", encoding="utf-8")
    result = runner.invoke(args=["import-population", str(path)])
    assert result.exit_code == 1 and "Dòng 2: " in result.output and result.exception.__class__ is SystemExit
    assert db.session.get(Ward, NINH_KIEU).population_official is None


def test_population_import_takes_grouped_figures_within_bounds(field, client, auth, db):
    auth.login(field.coordinator)
    largest = f"{MAX_PROVINCE_POPULATION:,}".replace(",", ".")  # 50.000.000, as a Vietnamese sheet writes it
    response = population_upload(client, f"cấp,mã,dân số\ntỉnh,{CAN_THO},{largest}\nxã,{NINH_KIEU},1.300\n")
    assert response.status_code == 302
    assert db.session.get(Province, CAN_THO).population_official == MAX_PROVINCE_POPULATION
    assert db.session.get(Ward, NINH_KIEU).population_official == 1300
