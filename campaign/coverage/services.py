"""An area's numbers for a campaign and a day: the one service behind the pages, the API and exports.

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
- Rank: among siblings with a population above 0, by user rate, highest first. Ties (exactly the
  same rate) share the best rank and the next rank is skipped ("1, 2, 2, 4"). Change = rank at the
  earlier date − rank at D, so ▲ means the area climbed.
"""

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Province, Ward
from campaign.campaigns.models import Campaign
from campaign.coverage.models import HamletAppTotal, HamletDay, HamletDayApp, HamletTotal
from campaign.coverage.totals import OUTCOME_COLUMNS
from campaign.extensions import db
from campaign.numbers import whole_number
from campaign.types import MAX_ID

LEVELS = ("country", "province", "ward", "hamlet")
CHILD_LEVEL = {"country": "province", "province": "ward", "ward": "hamlet"}
PARENT_LEVEL = {"province": "country", "ward": "province", "hamlet": "ward"}
COUNTRY_CODE = "vn"
PACE_DAYS = 7


class AreaNotFound(LookupError):
    pass


@dataclass
class Area:
    level: str
    code: int | str
    name: str
    parent: "Area | None" = None
    # The province (for scope checks) and the object itself when it is a row.
    province_code: int | None = None
    ward_code: int | None = None
    row: object = None

    @property
    def chain(self) -> list["Area"]:
        """From the country down to this area."""
        chain, area = [], self
        while area is not None:
            chain.append(area)
            area = area.parent
        return chain[::-1]


def country_area() -> Area:
    return Area("country", COUNTRY_CODE, "Việt Nam")


def find_area(level: str, code) -> Area:
    """The area named by a level and its code (`vn`, a province or ward code, a hamlet id)."""
    if level == "country":
        if str(code).lower() != COUNTRY_CODE:
            raise AreaNotFound(level)
        return country_area()
    if level not in LEVELS:
        raise AreaNotFound(level)
    try:  # codes and ids are 32-bit: "１２" or 25 digits name no area (and would overflow SQLite)
        number = whole_number(str(code), MAX_ID)
    except ValueError:
        raise AreaNotFound(level) from None
    if level == "province":
        province = db.session.get(Province, number)
        if province is None:
            raise AreaNotFound(level)
        return Area("province", province.code, province.name, country_area(), province.code, None, province)
    if level == "ward":
        ward = db.session.get(Ward, number)
        if ward is None:
            raise AreaNotFound(level)
        parent = find_area("province", ward.province_code)
        return Area("ward", ward.code, ward.name, parent, ward.province_code, ward.code, ward)
    hamlet = db.session.get(Hamlet, number)
    if hamlet is None:
        raise AreaNotFound(level)
    parent = find_area("ward", hamlet.ward_code)
    return Area("hamlet", hamlet.id, hamlet.name, parent, parent.province_code, hamlet.ward_code, hamlet)


def in_campaign(campaign: Campaign, area: Area) -> bool:
    """A provincial campaign covers its province only; a national one everything."""
    return (
        campaign.province_code is None
        or area.level == "country"
        or area.province_code == campaign.province_code
    )


# --- sums over hamlets ------------------------------------------------------------------------


@dataclass
class Numbers:
    """One area's sums (rolled up by `_Scope.units`) and the figures derived from them."""

    level: str
    code: int | str
    name: str
    population: int = 0
    households: int = 0
    households_reached: int = 0
    visits: int = 0
    already_installed: int = 0
    installs: int = 0
    known_since: int = 0
    gained_window: int = 0
    installs_window: int = 0
    outcomes: dict = field(default_factory=lambda: dict.fromkeys(OUTCOME_COLUMNS, 0))
    installs_by_app: dict = field(default_factory=dict)
    rank: int | None = None
    rank_since: int | None = None
    ranked_count: int = 0
    sums: list = field(default_factory=list, repr=False)

    @property
    def known_users(self) -> int:
        return self.already_installed + self.installs

    @property
    def user_rate(self) -> float | None:
        return self.known_users / self.population if self.population else None

    @property
    def exact_rate(self) -> Fraction | None:
        return Fraction(self.known_users, self.population) if self.population else None

    @property
    def exact_rate_since(self) -> Fraction | None:
        return Fraction(self.known_since, self.population) if self.population else None

    @property
    def households_reached_rate(self) -> float | None:
        return self.households_reached / self.households if self.households else None

    @property
    def rank_change(self) -> int | None:
        if self.rank is None or self.rank_since is None:
            return None
        return self.rank_since - self.rank


def _hamlet_filter(campaign: Campaign, scope: Area):
    """A WHERE clause on HamletDay-like tables' hamlet_id for the hamlets of `scope`, or None when
    the campaign's own rows are exactly those (the country, or a provincial campaign's province)."""
    if scope.level == "country" or (scope.level == "province" and campaign.province_code == scope.code):
        return None
    if scope.level == "hamlet":
        return scope.code
    hamlets = sa.select(Hamlet.id)
    if scope.level == "ward":
        hamlets = hamlets.where(Hamlet.ward_code == scope.code)
    else:
        hamlets = hamlets.join(Ward, Ward.code == Hamlet.ward_code).where(Ward.province_code == scope.code)
    return hamlets


SUMS = (
    "visits",
    "households_reached",
    "already_installed",
    "installs",
    "known_since",
    "gained_window",
    "installs_window",
    *OUTCOME_COLUMNS,
)


class _Scope:
    """Per-hamlet sums of every hamlet in a scope, read once (one GROUP BY hamlet over HamletDay,
    which follows its primary key), then rolled up in Python to any level inside the scope."""

    def __init__(self, campaign: Campaign, scope: Area, as_of: date, since: date):
        self.campaign = campaign
        hamlets = _within(
            sa.select(
                Hamlet.id, Hamlet.ward_code, Ward.province_code, Hamlet.population, Hamlet.households
            ).join(Ward, Ward.code == Hamlet.ward_code),
            campaign,
            scope,
        )
        self.hamlets = db.session.connection().execute(hamlets).all()
        hamlet_filter = _hamlet_filter(campaign, scope)
        # All days up to D: plain sums. The recent days (after the earlier date, and the pace
        # window) in a second query that reads only those days' rows through the (campaign, day) index.
        start = window_start(campaign, as_of)
        users = HamletDay.already_installed + HamletDay.installs
        # Everything up to D = the all-days totals minus any rows after D (none when D is today).
        counters = (
            "visits",
            "households_reached",
            "already_installed",
            "installs",
            *OUTCOME_COLUMNS.values(),
        )
        everything = sa.select(HamletTotal.hamlet_id, *[getattr(HamletTotal, c) for c in counters]).where(
            HamletTotal.campaign_id == campaign.id
        )
        after = (
            sa.select(HamletDay.hamlet_id, *[sa.func.sum(getattr(HamletDay, c)) for c in counters])
            .where(HamletDay.campaign_id == campaign.id, HamletDay.day > as_of)
            .group_by(HamletDay.hamlet_id)
        )
        apps_after = (
            sa.select(HamletDayApp.hamlet_id, HamletDayApp.app_id, sa.func.sum(HamletDayApp.installs))
            .where(HamletDayApp.campaign_id == campaign.id, HamletDayApp.day > as_of)
            .group_by(HamletDayApp.hamlet_id, HamletDayApp.app_id)
        )

        def recent_sum(expr, condition):
            return sa.func.sum(sa.case((condition, expr), else_=0))

        recent = (
            sa.select(
                HamletDay.hamlet_id,
                recent_sum(users, HamletDay.day > since),
                recent_sum(users, HamletDay.day >= start),
                recent_sum(HamletDay.installs, HamletDay.day >= start),
            )
            .where(
                HamletDay.campaign_id == campaign.id,
                HamletDay.day > min(since, start - timedelta(days=1)),
                HamletDay.day <= as_of,
            )
            .group_by(HamletDay.hamlet_id)
        )
        apps = sa.select(HamletAppTotal.hamlet_id, HamletAppTotal.app_id, HamletAppTotal.installs).where(
            HamletAppTotal.campaign_id == campaign.id
        )
        if hamlet_filter is not None:
            condition = (
                (lambda column: column.in_(hamlet_filter))
                if isinstance(hamlet_filter, sa.Select)
                else (lambda column: column == scope.code)
            )
            everything = everything.where(condition(HamletTotal.hamlet_id))
            after = after.where(condition(HamletDay.hamlet_id))
            recent = recent.where(condition(HamletDay.hamlet_id))
            apps = apps.where(condition(HamletAppTotal.hamlet_id))
            apps_after = apps_after.where(condition(HamletDayApp.hamlet_id))
        connection = db.session.connection()
        recent_rows = {row[0]: row[1:] for row in connection.execute(recent)}
        after_rows = {row[0]: [int(v or 0) for v in row[1:]] for row in connection.execute(after)}
        self.sums = {}
        for row in connection.execute(everything):
            values = [int(v or 0) for v in row[1:]]
            later = after_rows.get(row[0])
            if later:
                values = [a - b for a, b in zip(values, later, strict=True)]
            visits, reached, already, installs, *outcomes = values
            after_since, gained, installed = (int(v or 0) for v in recent_rows.get(row[0], (0, 0, 0)))
            known_since = already + installs - after_since
            self.sums[row[0]] = (
                visits,
                reached,
                already,
                installs,
                known_since,
                gained,
                installed,
                *outcomes,
            )
        self.apps: dict[int, dict[int, int]] = {}
        for hamlet_id, app_id, installs in connection.execute(apps):
            self.apps.setdefault(hamlet_id, {})[app_id] = int(installs or 0)
        for hamlet_id, app_id, installs in connection.execute(apps_after):
            self.apps[hamlet_id][app_id] -= int(installs or 0)
        officials = sa.select(Ward.code, Ward.province_code, Ward.population_official).where(
            Ward.population_official.is_not(None)
        )
        self.ward_officials = db.session.execute(_within_wards(officials, campaign, scope)).tuples().all()
        self.province_officials = dict(
            db.session.execute(
                sa.select(Province.code, Province.population_official).where(
                    Province.population_official.is_not(None)
                )
            )
            .tuples()
            .all()
        )

    def units(self, level: str, inside: Area) -> dict:
        """{unit key: Numbers} for every unit of `level` inside the area `inside`."""

        def keep(ward_code, province_code, hamlet_id) -> bool:
            return (
                inside.level == "country"
                or (inside.level == "province" and province_code == inside.code)
                or (inside.level == "ward" and ward_code == inside.code)
                or (inside.level == "hamlet" and hamlet_id == inside.code)
            )

        key_index = {"hamlet": 0, "ward": 1, "province": 2}
        result: dict = {}
        grouped: dict = {}  # unit -> per-hamlet sum lists, added up column by column below
        ward_sums: dict[int, list] = {}  # ward -> [province, population of its hamlets]
        zero = (0,) * len(SUMS)
        for hamlet in self.hamlets:
            hamlet_id, ward_code, province_code, population, households = hamlet
            if not keep(ward_code, province_code, hamlet_id):
                continue
            key = COUNTRY_CODE if level == "country" else hamlet[key_index[level]]
            numbers = result.get(key)
            if numbers is None:
                numbers = result[key] = Numbers(level, key, "")
                grouped[key] = []
            numbers.population += population
            numbers.households += households
            sums = self.sums.get(hamlet_id)
            if sums is not None:
                grouped[key].append(sums)
            apps = self.apps.get(hamlet_id)
            if apps:
                for app_id, installs in apps.items():
                    numbers.installs_by_app[app_id] = numbers.installs_by_app.get(app_id, 0) + installs
            ward = ward_sums.setdefault(ward_code, [province_code, 0])
            ward[1] += population
        for key, rows in grouped.items():
            result[key].sums = [sum(column) for column in zip(*rows, strict=True)] if rows else list(zero)
        if level != "hamlet":
            # Official figures: a ward's replaces the sum of its hamlets, a province's the sum of its wards.
            ward_population = {code: ward[1] for code, ward in ward_sums.items()}
            ward_province = {code: ward[0] for code, ward in ward_sums.items()}
            for code, province_code, official in self.ward_officials:
                if keep(code, province_code, None) and inside.level != "hamlet":
                    ward_population[code] = official
                    ward_province[code] = province_code
            by_unit: dict = {}
            for code, population in ward_population.items():
                unit = {"ward": code, "province": ward_province[code], "country": COUNTRY_CODE}[level]
                if level == "country":
                    by_unit.setdefault(ward_province[code], 0)
                    by_unit[ward_province[code]] += population
                else:
                    by_unit[unit] = by_unit.get(unit, 0) + population
            if level in ("province", "country"):
                for code in by_unit:
                    if code in self.province_officials:
                        by_unit[code] = self.province_officials[code]
            if level == "country":
                by_unit = {COUNTRY_CODE: sum(by_unit.values())} if by_unit else {}
            for unit, population in by_unit.items():
                numbers = result.get(unit)
                if numbers is None:
                    numbers = result[unit] = Numbers(level, unit, "")
                    numbers.sums = list(zero)  # an official population, no hamlets yet
                numbers.population = population
        names = _names(level, result)
        for unit, numbers in result.items():
            numbers.name = names.get(unit, str(unit))
            (
                numbers.visits,
                numbers.households_reached,
                numbers.already_installed,
                numbers.installs,
                numbers.known_since,
                numbers.gained_window,
                numbers.installs_window,
            ) = numbers.sums[:7]
            numbers.outcomes = dict(zip(OUTCOME_COLUMNS, numbers.sums[7:], strict=True))
        return result


def _within(query: sa.Select, campaign: Campaign, area: Area) -> sa.Select:
    """Restrict a query joined to Hamlet and Ward to the hamlets of an area inside the campaign."""
    if campaign.province_code is not None:
        query = query.where(Ward.province_code == campaign.province_code)
    if area.level == "province":
        query = query.where(Ward.province_code == area.code)
    elif area.level == "ward":
        query = query.where(Hamlet.ward_code == area.code)
    elif area.level == "hamlet":
        query = query.where(Hamlet.id == area.code)
    return query


def _within_wards(query: sa.Select, campaign: Campaign, scope: Area) -> sa.Select:
    if campaign.province_code is not None:
        query = query.where(Ward.province_code == campaign.province_code)
    if scope.level == "province":
        query = query.where(Ward.province_code == scope.code)
    elif scope.level == "ward":
        query = query.where(Ward.code == scope.code)
    elif scope.level == "hamlet":
        query = query.where(sa.false())
    return query


def _names(level: str, keys) -> dict:
    keys = list(keys)
    if level == "country":
        return {COUNTRY_CODE: "Việt Nam"}
    if not keys:
        return {}
    model, column = {
        "hamlet": (Hamlet, Hamlet.id),
        "ward": (Ward, Ward.code),
        "province": (Province, Province.code),
    }[level]
    return dict(db.session.execute(sa.select(column, model.name).where(column.in_(keys))).tuples().all())


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def window_start(campaign: Campaign, as_of: date) -> date:
    return max(as_of - timedelta(days=PACE_DAYS - 1), campaign.start_date)


def rank(units: list[Numbers]) -> None:
    """Competition ranking by user rate at D and at the earlier date; population 0 is unranked."""
    ranked = [u for u in units if u.population > 0]
    for attribute, rate in (("rank", "exact_rate"), ("rank_since", "exact_rate_since")):
        rates = sorted((getattr(u, rate) for u in ranked), reverse=True)
        first_at = {}
        for position, value in enumerate(rates, start=1):
            first_at.setdefault(value, position)
        for unit in ranked:
            setattr(unit, attribute, first_at[getattr(unit, rate)])
    for unit in units:
        unit.ranked_count = len(ranked)


# --- the figures people ask for ---------------------------------------------------------------


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
    window = max(1, (as_of - window_start(campaign, as_of)).days + 1)
    per_day = numbers.gained_window / window
    needed_total = target_users(campaign, numbers.population)
    missing = max(0, needed_total - numbers.known_users)
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
    query = (
        sa.select(HamletDay.day, sa.func.sum(HamletDay.already_installed + HamletDay.installs))
        .where(HamletDay.campaign_id == campaign.id, HamletDay.day <= as_of)
        .group_by(HamletDay.day)
    )
    hamlet_filter = _hamlet_filter(campaign, area)
    if isinstance(hamlet_filter, sa.Select):
        query = query.where(HamletDay.hamlet_id.in_(hamlet_filter))
    elif hamlet_filter is not None:
        query = query.where(HamletDay.hamlet_id == area.code)
    per_day = {_day(d): int(n or 0) for d, n in db.session.execute(query)}
    first = min([campaign.start_date, *per_day]) if per_day else campaign.start_date
    points, known, day = [], 0, first
    known += sum(n for d, n in per_day.items() if d < first)
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
    numbers.sums = [sum(column) for column in zip(*(p.sums for p in parts), strict=True)] if parts else []
    for part in parts:
        numbers.population += part.population
        numbers.households += part.households
        for app_id, installs in part.installs_by_app.items():
            numbers.installs_by_app[app_id] = numbers.installs_by_app.get(app_id, 0) + installs
    if official_population is not None:
        numbers.population = official_population
    if numbers.sums:
        (
            numbers.visits,
            numbers.households_reached,
            numbers.already_installed,
            numbers.installs,
            numbers.known_since,
            numbers.gained_window,
            numbers.installs_window,
        ) = numbers.sums[:7]
        numbers.outcomes = dict(zip(OUTCOME_COLUMNS, numbers.sums[7:], strict=True))
    return numbers


def area_report(
    campaign: Campaign, area: Area, as_of: date, since: date | None = None, *, with_trend: bool = True
) -> AreaReport:
    since = since if since is not None else as_of - timedelta(days=7)
    # One read of the hamlets around the area: its siblings' (for its rank) and its own children.
    child_level = CHILD_LEVEL.get(area.level)
    alone = area.level == "province" and campaign.province_code == area.code
    scope = _Scope(campaign, area if alone else (area.parent or area), as_of, since)
    children: list[Numbers] = []
    if child_level:
        children = list(scope.units(child_level, area).values())
        rank(children)
        children.sort(key=lambda c: (c.rank is None, c.rank or 0, c.name))
    if alone:
        # A provincial campaign's province has no siblings: its numbers are its wards' added up.
        numbers = _added_up(area, children, scope.province_officials.get(area.code))
        units = {area.code: numbers}
    else:
        units = scope.units(area.level, area.parent or area)
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


# --- JSON shapes (the API and tests) ----------------------------------------------------------


def _iso(value):
    return value.isoformat() if value is not None else None


def numbers_payload(report: AreaReport, numbers: Numbers) -> dict:
    campaign = report.campaign
    rate = numbers.user_rate
    return {
        "level": numbers.level,
        "code": numbers.code,
        "name": numbers.name,
        "population": numbers.population,
        "households": numbers.households,
        "households_reached": numbers.households_reached,
        "households_reached_rate": numbers.households_reached_rate,
        "visits": numbers.visits,
        "already_installed": numbers.already_installed,
        "installs": numbers.installs,
        "known_users": numbers.known_users,
        "user_rate": rate,
        "target_share": rate / campaign.target_rate if rate is not None else None,
        "colour": colour(campaign, rate),
        "installs_by_app": [
            {
                "app_id": app.id,
                "code": app.code,
                "name": app.name,
                "installs": numbers.installs_by_app.get(app.id, 0),
            }
            for app in report.apps
        ],
        "outcomes": dict(numbers.outcomes),
        "users_per_day": round(numbers.gained_window / report.pace["window_days"], 2),
        "rank": numbers.rank,
        "rank_since": numbers.rank_since,
        "rank_change": numbers.rank_change,
        "ranked_among": numbers.ranked_count,
    }


def _area_payload(area: Area) -> dict:
    return {"level": area.level, "code": area.code, "name": area.name}


def _header(report: AreaReport) -> dict:
    campaign = report.campaign
    return {
        "area": {**_area_payload(report.area), "parents": [_area_payload(a) for a in report.area.chain[:-1]]},
        "campaign": {
            "id": campaign.id,
            "name": campaign.name,
            "target_rate": campaign.target_rate,
            "start_date": campaign.start_date.isoformat(),
            "deadline": campaign.deadline.isoformat(),
            "warn_share": campaign.warn_share,
            "good_share": campaign.good_share,
        },
        "as_of": report.as_of.isoformat(),
        "since": report.since.isoformat(),
    }


def summary_payload(report: AreaReport) -> dict:
    pace_figures = {**report.pace, "projected_date": _iso(report.pace["projected_date"])}
    return {
        **_header(report),
        **numbers_payload(report, report.numbers),
        "pace": pace_figures,
        "trend": [{**p, "date": p["date"].isoformat()} for p in report.trend],
    }


def children_payload(report: AreaReport) -> dict:
    return {
        **_header(report),
        "children_level": report.children_level,
        "children": [numbers_payload(report, child) for child in report.children],
        "top5": [child.code for child in report.top5],
        "climbers": [child.code for child in report.climbers],
    }
