"""A province's wards with their numbers as of a day, added up per ward in SQL: the same numbers
as `Scope(campaign, province).units("ward", province)`, without reading every hamlet's summary
rows (Hồ Chí Minh City: 1,680 hamlets, 168 wards) and summing them in Python."""

from datetime import timedelta

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Province, Ward
from campaign.coverage.models import HamletAppTotal, HamletDay, HamletDayApp, HamletTotal
from campaign.coverage.numbers import ALREADY_AT, INSTALLS_AT, STORED, Counters, Numbers, window_start
from campaign.coverage.rollup import Officials
from campaign.coverage.tree import Area, within
from campaign.extensions import db


class Wards(Officials):
    """The wards of `province` inside the campaign: one GROUP BY ward per summary table, each
    driven by the province's hamlets (the summary tables' primary keys start with the hamlet)."""

    def __init__(self, campaign, province: Area, as_of, since):
        super().__init__(campaign, as_of, since)
        self.province = province
        self.ward_province = province.code
        self.province_officials: dict[int, int] = {}

    def _per_ward(self, table, *columns, where=()) -> sa.Select:
        """SELECT ward, *columns FROM table JOIN the province's hamlets ... GROUP BY ward."""
        query = (
            sa.select(Ward.code, *columns)
            .select_from(table)
            .join(Hamlet, Hamlet.id == table.hamlet_id)
            .join(Ward, Ward.code == Hamlet.ward_code)
            .where(table.campaign_id == self.campaign.id, *where)
            # Ward.code, not Hamlet.ward_code (the same): SQLite then reads the rows in its order
            # and needs no sort to group them.
            .group_by(Ward.code)
        )
        return within(query, self.campaign, self.province)

    def _counters(self) -> dict[int, Counters]:
        """{ward: Counters as of D}: the all-days totals minus the rows after D; the recent days
        (since the earlier date, and the pace window) from those days' rows only."""
        as_of, since = self.as_of, self.since
        start = window_start(self.campaign, as_of)
        users = HamletDay.already_installed + HamletDay.installs

        def recent_sum(expr, when):
            return sa.func.sum(sa.case((when, expr), else_=0))

        everything = self._per_ward(HamletTotal, *[sa.func.sum(getattr(HamletTotal, c)) for c in STORED])
        after = self._per_ward(
            HamletDay, *[sa.func.sum(getattr(HamletDay, c)) for c in STORED], where=[HamletDay.day > as_of]
        )
        if since == start - timedelta(days=1):
            # The usual earlier date, the day before the pace window: the users gained since then
            # are the window's, summed without a CASE per row.
            recent = self._per_ward(
                HamletDay,
                sa.func.sum(users),
                sa.func.sum(HamletDay.installs),
                where=[HamletDay.day >= start, HamletDay.day <= as_of],
            )
            windows = db.session.connection().execute(recent)
            recent_rows = {ward: [int(g or 0), int(g or 0), int(i or 0)] for ward, g, i in windows}
        else:
            recent = self._per_ward(
                HamletDay,
                recent_sum(users, HamletDay.day > since),
                recent_sum(users, HamletDay.day >= start),
                recent_sum(HamletDay.installs, HamletDay.day >= start),
                where=[HamletDay.day > min(since, start - timedelta(days=1)), HamletDay.day <= as_of],
            )
            windows = db.session.connection().execute(recent)
            recent_rows = {ward: [int(v or 0) for v in window] for ward, *window in windows}
        connection = db.session.connection()
        after_rows = {ward: [int(v or 0) for v in later] for ward, *later in connection.execute(after)}
        result = {}
        for ward, *row in connection.execute(everything):
            stored = [int(v or 0) for v in row]
            later = after_rows.get(ward)
            if later:
                stored = [a - b for a, b in zip(stored, later, strict=True)]
            gained_since, gained_window, installs_window = recent_rows.get(ward, (0, 0, 0))
            result[ward] = Counters(
                *stored,
                known_since=stored[ALREADY_AT] + stored[INSTALLS_AT] - gained_since,
                gained_window=gained_window,
                installs_window=installs_window,
            )
        return result

    def _installs(self) -> dict[int, dict[int, int]]:
        """{ward: {app id: installs as of D}}."""
        apps = self._per_ward(HamletAppTotal, HamletAppTotal.app_id, sa.func.sum(HamletAppTotal.installs))
        apps_after = self._per_ward(
            HamletDayApp,
            HamletDayApp.app_id,
            sa.func.sum(HamletDayApp.installs),
            where=[HamletDayApp.day > self.as_of],
        )
        connection = db.session.connection()
        result: dict[int, dict[int, int]] = {}
        for ward, app_id, installs in connection.execute(apps.group_by(HamletAppTotal.app_id)):
            result.setdefault(ward, {})[app_id] = int(installs or 0)
        for ward, app_id, installs in connection.execute(apps_after.group_by(HamletDayApp.app_id)):
            result[ward][app_id] -= int(installs or 0)
        return result

    def units(self, *, installs: bool = True) -> dict[int, Numbers]:
        """{ward code: Numbers}: every ward with hamlets, or with an official population.
        Without `installs`, the installs by app are left out (the province's page shows none of
        its wards')."""
        # Every ward of the province with its hamlets added up (from the hamlet index alone).
        wards = within(
            sa.select(
                Ward.code,
                Ward.name,
                Ward.population_official,
                sa.func.count(Hamlet.id),
                sa.func.sum(Hamlet.population),
                sa.func.sum(Hamlet.households),
            )
            .outerjoin(Hamlet, Hamlet.ward_code == Ward.code)
            .group_by(Ward.code),
            self.campaign,
            self.province,
            wards=True,
        )
        result: dict[int, Numbers] = {}
        for ward, name, official_population, hamlets, population, households in db.session.execute(wards):
            if hamlets or official_population is not None:
                # A ward's official population replaces its hamlets' sum, and counts without hamlets.
                population = official_population if official_population is not None else population
                result[ward] = Numbers("ward", ward, name, int(population or 0), int(households or 0))
        for ward, counters in self._counters().items():
            result[ward].count(counters)
        for ward, by_app in (self._installs() if installs else {}).items():
            result[ward].add_installs(by_app)
        population = db.session.get(Province, self.province.code).population_official
        if population is not None:
            self.province_officials[self.province.code] = population
        self.attach_official("ward", result)
        return result
