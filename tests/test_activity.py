"""This week's activity tables: hand-computed team and volunteer lines, their ranking, and who
sees whose figures. The world and its visits are test_breakdowns.py's (the week of 10–16/8/2026)."""

import re
from datetime import date

import pytest

from campaign.access import activity_scope
from campaign.coverage.activity import ActivityLine, rank_lines, team_lines, volunteer_lines, week_of
from tests.test_breakdowns import world  # noqa: F401 (the fixture)

WEEK = (date(2026, 8, 10), date(2026, 8, 16))


def lines(rows) -> dict:
    return {row.name: (row.rank, row.visits, row.households_reached, row.installs) for row in rows}


def page(client, world, day="2026-08-13"):  # noqa: F811
    response = client.get(f"/coverage/activity?campaign_id={world.campaign.id}&date={day}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def names_in(html: str) -> set[str]:
    """The names in the tables' row headers."""
    return set(re.findall(r'<th scope="row">([^<]+)<', html))


def test_the_week_runs_monday_to_sunday():
    assert week_of(date(2026, 8, 13)) == WEEK
    assert week_of(date(2026, 8, 10)) == WEEK
    assert week_of(date(2026, 8, 16)) == WEEK


def test_ties_share_the_best_rank():
    ranked = rank_lines(
        [
            ActivityLine(1, "B", visits=1, households_reached=1, installs=1),
            ActivityLine(2, "A", visits=5, households_reached=0, installs=0),
            ActivityLine(3, "C", visits=1, households_reached=1, installs=1),
            ActivityLine(4, "D", visits=2, households_reached=1, installs=1),
        ]
    )
    assert [(line.name, line.rank) for line in ranked] == [("D", 1), ("B", 2), ("C", 2), ("A", 4)]


def test_ward_teams_and_volunteers_this_week(world):  # noqa: F811
    scope = activity_scope(world.lead)
    # (rank, visits, households reached, installs). Visit 9 (the 3rd) and the rejected one are out.
    assert lines(team_lines(world.campaign, scope.teams, WEEK)) == {
        world.t2.name: (1, 2, 0, 5),
        world.t1.name: (2, 3, 2, 2),
    }
    assert lines(volunteer_lines(world.campaign, scope.teams, WEEK)) == {
        world.v3.display_name: (1, 2, 0, 5),
        world.v1.display_name: (2, 2, 1, 2),
        world.v2.display_name: (3, 1, 1, 0),
    }


def test_province_teams_for_the_coordinator(world):  # noqa: F811
    teams = team_lines(world.campaign, activity_scope(world.coordinator).teams, WEEK)
    assert lines(teams) == {
        world.t3.name: (1, 2, 1, 7),
        world.t2.name: (2, 2, 0, 5),
        world.t1.name: (3, 3, 2, 2),
    }
    assert {t.ward for t in teams} == {"Phường Ninh Kiều", "Phường Cái Khế"}


def test_a_team_line_is_the_sum_of_its_volunteers(world):  # noqa: F811
    scope = activity_scope(world.lead)
    people = volunteer_lines(world.campaign, scope.teams, WEEK)
    for team in team_lines(world.campaign, scope.teams, WEEK):
        members = [p for p in people if p.team == team.name]
        assert team.visits == sum(p.visits for p in members)
        assert team.households_reached == sum(p.households_reached for p in members)
        assert team.installs == sum(p.installs for p in members)


def test_a_volunteer_who_moved_keeps_the_week_in_the_team_they_worked_in(world):  # noqa: F811
    from campaign.campaigns.services import move_volunteer
    from campaign.extensions import db

    move_volunteer(world.admin, world.v3, world.t1)
    db.session.commit()
    scope = activity_scope(world.lead)
    assert lines(team_lines(world.campaign, scope.teams, WEEK))[world.t2.name] == (1, 2, 0, 5)
    moved = [p for p in volunteer_lines(world.campaign, scope.teams, WEEK) if p.name == world.v3.display_name]
    assert {(p.team, p.installs) for p in moved} == {(world.t2.name, 5), (world.t1.name, 0)}


def test_lead_page_lists_the_ward_only(world, client, auth):  # noqa: F811
    auth.login(world.lead)
    html = page(client, world)
    shown = names_in(html)
    assert {
        world.t1.name,
        world.t2.name,
        world.v1.display_name,
        world.v2.display_name,
        world.v3.display_name,
    } <= shown
    assert world.t3.name not in shown and world.v4.display_name not in shown
    assert world.t_hn.name not in shown
    assert "Tuần 10/08/2026 – 16/08/2026" in html


def test_coordinator_sees_own_province_teams_and_no_one_person(world, client, auth):  # noqa: F811
    auth.login(world.coordinator)
    shown = names_in(page(client, world))
    assert {world.t1.name, world.t2.name, world.t3.name} <= shown
    assert world.t_hn.name not in shown
    assert not shown & {world.v1.display_name, world.v3.display_name, world.v4.display_name}


def test_other_coordinator_sees_no_team_of_this_province(world, client, auth):  # noqa: F811
    auth.login(world.other_coordinator)
    response = client.get(f"/coverage/activity?campaign_id={world.campaign.id}&date=2026-08-13")
    html = response.get_data(as_text=True)
    # A Cần Thơ campaign is not theirs: the page falls back to theirs, with no Cần Thơ team.
    assert not names_in(html) & {world.t1.name, world.t2.name, world.t3.name}
    assert world.v1.display_name not in html


def test_volunteer_sees_own_team_line_and_own_figures_only(world, client, auth):  # noqa: F811
    auth.login(world.v1)
    html = page(client, world)
    shown = names_in(html)
    assert shown == {world.t1.name, world.v1.display_name}
    for other in (world.v2, world.v3, world.v4, world.v_hn):
        assert other.display_name not in html
    for team in (world.t2, world.t3, world.t_hn):
        assert team.name not in html
    # Their team's line: rank 2 of the ward's 2 teams; their own: 2 visits, 1 household, 2 installs.
    assert "2 đội của xã, phường" in html
    row = re.search(rf'<th scope="row">{re.escape(world.v1.display_name)}<.*?</tr>', html, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]+)</td>', row) == ["2", "1", "2"]


def test_volunteer_without_a_team_has_no_activity_page(client, auth, make_user):
    from campaign.auth.models import Role

    auth.login(make_user(Role.VOLUNTEER))
    assert client.get("/coverage/activity").status_code == 403


@pytest.mark.parametrize("value", ["0001-01-01", "nope", "2026-02-30"])
def test_a_bad_date_is_a_message_not_an_error(world, client, auth, value):  # noqa: F811
    auth.login(world.lead)
    response = client.get(f"/coverage/activity?date={value}")
    assert response.status_code == 200
    assert 'class="flash flash--error"' in response.get_data(as_text=True)


def test_the_review_team_activity_also_counts_a_visit_in_the_team_it_was_made_in(world, client, auth):  # noqa: F811
    """The lead's "Hoạt động đội" export and this week's page agree after a move: a visit stays
    with the team its volunteer was in when it was made."""
    import csv
    import io

    from campaign.campaigns.services import move_volunteer
    from campaign.extensions import db

    def installs_by_team() -> dict:
        data = client.get("/review/teams.csv?date_from=2026-08-10&date_to=2026-08-16").get_data()
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        return {row[1]: row[3] for row in rows[1:]}

    auth.login(world.lead)
    before = installs_by_team()
    move_volunteer(world.admin, world.v3, world.t1)
    db.session.commit()
    assert installs_by_team() == before
    assert before[world.t2.name] == "5"
