"""Rolling the summary rows up the area tree: each hamlet's counters as of a day, read once for a
scope, then added up to any level inside it, with official populations where they are imported."""

from datetime import date, timedelta

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Province, Ward
from campaign.campaigns.models import Campaign
from campaign.coverage import official
from campaign.coverage.models import (
    HamletAppTotal,
    HamletDay,
    HamletDayApp,
    HamletTotal,
    ProvinceDay,
    ProvinceDayApp,
)
from campaign.coverage.numbers import (
    ALREADY_AT,
    INSTALLS_AT,
    STORED,
    Counters,
    Numbers,
    official_app_code,
    window_start,
)
from campaign.coverage.tree import COUNTRY_CODE, Area, hamlet_condition, names, within
from campaign.extensions import db


def _hamlet_counters(campaign: Campaign, scope: Area, as_of: date, since: date) -> dict[int, Counters]:
    """{hamlet id: Counters as of D} for the hamlets of `scope` that have summary rows.

    Everything up to D is the all-days totals minus any rows after D (none when D is today). The
    recent days (after the earlier date, and the pace window) come from a second query that reads
    only those days' rows through the (campaign, day) index.
    """
    condition = hamlet_condition(campaign, scope)
    start = window_start(campaign, as_of)
    users = HamletDay.already_installed + HamletDay.installs

    def recent_sum(expr, when):
        return sa.func.sum(sa.case((when, expr), else_=0))

    everything = sa.select(HamletTotal.hamlet_id, *[getattr(HamletTotal, c) for c in STORED]).where(
        HamletTotal.campaign_id == campaign.id
    )
    after = (
        sa.select(HamletDay.hamlet_id, *[sa.func.sum(getattr(HamletDay, c)) for c in STORED])
        .where(HamletDay.campaign_id == campaign.id, HamletDay.day > as_of)
        .group_by(HamletDay.hamlet_id)
    )
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
    if condition is not None:
        everything = everything.where(condition(HamletTotal.hamlet_id))
        after = after.where(condition(HamletDay.hamlet_id))
        recent = recent.where(condition(HamletDay.hamlet_id))
    connection = db.session.connection()
    recent_rows = {hamlet_id: window for hamlet_id, *window in connection.execute(recent)}
    after_rows = {row[0]: [int(v or 0) for v in row[1:]] for row in connection.execute(after)}
    result = {}
    for row in connection.execute(everything):
        stored = [int(v or 0) for v in row[1:]]
        later = after_rows.get(row[0])
        if later:
            stored = [a - b for a, b in zip(stored, later, strict=True)]
        gained_since, gained_window, installs_window = (
            int(v or 0) for v in recent_rows.get(row[0], (0, 0, 0))
        )
        counters = Counters(
            *stored,
            known_since=stored[ALREADY_AT] + stored[INSTALLS_AT] - gained_since,
            gained_window=gained_window,
            installs_window=installs_window,
        )
        result[row[0]] = counters
    return result


def _hamlet_app_installs(campaign: Campaign, scope: Area, as_of: date) -> dict[int, dict[int, int]]:
    """{hamlet id: {app id: installs as of D}}: the all-days totals minus the days after D."""
    condition = hamlet_condition(campaign, scope)
    apps = sa.select(HamletAppTotal.hamlet_id, HamletAppTotal.app_id, HamletAppTotal.installs).where(
        HamletAppTotal.campaign_id == campaign.id
    )
    apps_after = (
        sa.select(HamletDayApp.hamlet_id, HamletDayApp.app_id, sa.func.sum(HamletDayApp.installs))
        .where(HamletDayApp.campaign_id == campaign.id, HamletDayApp.day > as_of)
        .group_by(HamletDayApp.hamlet_id, HamletDayApp.app_id)
    )
    if condition is not None:
        apps = apps.where(condition(HamletAppTotal.hamlet_id))
        apps_after = apps_after.where(condition(HamletDayApp.hamlet_id))
    connection = db.session.connection()
    result: dict[int, dict[int, int]] = {}
    for hamlet_id, app_id, installs in connection.execute(apps):
        result.setdefault(hamlet_id, {})[app_id] = int(installs or 0)
    for hamlet_id, app_id, installs in connection.execute(apps_after):
        result[hamlet_id][app_id] -= int(installs or 0)
    return result


class Officials:
    """The official user counts of a campaign's units as of D, read once per level."""

    # The wards whose official counts are read (None: every ward of the campaign).
    ward_province: int | None = None

    def __init__(self, campaign: Campaign, as_of: date, since: date):
        self.campaign, self.as_of, self.since = campaign, as_of, since
        self._official: dict[str, tuple[dict, dict, dict]] = {}

    def attach_official(self, level: str, units: dict) -> None:
        """Each unit's official count of the campaign's official app, and the basis it is ranked on."""
        app_code = official_app_code(self.campaign)
        basis = "official" if self.campaign.ranking_app_code else "found"
        for numbers in units.values():
            numbers.basis = basis
        if app_code is None or level == "hamlet":
            return
        now, since, before = self._figures(app_code, "province" if level == "country" else level)
        if level == "country":  # the country's count is its provinces' added up
            now, since, before = ({COUNTRY_CODE: sum(f.values())} if f else {} for f in (now, since, before))
        for code, numbers in units.items():
            numbers.official_users = now.get(code)
            numbers.official_since = since.get(code)
            numbers.official_before_window = before.get(code)

    def _figures(self, app_code: str, level: str) -> tuple[dict, dict, dict]:
        """The official counts of a level as of D, of the earlier date, and of the day before the
        pace window; read once per level."""
        if level not in self._official:
            province = self.campaign.province_code or (self.ward_province if level == "ward" else None)
            days = (self.as_of, self.since, window_start(self.campaign, self.as_of) - timedelta(days=1))
            self._official[level] = official.figures(app_code, level, days, province)
        return self._official[level]


class Scope(Officials):
    """Every hamlet of a scope with its counters, read once (one GROUP BY hamlet over HamletDay,
    which follows its primary key), then rolled up in Python to any level inside the scope."""

    def __init__(self, campaign: Campaign, scope: Area, as_of: date, since: date):
        super().__init__(campaign, as_of, since)
        # Ward figures outside the scope's province are never shown.
        self.ward_province = scope.province_code if scope.level in ("province", "ward", "hamlet") else None
        # (hamlet id, ward, province, population, households), as `units` reads them.
        hamlets = within(
            sa.select(
                Hamlet.id, Hamlet.ward_code, Ward.province_code, Hamlet.population, Hamlet.households
            ).join(Ward, Ward.code == Hamlet.ward_code),
            campaign,
            scope,
        )
        self.hamlets = db.session.connection().execute(hamlets).tuples().all()
        self.counters = _hamlet_counters(campaign, scope, as_of, since)
        self.apps = _hamlet_app_installs(campaign, scope, as_of)
        officials = sa.select(Ward.code, Ward.province_code, Ward.population_official).where(
            Ward.population_official.is_not(None)
        )
        self.ward_officials = db.session.execute(within(officials, campaign, scope, wards=True)).all()
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
        result: dict = {}
        parts: dict = {}  # unit -> its hamlets' Counters
        ward_population: dict[int, int] = {}  # ward -> population of its hamlets
        ward_province: dict[int, int] = {}
        for hamlet_id, ward_code, province_code, population, households in self.hamlets:
            if not inside.holds(province_code, ward_code, hamlet_id):
                continue
            key = (
                COUNTRY_CODE
                if level == "country"
                else province_code
                if level == "province"
                else ward_code
                if level == "ward"
                else hamlet_id
            )
            numbers = result.get(key)
            if numbers is None:
                numbers = result[key] = Numbers(level, key, "")
                parts[key] = []
            numbers.population += population
            numbers.households += households
            counters = self.counters.get(hamlet_id)
            if counters is not None:
                parts[key].append(counters)
            apps = self.apps.get(hamlet_id)
            if apps:
                numbers.add_installs(apps)
            ward_population[ward_code] = ward_population.get(ward_code, 0) + population
            ward_province[ward_code] = province_code
        for key, counters in parts.items():
            result[key].count(Counters.total(counters))
        if level != "hamlet":
            for unit, population in self._populations(level, inside, ward_population, ward_province).items():
                numbers = result.get(unit)
                if numbers is None:  # an official population, no hamlets yet
                    numbers = result[unit] = Numbers(level, unit, "")
                numbers.population = population
        unit_names = names(level, result)
        for unit, numbers in result.items():
            numbers.name = unit_names.get(unit, str(unit))
        self.attach_official(level, result)
        return result

    def _populations(self, level: str, inside: Area, ward_population: dict, ward_province: dict) -> dict:
        """{unit: population} above the hamlets: a ward's official figure replaces the sum of its
        hamlets, a province's the sum of its wards; the country is the sum of its provinces."""
        for ward in self.ward_officials:
            if inside.holds(ward.province_code, ward.code):
                ward_population[ward.code] = ward.population_official
                ward_province[ward.code] = ward.province_code
        by_unit: dict = {}
        for code, population in ward_population.items():
            unit = code if level == "ward" else ward_province[code]
            by_unit[unit] = by_unit.get(unit, 0) + population
        if level == "ward":
            return by_unit
        # A province's official population counts even when none of its wards has any figure.
        for code, population in self.province_officials.items():
            campaign_holds = self.campaign.province_code in (None, code)
            if code in by_unit or (campaign_holds and inside.holds(code, None)):
                by_unit[code] = population
        if level == "country":
            return {COUNTRY_CODE: sum(by_unit.values())} if by_unit else {}
        return by_unit


class Provinces(Officials):
    """Every province of a campaign with its numbers as of D, read from the province summary rows
    (ProvinceDay: 34 rows a day) and GROUP BYs over the hamlets for households and populations:
    the same numbers as `Scope(campaign, country).units("province", country)`, without rolling
    every hamlet of the country up in Python. Serves the country's page and a province's rank."""

    def units(self, details_of: int | None = None) -> dict[int, Numbers]:
        """{province code: Numbers}. With `details_of`, only that province's households and
        installs by app are added up (the others' are 0 and empty): a province's page shows its
        own, and adding up every hamlet of the country for the others' households costs more
        than the rest of the ranking."""
        campaign, as_of = self.campaign, self.as_of
        start = window_start(campaign, as_of)
        users = ProvinceDay.already_installed + ProvinceDay.installs

        def recent_sum(expr, when):
            return sa.func.sum(sa.case((when, expr), else_=0))

        counters_query = (
            sa.select(
                ProvinceDay.province_code,
                *[sa.func.sum(getattr(ProvinceDay, c)) for c in STORED],
                recent_sum(users, ProvinceDay.day > self.since),
                recent_sum(users, ProvinceDay.day >= start),
                recent_sum(ProvinceDay.installs, ProvinceDay.day >= start),
            )
            .where(ProvinceDay.campaign_id == campaign.id, ProvinceDay.day <= as_of)
            .group_by(ProvinceDay.province_code)
        )
        apps_query = (
            sa.select(
                ProvinceDayApp.province_code, ProvinceDayApp.app_id, sa.func.sum(ProvinceDayApp.installs)
            )
            .where(ProvinceDayApp.campaign_id == campaign.id, ProvinceDayApp.day <= as_of)
            .group_by(ProvinceDayApp.province_code, ProvinceDayApp.app_id)
        )
        households_query = (
            sa.select(Ward.province_code, sa.func.sum(Hamlet.households))
            .join(Ward, Ward.code == Hamlet.ward_code)
            .group_by(Ward.province_code)
        )
        if details_of is not None:
            households_query = households_query.where(Ward.province_code == details_of)
            apps_query = apps_query.where(ProvinceDayApp.province_code == details_of)
        # The population of the hamlets whose ward and province have no official figure.
        hamlets_query = (
            sa.select(Ward.province_code, sa.func.sum(Hamlet.population))
            .join(Ward, Ward.code == Hamlet.ward_code)
            .join(Province, Province.code == Ward.province_code)
            .where(Ward.population_official.is_(None), Province.population_official.is_(None))
            .group_by(Ward.province_code)
        )
        wards_query = (
            sa.select(Ward.province_code, sa.func.sum(Ward.population_official))
            .where(Ward.population_official.is_not(None))
            .group_by(Ward.province_code)
        )
        provinces_query = sa.select(Province.code, Province.name, Province.population_official)
        if campaign.province_code is not None:
            counters_query = counters_query.where(ProvinceDay.province_code == campaign.province_code)
            apps_query = apps_query.where(ProvinceDayApp.province_code == campaign.province_code)
            households_query = households_query.where(Ward.province_code == campaign.province_code)
            hamlets_query = hamlets_query.where(Ward.province_code == campaign.province_code)
            wards_query = wards_query.where(Ward.province_code == campaign.province_code)
            provinces_query = provinces_query.where(Province.code == campaign.province_code)
        connection = db.session.connection()
        result: dict[int, Numbers] = {}
        population: dict[int, int] = {}
        for code, households in connection.execute(households_query):
            result[code] = Numbers("province", code, "", households=int(households or 0))
        for code, hamlet_population in connection.execute(hamlets_query):
            population[code] = int(hamlet_population or 0)
        for code, ward_population in connection.execute(wards_query):
            population[code] = population.get(code, 0) + int(ward_population or 0)
        provinces = connection.execute(provinces_query).all()
        for code, _name, official_population in provinces:
            if official_population is not None:  # counts even when no ward has a figure
                population[code] = official_population
        for code, number in population.items():
            result.setdefault(code, Numbers("province", code, "")).population = number
        for code, name, _population in provinces:
            if code in result:
                result[code].name = name
        for code, *row in connection.execute(counters_query):
            stored = [int(v or 0) for v in row[: len(STORED)]]
            gained_since, gained_window, installs_window = (int(v or 0) for v in row[len(STORED) :])
            result[code].count(
                Counters(
                    *stored,
                    known_since=stored[ALREADY_AT] + stored[INSTALLS_AT] - gained_since,
                    gained_window=gained_window,
                    installs_window=installs_window,
                )
            )
        for code, app_id, installs in connection.execute(apps_query):
            result[code].add_installs({app_id: int(installs or 0)})
        self.province_officials = {code: p for code, _name, p in provinces if p is not None}
        self.attach_official("province", result)
        return result
