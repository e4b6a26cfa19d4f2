"""This week's activity tables: visits, households reached and installs per team and per
volunteer, ranked. Who sees which lines is decided in campaign/access.py.

The week is Monday to Sunday in local time (Asia/Ho_Chi_Minh). A visit counts for the team it
was logged in (`Visit.team_id`) and for its volunteer, under the rule of the summary tables
(`counted_clause`): team lines are sums of BreakdownDay rows, never a scan of the visits; a
team's volunteers come from that team's visits of the week (the (team, visited_at) index).
A household counts as reached by the visit that first reached it (its first conclusive counted
visit), so a team's figure is the sum of its volunteers'.

Ranked by installs, then households reached, then visits, highest first; lines equal on all
three share the best rank (1, 2, 2, 4).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from campaign.areas.models import Ward
from campaign.auth.models import User
from campaign.campaigns.models import Campaign, Team
from campaign.coverage.models import BreakdownDay
from campaign.extensions import db
from campaign.i18n import day_bounds
from campaign.visits.models import CONCLUSIVE_OUTCOMES, SiteKind, Visit, counted_clause


@dataclass
class ActivityLine:
    id: int
    name: str
    ward: str = ""
    team: str = ""
    visits: int = 0
    households_reached: int = 0
    installs: int = 0
    rank: int | None = None

    @property
    def order(self) -> tuple[int, int, int]:
        return (self.installs, self.households_reached, self.visits)


def week_of(day: date) -> tuple[date, date]:
    """Monday and Sunday of the local week holding `day`."""
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def rank_lines(lines: list[ActivityLine]) -> list[ActivityLine]:
    """Sorted best first, each with its competition rank."""
    lines = sorted(lines, key=lambda line: (tuple(-n for n in line.order), line.name))
    first_at: dict = {}
    for position, line in enumerate(lines, start=1):
        line.rank = first_at.setdefault(line.order, position)
    return lines


def team_lines(campaign: Campaign, team_ids: sa.Select, week: tuple[date, date]) -> list[ActivityLine]:
    """Every team of `team_ids` (a query of ids) with its week's figures, ranked."""
    start, end = week
    sums = (
        sa.select(
            BreakdownDay.team_id,
            sa.func.sum(BreakdownDay.visits),
            sa.func.sum(BreakdownDay.households_reached),
            sa.func.sum(BreakdownDay.installs),
        )
        .where(
            BreakdownDay.campaign_id == campaign.id,
            BreakdownDay.team_id.in_(team_ids),
            BreakdownDay.day >= start,
            BreakdownDay.day <= end,
        )
        .group_by(BreakdownDay.team_id)
    )
    figures = {team_id: [int(v or 0) for v in values] for team_id, *values in db.session.execute(sums)}
    teams = db.session.execute(
        sa.select(Team.id, Team.name, Ward.name)
        .join(Ward, Ward.code == Team.ward_code)
        .where(Team.id.in_(team_ids))
    )
    lines = []
    for team_id, name, ward in teams:
        visits, reached, installs = figures.get(team_id, (0, 0, 0))
        lines.append(
            ActivityLine(
                team_id, name, ward=ward, visits=visits, households_reached=reached, installs=installs
            )
        )
    return rank_lines(lines)


def volunteer_lines(
    campaign: Campaign, team_ids: sa.Select, week: tuple[date, date], volunteer_id: int | None = None
) -> list[ActivityLine]:
    """The volunteers of these teams (with `volunteer_id`, that one only) with their week's
    figures in those teams, ranked. Members without a visit this week are listed with zeros."""
    first, _ = day_bounds(week[0])
    _, last = day_bounds(week[1])
    earlier = aliased(Visit)

    def conclusive(visit):
        return sa.and_(visit.site_kind == SiteKind.HOUSEHOLD, visit.outcome.in_(sorted(CONCLUSIVE_OUTCOMES)))

    # No earlier conclusive counted visit of the household: this visit reached it.
    reaching = sa.and_(
        conclusive(Visit),
        ~sa.exists().where(
            earlier.campaign_id == Visit.campaign_id,
            earlier.household_id == Visit.household_id,
            conclusive(earlier),
            counted_clause(earlier),
            sa.or_(
                earlier.visited_at < Visit.visited_at,
                sa.and_(earlier.visited_at == Visit.visited_at, earlier.id < Visit.id),
            ),
        ),
    )
    query = (
        sa.select(
            Visit.volunteer_id,
            Visit.team_id,
            sa.func.count(),
            sa.func.sum(sa.case((reaching, 1), else_=0)),
            sa.func.sum(Visit.installs_total),
        )
        .where(
            Visit.team_id.in_(team_ids),
            Visit.visited_at >= first,
            Visit.visited_at < last,
            Visit.campaign_id == campaign.id,
            counted_clause(),
        )
        .group_by(Visit.volunteer_id, Visit.team_id)
    )
    members = sa.select(User.id, User.display_name, User.team_id, Team.name).join(
        Team, Team.id == User.team_id
    )
    members = members.where(User.team_id.in_(team_ids), User.active.is_(True))
    if volunteer_id is not None:
        query = query.where(Visit.volunteer_id == volunteer_id)
        members = members.where(User.id == volunteer_id)
    lines: dict[tuple[int, int], ActivityLine] = {}
    for user_id, name, team_id, team in db.session.execute(members):
        lines[(user_id, team_id)] = ActivityLine(user_id, name, team=team)
    rows = db.session.execute(query).all()
    missing = {user_id for user_id, team_id, *_rest in rows if (user_id, team_id) not in lines}
    names = _people(missing, {team_id for _u, team_id, *_r in rows})
    for user_id, team_id, visits, reached, installs in rows:
        line = lines.get((user_id, team_id))
        if line is None:  # left the team (or the campaign) since: their visits still count here
            person, team = names[0].get(user_id, ""), names[1].get(team_id, "")
            line = lines[(user_id, team_id)] = ActivityLine(user_id, person, team=team)
        line.visits, line.households_reached, line.installs = (
            int(visits),
            int(reached or 0),
            int(installs or 0),
        )
    return rank_lines(list(lines.values()))


def _people(user_ids: set[int], team_ids: set[int]) -> tuple[dict, dict]:
    """Names of volunteers who left a team, and of those teams."""
    if not user_ids:
        return {}, {}
    people = db.session.execute(sa.select(User.id, User.display_name).where(User.id.in_(user_ids))).tuples()
    teams = db.session.execute(sa.select(Team.id, Team.name).where(Team.id.in_(team_ids))).tuples()
    return dict(people.all()), dict(teams.all())


def lines_shown(campaign: Campaign, scope, week: tuple[date, date], user_id: int) -> dict:
    """The activity page's tables for an `access.ActivityScope`: the teams (a volunteer's own
    line only, with how many teams it is ranked among) and the volunteers the scope allows."""
    teams = team_lines(campaign, scope.teams, week)
    shown = {"teams": teams, "ranked_count": len(teams), "one_ward": len({t.ward for t in teams}) <= 1}
    if scope.own_team is not None:
        shown["teams"] = [t for t in teams if t.id == scope.own_team]
    if scope.volunteers == "all":
        shown["volunteers"] = volunteer_lines(campaign, scope.teams, week)
    elif scope.volunteers == "self":
        shown["volunteers"] = volunteer_lines(campaign, scope.teams, week, user_id)
    return shown
