"""The country page of a national campaign for coordinators: every province's rate, rank and
change, their own highlighted, and nothing below another province through any page, export or API."""

import io
import re
from datetime import timedelta

import openpyxl

from campaign.areas.models import Province
from campaign.auth.models import Role
from campaign.campaigns.models import Team, TeamHamlet
from campaign.coverage.models import OfficialCount
from campaign.extensions import db
from campaign.i18n import local_today
from campaign.spreadsheets import XLSX_MIMETYPE
from campaign.visits.models import Outcome
from tests.conftest import CAI_KHE, CAN_THO, HA_NOI, NINH_KIEU
from tests.test_coverage import add_visit
from tests.test_hostile_queries import get_routes

SECRETS = ("Ấp Bí Mật", "Đội Bí Mật", "Người Bí Mật")


def country_field(make_campaign, make_hamlet, make_user):
    """A national campaign; Cần Thơ has a hamlet, a team, a volunteer and a visit, all named with
    words that must never reach Hà Nội's coordinator; both provinces have official counts."""
    today = local_today()
    campaign = make_campaign(None, start=today - timedelta(days=20), ranking_app_code="bluezone")
    hamlet = make_hamlet(NINH_KIEU, name=SECRETS[0], population=400)
    team = Team(ward_code=NINH_KIEU, name=SECRETS[1], org_kind="youth_union")
    db.session.add(team)
    db.session.flush()
    db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
    db.session.commit()
    volunteer = make_user(Role.VOLUNTEER, team=team)
    volunteer.display_name = SECRETS[2]
    visit = add_visit(
        campaign, hamlet, "1", Outcome.INSTALLED, today, installs={"bluezone": 3}, volunteer=volunteer
    )
    db.session.get(Province, CAN_THO).population_official = 1000
    db.session.get(Province, HA_NOI).population_official = 1000
    for code, before, now in ((CAN_THO, 100, 200), (HA_NOI, 150, 150)):
        db.session.add(
            OfficialCount(
                level="province", code=code, day=today - timedelta(days=8), app_code="bluezone", users=before
            )
        )
        db.session.add(OfficialCount(level="province", code=code, day=today, app_code="bluezone", users=now))
    db.session.commit()
    return campaign, hamlet, team, volunteer, visit


def readable(response) -> str:
    """A response's text; an XLSX's cells (its bytes are zipped)."""
    if response.mimetype == XLSX_MIMETYPE:
        book = openpyxl.load_workbook(io.BytesIO(response.data))
        return "\n".join(str(c.value) for sheet in book for row in sheet.iter_rows() for c in row)
    return response.get_data().decode("utf-8", "replace")


def test_a_coordinator_sees_the_country_ranking_with_their_province_highlighted(
    make_campaign, make_hamlet, make_user, client, auth
):
    campaign, *_ = country_field(make_campaign, make_hamlet, make_user)
    coordinator = make_user(Role.COORDINATOR, province=HA_NOI)
    auth.login(coordinator)
    page = client.get("/coverage/country/vn", query_string={"campaign_id": campaign.id})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    # Cần Thơ 200/1.000 = 20 % climbed from 10 % (2nd) to 1st; Hà Nội 15 % fell from 1st to 2nd.
    rows = re.findall(r"<tr class=\"row--[a-z]+( row--own)?\".*?</tr>", html, re.S)
    assert len(rows) == 2
    own = re.search(r'<tr class="row--[a-z]+ row--own" aria-current="true">(.*?)</tr>', html, re.S).group(1)
    assert "Hà Nội" in own and "<a " in own  # their own province opens
    cantho = next(
        r for r in re.findall(r"<tr class=\"row--[a-z]+\">(.*?)</tr>", html, re.S) if "Cần Thơ" in r
    )
    assert "<a " not in cantho  # another province does not
    assert "▲1" in html
    assert (
        client.get(f"/coverage/province/{CAN_THO}", query_string={"campaign_id": campaign.id}).status_code
        == 403
    )
    assert (
        client.get(f"/coverage/province/{HA_NOI}", query_string={"campaign_id": campaign.id}).status_code
        == 200
    )


def test_a_lead_or_volunteer_still_cannot_open_the_country_page(field, client, auth, make_campaign):
    campaign = make_campaign(None)
    for user in (field.lead, field.volunteer):
        auth.login(user)
        assert (
            client.get("/coverage/country/vn", query_string={"campaign_id": campaign.id}).status_code == 403
        )
        auth.logout()


def test_another_provinces_hamlets_teams_and_people_reach_a_coordinator_through_no_route(
    app, make_campaign, make_hamlet, make_user, client, auth
):
    campaign, hamlet, team, volunteer, visit = country_field(make_campaign, make_hamlet, make_user)
    coordinator = make_user(Role.COORDINATOR, province=HA_NOI)
    values = {
        "campaign_id": campaign.id,
        "code": CAN_THO,
        "ward_code": NINH_KIEU,
        "hamlet_id": hamlet.id,
        "team_id": team.id,
        "visit_id": visit.id,
        "user_id": volunteer.id,
        "level": "country",
        "fmt": "csv",
        "kind": "csv",
    }
    auth.login(coordinator)
    leaks = []
    for level, code in (
        ("country", "vn"),
        ("province", CAN_THO),
        ("ward", NINH_KIEU),
        ("ward", CAI_KHE),
        ("hamlet", hamlet.id),
    ):
        for path in get_routes(app, {**values, "level": level, "code": code}):
            for query in ({}, {"campaign_id": campaign.id}):
                body = readable(client.get(path, query_string=query))
                leaks += [f"{path} {query}: {s}" for s in SECRETS if s in body]
    assert not leaks
    assert (
        client.get("/coverage/country/vn/table.csv", query_string={"campaign_id": campaign.id}).status_code
        == 200
    )


def test_a_lead_sees_their_ward_in_the_province_and_the_province_in_the_country(
    make_campaign, make_hamlet, make_user, client, auth
):
    campaign, *_ = country_field(make_campaign, make_hamlet, make_user)
    auth.login(make_user(Role.LEAD, ward=NINH_KIEU))
    html = client.get(f"/coverage/ward/{NINH_KIEU}", query_string={"campaign_id": campaign.id}).get_data(
        as_text=True
    )
    # Cần Thơ 20 % now (1st of 2), 10 % eight days ago (2nd): ▲1. Ninh Kiều is alone in its
    # province with an official count: no ward has one, so the ward ranks nowhere ("no figure").
    section = html.split('id="country-rank-h"')[1].split("</section>")[0]
    assert re.search(r"Cần Thơ: hạng 1/2 cả nước", section)
    assert "▲1" in section
    assert "20,00 %" in section
