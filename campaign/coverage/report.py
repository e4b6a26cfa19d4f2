"""An area's report for a campaign and a day: its numbers, its rank, its pace, its ranked children
and its trend. The one service behind the coverage pages, the API and the exports.

Definitions (see shared/DOMAIN.md):
- Everything is "as of" a local day D (Asia/Ho_Chi_Minh): counted visits whose local day is D or
  earlier. All sums come from the summary table HamletDay (and HamletDayApp), summed over hamlets.
- Known users = residents who already had the app + installs volunteers assisted.
  User rate = known users / population (None when the population is 0).
- Population: a hamlet's own figure; a ward's official figure if imported, else the sum of its
  hamlets; a province's official figure if imported, else the sum of its wards; the country the sum
  of its provinces. Households are always summed from hamlets. Population is today's figure; the
  rank at an earlier date uses today's population with the known users of that date.
- Pace: known users gained per day over the 7 local days ending on D (fewer if the campaign started
  later). Needed per day = users still missing for the target / days left after D up to the
  deadline. Projected date = D + ceil(missing / pace); "not reachable at this pace" (`reachable`
  false, no date) when the pace is zero or the date falls past the calendar's end (year 9999).
- Basis: a campaign ranks, targets and paces on the users volunteers found, or (when it names one
  of its apps in `ranking_app_code`) on the Ministry's official count of that app: an area's latest
  figure on or before D (the country's is its provinces' added up). Pages show both.
- Rank: among siblings with a population above 0 and a figure on the basis, by its rate, highest
  first; the others are "no figure", listed after the ranked ones. Ties (exactly the
  same rate) share the best rank and the next rank is skipped ("1, 2, 2, 4"). Change = rank at the
  earlier date − rank at D, so ▲ means the area climbed.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from campaign.campaigns.models import Campaign
from campaign.coverage.models import HamletDay, ProvinceDay
from campaign.coverage.numbers import Counters, Numbers, rank, window_start
from campaign.coverage.rollup import Provinces, Scope
from campaign.coverage.tree import CHILD_LEVEL, Area, hamlet_condition
from campaign.coverage.wards import Wards
from campaign.extensions import db


def target_users(campaign: Campaign, population: int) -> int:
    """Known users needed for the target: ceil(target × population), exactly (no float rounding)."""
    return math.ceil(Decimal(str(campaign.target_rate)) * population)


def projected_date(as_of: date, missing: int, per_day: float) -> date | None:
    """The day this pace makes up `missing` users, or None when it never does: no gain, or a day
    past 31/12/9999 (a big population at a slow pace), which no date can hold."""
    if per_day <= 0:
        return None
    days = math.ceil(missing / per_day)
    if days > (date.max - as_of).days:
        return None
    return as_of + timedelta(days=days)


def pace(campaign: Campaign, numbers: Numbers, as_of: date) -> dict:
    """Target and pace on the campaign's basis (found or official users)."""
    window = max(1, (as_of - window_start(campaign, as_of)).days + 1)
    per_day = numbers.basis_gained_window / window
    needed_total = target_users(campaign, numbers.population)
    missing = max(0, needed_total - (numbers.basis_users or 0))
    days_left = (campaign.deadline - as_of).days
    result = {
        "window_days": window,
        "users_per_day": round(per_day, 2),
        "installs_per_day": round(numbers.installs_window / window, 2),
        "target_users": needed_total,
        "missing_users": missing,
        "days_left": max(0, days_left),
        "needed_per_day": None,
        "projected_date": None,
        "reachable": None,
        "behind_by": None,
    }
    if numbers.population == 0:
        result["status"] = "no_population"
        return result
    if numbers.basis_users is None:
        result["status"] = "no_figure"
        return result
    if missing == 0:
        result["status"] = "reached"
        result["needed_per_day"] = 0
        result["reachable"] = True
        return result
    result["projected_date"] = projected_date(as_of, missing, per_day)
    result["reachable"] = result["projected_date"] is not None
    if days_left <= 0:
        result["status"] = "deadline_passed"
        return result
    needed = math.ceil(missing / days_left)
    result["needed_per_day"] = needed
    if per_day >= needed:
        result["status"] = "on_track"
    else:
        result["status"] = "behind"
        result["behind_by"] = math.ceil(needed - per_day)
    return result


def colour(campaign: Campaign, rate: float | None) -> str | None:
    """good / warn / bad by the share of the target reached, with the campaign's thresholds."""
    if rate is None:
        return None
    share = rate / campaign.target_rate
    if share >= campaign.good_share:
        return "good"
    if share >= campaign.warn_share:
        return "warn"
    return "bad"


def trend(campaign: Campaign, area: Area, as_of: date, population: int) -> list[dict]:
    """Known users and user rate at the end of each day from the campaign's start to D."""
    # The country and a province read their province rows, a ward and a hamlet their hamlets'.
    table = ProvinceDay if area.level in ("country", "province") else HamletDay
    query = (
        sa.select(table.day, sa.func.sum(table.already_installed + table.installs))
        .where(table.campaign_id == campaign.id, table.day <= as_of)
        .group_by(table.day)
    )
    if area.level == "province":
        query = query.where(ProvinceDay.province_code == area.code)
    elif area.level != "country":
        query = query.where(hamlet_condition(campaign, area)(HamletDay.hamlet_id))
    per_day = {d: int(n or 0) for d, n in db.session.execute(query)}
    first = min([campaign.start_date, *per_day]) if per_day else campaign.start_date
    points, known, day = [], 0, first
    while day <= as_of:
        known += per_day.get(day, 0)
        points.append(
            {"date": day, "known_users": known, "user_rate": known / population if population else None}
        )
        day += timedelta(days=1)
    return points


@dataclass
class AreaReport:
    campaign: Campaign
    area: Area
    as_of: date
    since: date
    numbers: Numbers
    pace: dict
    children: list[Numbers]
    children_level: str | None
    apps: list
    trend: list[dict]

    @property
    def top5(self) -> list[Numbers]:
        ranked = sorted((c for c in self.children if c.rank is not None), key=lambda c: (c.rank, c.name))
        return ranked[:5]

    @property
    def climbers(self) -> list[Numbers]:
        up = [c for c in self.children if (c.rank_change or 0) > 0]
        return sorted(up, key=lambda c: (-c.rank_change, c.rank, c.name))[:5]


def _added_up(area: Area, parts: list[Numbers], official_population: int | None) -> Numbers:
    numbers = Numbers(area.level, area.code, area.name)
    numbers.count(Counters.total(p.counters for p in parts))
    for part in parts:
        numbers.population += part.population
        numbers.households += part.households
        numbers.add_installs(part.installs_by_app)
    if official_population is not None:
        numbers.population = official_population
    return numbers


def area_report(
    campaign: Campaign,
    area: Area,
    as_of: date,
    since: date | None = None,
    *,
    with_trend: bool = True,
    with_children: bool = True,
    with_child_installs: bool = True,
) -> AreaReport:
    """The report of `area` as of D. Without `with_children` its children are left out (an empty
    list) where they are not what its own numbers add up: a province of a national campaign, a
    ward; the country and a provincial campaign's province read them anyway. Without
    `with_child_installs`, a national campaign's province leaves out its wards' installs by app
    (its page shows none)."""
    since = since if since is not None else as_of - timedelta(days=7)
    child_level = CHILD_LEVEL.get(area.level)
    alone = area.level == "province" and campaign.province_code == area.code
    children: list[Numbers] = []
    if area.level == "country" or (area.level == "province" and not alone):
        # The provinces come from their own summary rows; a province's wards from its hamlets.
        provinces = Provinces(campaign, as_of, since)
        siblings = provinces.units(details_of=area.code if area.level == "province" else None)
        if area.level == "province":
            wards = Wards(campaign, area, as_of, since)
            children = list(wards.units(installs=with_child_installs).values()) if with_children else []
            units = siblings
        else:
            children = list(siblings.values())
            units = {}
            if children:
                units[area.code] = _added_up(area, children, None)
                provinces.attach_official(area.level, units)
    elif alone:
        # A provincial campaign's province has no siblings: its numbers are its wards' added up.
        wards = Wards(campaign, area, as_of, since)
        children = list(wards.units().values())
        units = {area.code: _added_up(area, children, wards.province_officials.get(area.code))}
        wards.attach_official(area.level, units)
    elif area.level == "ward":
        # Its siblings added up per ward in SQL (for its rank), its own hamlets read one by one.
        units = Wards(campaign, area.parent, as_of, since).units()
        if with_children:
            children = list(Scope(campaign, area, as_of, since).units(child_level, area).values())
    else:
        # A hamlet: one read of its ward's hamlets, its siblings.
        scope = Scope(campaign, area.parent or area, as_of, since)
        if child_level and with_children:
            children = list(scope.units(child_level, area).values())
        units = scope.units(area.level, area.parent or area)
    if child_level:
        rank(children)
        children.sort(key=lambda c: (c.rank is None, c.rank or 0, c.name))
    numbers = units.get(area.code) or Numbers(area.level, area.code, area.name)
    units[area.code] = numbers
    rank(list(units.values()))
    return AreaReport(
        campaign=campaign,
        area=area,
        as_of=as_of,
        since=since,
        numbers=numbers,
        pace=pace(campaign, numbers, as_of),
        children=children,
        children_level=child_level,
        apps=list(campaign.apps),
        trend=trend(campaign, area, as_of, numbers.population) if with_trend else [],
    )
