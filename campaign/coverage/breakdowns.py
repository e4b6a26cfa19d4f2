"""The breakdowns the articles name: an area's visits, households reached, people reached, users
found and installs by organisation kind (the team's) and by site kind, as of a day.

Read from the summary tables (BreakdownTotal minus the BreakdownDay rows after D), never from
the visits: one GROUP BY (team, site kind) over the area's rows, then added up in Python.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign.campaigns.models import Campaign, OrgKind, Team
from campaign.coverage.exports import INTEGER
from campaign.coverage.models import BREAKDOWN_COLUMNS, NO_TEAM, BreakdownDay, BreakdownTotal
from campaign.coverage.tree import Area, hamlet_condition
from campaign.extensions import db
from campaign.i18n import short_date
from campaign.spreadsheets import Column, Table
from campaign.visits.models import SiteKind
from campaign.vocabulary import NO_TEAM_LABEL, ORG_KINDS, SITES


@dataclass
class Line:
    """One organisation kind's or site kind's figures."""

    key: str
    label: str
    visits: int = 0
    households_reached: int = 0
    people_reached: int = 0
    already_installed: int = 0
    installs: int = 0

    def add(self, counters: dict) -> None:
        for column in BREAKDOWN_COLUMNS:
            setattr(self, column, getattr(self, column) + counters[column])

    @property
    def known_users(self) -> int:
        return self.already_installed + self.installs


@dataclass
class Breakdowns:
    by_org: list[Line] = field(default_factory=list)  # every organisation kind, then "no team"
    by_site: list[Line] = field(default_factory=list)  # every site kind

    @property
    def empty(self) -> bool:
        return not any(line.visits for line in self.by_site)


def _sums(campaign: Campaign, area: Area, as_of: date) -> dict[tuple[int, str], dict]:
    """{(team id, site kind): counters as of D} over the area's hamlets."""
    condition = hamlet_condition(campaign, area)

    def grouped(model, *where):
        query = (
            sa.select(
                model.team_id, model.site_kind, *[sa.func.sum(getattr(model, c)) for c in BREAKDOWN_COLUMNS]
            )
            .where(model.campaign_id == campaign.id, *where)
            # Site kind first: grouped by team first, SQLite reads the days after D through the
            # (campaign, team, day) index, every row of the campaign (50 ms for the country).
            .group_by(model.site_kind, model.team_id)
        )
        if condition is not None:
            query = query.where(condition(model.hamlet_id))
        return {
            (team_id, SiteKind(site).value): [int(v or 0) for v in values]
            for team_id, site, *values in db.session.execute(query)
        }

    result = grouped(BreakdownTotal)
    for key, later in grouped(BreakdownDay, BreakdownDay.day > as_of).items():
        result[key] = [a - b for a, b in zip(result.get(key, [0] * len(later)), later, strict=True)]
    return {key: dict(zip(BREAKDOWN_COLUMNS, values, strict=True)) for key, values in result.items()}


def area_breakdowns(campaign: Campaign, area: Area, as_of: date) -> Breakdowns:
    sums = _sums(campaign, area, as_of)
    team_ids = {team_id for team_id, _site in sums if team_id != NO_TEAM}
    org_of = (
        dict(
            db.session.execute(sa.select(Team.id, Team.org_kind).where(Team.id.in_(team_ids))).tuples().all()
        )
        if team_ids
        else {}
    )
    by_org = {kind.value: Line(kind.value, str(label)) for kind, label in ORG_KINDS.items()}
    no_team = Line("no_team", str(NO_TEAM_LABEL))
    by_site = {kind.value: Line(kind.value, str(label)) for kind, label in SITES.items()}
    for (team_id, site), counters in sums.items():
        kind = org_of.get(team_id)
        (by_org[OrgKind(kind).value] if kind is not None else no_team).add(counters)
        by_site[site].add(counters)
    orgs = list(by_org.values()) + ([no_team] if no_team.visits else [])
    return Breakdowns(by_org=orgs, by_site=list(by_site.values()))


def breakdown_table(breakdowns: Breakdowns, campaign: Campaign, area: Area, as_of: date) -> Table:
    """Both breakdowns in one table (CSV and XLSX): every kind, zeros included, so that a
    report's rows stay in the same place from one day to the next. The XLSX names the area,
    the campaign and the day above the table."""
    columns = [
        Column(_("Theo")),
        Column(_("Loại")),
        Column(_("Lượt gõ cửa"), INTEGER),
        Column(_("Hộ đã đến"), INTEGER),
        Column(_("Người đã gặp"), INTEGER),
        Column(_("Người dùng đã biết"), INTEGER),
        Column(_("Cài mới"), INTEGER),
    ]
    rows = []
    for group, lines in ((_("Tổ chức"), breakdowns.by_org), (_("Loại địa điểm"), breakdowns.by_site)):
        for line in lines:
            rows.append(
                [
                    group,
                    line.label,
                    line.visits,
                    line.households_reached,
                    line.people_reached,
                    line.known_users,
                    line.installs,
                ]
            )
    heading = [
        [_("Theo tổ chức và loại địa điểm"), area.name],
        [_("Chiến dịch"), campaign.name],
        [_("Tính đến hết ngày"), short_date(as_of)],
    ]
    return Table(title=_("Theo tổ chức, địa điểm"), columns=columns, rows=rows, freeze="C2", heading=heading)
