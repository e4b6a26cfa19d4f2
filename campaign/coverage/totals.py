"""Keeping the summary tables in step with the visits, in the same transaction.

This is the write side; `recount` checks and rebuilds these tables from the raw visits.

Arriving visits go through `record_new`, which adds their own numbers. Every other change to
visits (review decisions, corrections, edits) goes through `tracking(campaign_id, household_ids)`:
it measures what those households contribute to the summary before and after the change and
applies the difference. A household's contribution depends only on its own visits, so the diff
is exact however the change moved things, for example when rejecting a household's first
conclusive visit moves its "reached" day.
"""

from collections import Counter, defaultdict
from collections.abc import Iterable
from contextlib import contextmanager
from functools import cache

import sqlalchemy as sa

from campaign.areas.models import Hamlet, Household, Ward
from campaign.coverage.models import (
    BREAKDOWN_COLUMNS,
    COUNTER_COLUMNS,
    NO_TEAM,
    OUTCOME_COLUMNS,
    BreakdownDay,
    BreakdownTotal,
    HamletAppTotal,
    HamletDay,
    HamletDayApp,
    HamletTotal,
    ProvinceDay,
    ProvinceDayApp,
)
from campaign.extensions import db
from campaign.i18n import local_day
from campaign.visits.models import CONCLUSIVE_OUTCOMES, SiteKind, Visit, VisitInstall, counted_clause

CHUNK = 500

Buckets = dict[tuple, Counter]


def _add(days: Buckets, first_conclusive: dict, v) -> tuple:
    """Add one counted visit to its (hamlet, day, team, site kind) bucket; note it if it may be
    its household's earliest conclusive visit (the household is "reached" on that visit's day,
    by that visit's team). Returns the bucket key."""
    key = _bucket_key(v)
    bucket = days[key]
    bucket["visits"] += 1
    bucket["people_reached"] += v.residents
    bucket["already_installed"] += v.already_installed
    bucket["installs"] += v.installs_total
    bucket[OUTCOME_COLUMNS[v.outcome.value]] += 1
    _note_conclusive(first_conclusive, v, key)
    return key


def _note_conclusive(first_conclusive: dict, v, key: tuple) -> None:
    if v.site_kind == SiteKind.HOUSEHOLD and v.outcome in CONCLUSIVE_OUTCOMES:
        order = (v.visited_at, v.id)
        if v.household_id not in first_conclusive or order < first_conclusive[v.household_id][0]:
            first_conclusive[v.household_id] = (order, key)


def _bucket_key(v) -> tuple:
    return (v.hamlet_id, local_day(v.visited_at), v.team_id or NO_TEAM, SiteKind(v.site_kind).value)


_CONTRIBUTING = (
    Visit.id,
    Visit.hamlet_id,
    Visit.household_id,
    Visit.team_id,
    Visit.site_kind,
    Visit.outcome,
    Visit.residents,
    Visit.already_installed,
    Visit.installs_total,
    Visit.visited_at,
)


def contributions(campaign_id: int, household_ids: Iterable[int]) -> tuple[Buckets, Counter]:
    """What these households' counted visits add to HamletDay and HamletDayApp rows:
    ({(hamlet, day): counters}, {(hamlet, day, app): installs})."""
    buckets, apps = measure(campaign_id, household_ids)
    return per_hamlet_day(buckets), apps


def measure(campaign_id: int, household_ids: Iterable[int]) -> tuple[Buckets, Counter]:
    """What these households' counted visits add to the summary, by (hamlet, day, team, site
    kind): the finest key, from which `apply_delta` derives every summary table."""
    days: Buckets = defaultdict(Counter)
    apps: Counter = Counter()
    first_conclusive: dict[int, tuple] = {}
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        where = [Visit.campaign_id == campaign_id, Visit.household_id.in_(chunk), counted_clause()]
        visits = db.session.execute(sa.select(*_CONTRIBUTING).where(*where)).all()
        day_of = {v.id: _add(days, first_conclusive, v)[:2] for v in visits}
        if visits:
            installs = db.session.execute(
                sa.select(VisitInstall.visit_id, VisitInstall.app_id, VisitInstall.count)
                .join(Visit, Visit.id == VisitInstall.visit_id)
                .where(*where)
            ).all()
            for visit_id, app_id, count in installs:
                apps[(*day_of[visit_id], app_id)] += count
    for _order, key in first_conclusive.values():
        days[key]["households_reached"] += 1
    return days, apps


def per_hamlet_day(buckets: Buckets) -> Buckets:
    """The buckets added up per (hamlet, day): the HamletDay rows."""
    result: Buckets = defaultdict(Counter)
    for (hamlet_id, day, _team, _site), counters in buckets.items():
        result[(hamlet_id, day)].update(counters)
    return result


def lock_households(household_ids: Iterable[int]) -> None:
    """On PostgreSQL, make concurrent changes to one household's visits wait for each other, so
    that two of them cannot both count the household as newly reached. In id order, so they
    cannot deadlock; SQLite already runs one writer at a time and ignores FOR UPDATE."""
    ids = sorted(set(household_ids))
    for start in range(0, len(ids), CHUNK):
        db.session.execute(
            sa.select(Household.id)
            .where(Household.id.in_(ids[start : start + CHUNK]))
            .order_by(Household.id)
            .with_for_update()
        ).all()


@contextmanager
def tracking(campaign_id: int, household_ids: Iterable[int]):
    """Wrap a change to these households' visits; the summary follows it on exit."""
    ids = set(household_ids)
    db.session.flush()
    lock_households(ids)
    before = measure(campaign_id, ids)
    yield
    db.session.flush()
    after = measure(campaign_id, ids)
    apply_delta(campaign_id, before, after)


# Built once: it runs for every arriving batch.
_OTHER_CONCLUSIVE = sa.select(*_CONTRIBUTING).where(
    Visit.campaign_id == sa.bindparam("campaign_id"),
    Visit.household_id.in_(sa.bindparam("households", expanding=True)),
    Visit.site_kind == SiteKind.HOUSEHOLD,
    Visit.outcome.in_(sorted(CONCLUSIVE_OUTCOMES)),
    Visit.id.not_in(sa.bindparam("new", expanding=True)),
    counted_clause(),
)


def record_new(campaign_id: int, visits: list, installs: list[dict]) -> None:
    """Add brand-new visits (already flushed, households locked; Visits or NewVisits) to the summary.

    The same result as `tracking` around the insert, without re-reading the households' other
    visits: a new visit changes no other visit's contribution (a correction counts, and
    supersedes the visit it corrects, only once approved). So the change is the new visits' own
    numbers, plus moving a household's "reached" day when a new visit is now its earliest
    conclusive one.
    """
    before: Buckets = defaultdict(Counter)
    after: Buckets = defaultdict(Counter)
    after_apps: Counter = Counter()
    first_new: dict[int, tuple] = {}
    day_of = {v.id: _add(after, first_new, v)[:2] for v in visits if v.counts_in_totals}
    for row in installs:
        if row["visit_id"] in day_of:
            after_apps[(*day_of[row["visit_id"]], row["app_id"])] += row["count"]
    earlier: dict[int, tuple] = {}
    households = sorted(first_new)
    for start in range(0, len(households), CHUNK):
        params = {
            "campaign_id": campaign_id,
            "households": households[start : start + CHUNK],
            "new": sorted(day_of),
        }
        for v in db.session.execute(_OTHER_CONCLUSIVE, params):
            _note_conclusive(earlier, v, _bucket_key(v))
    for household_id, (order, key) in first_new.items():
        old = earlier.get(household_id)
        if old is None or order < old[0]:
            after[key]["households_reached"] += 1
            if old is not None:
                before[old[1]]["households_reached"] += 1
    apply_delta(campaign_id, (before, Counter()), (after, after_apps))


def apply_delta(campaign_id: int, before, after) -> None:
    """Add after − before (buckets by hamlet, day, team and site kind) to the summary rows: one
    batched upsert per summary table.

    Rows go in key order, so concurrent transactions lock summary rows in the same order and
    cannot deadlock each other on PostgreSQL.
    """
    before_days, before_apps = before
    after_days, after_apps = after
    deltas = {}
    for key in sorted(set(before_days) | set(after_days)):
        delta = Counter(after_days.get(key, Counter()))
        delta.subtract(before_days.get(key, Counter()))
        if any(delta.values()):
            deltas[key] = delta
    day_rows, total_rows = defaultdict(Counter), defaultdict(Counter)
    breakdown_rows, breakdown_totals = [], defaultdict(Counter)
    for (hamlet_id, day, team_id, site_kind), delta in deltas.items():
        day_rows[(hamlet_id, day)].update(delta)
        total_rows[hamlet_id].update(delta)
        breakdown_totals[(hamlet_id, team_id, site_kind)].update(delta)
        if any(delta.get(c, 0) for c in BREAKDOWN_COLUMNS):
            breakdown_rows.append(
                {
                    "campaign_id": campaign_id,
                    "hamlet_id": hamlet_id,
                    "day": day,
                    "team_id": team_id,
                    "site_kind": site_kind,
                    **_all(delta, BREAKDOWN_COLUMNS),
                }
            )
    app_rows, app_total_rows = [], Counter()
    for key in sorted(set(before_apps) | set(after_apps)):
        change = after_apps.get(key, 0) - before_apps.get(key, 0)
        if change:
            hamlet_id, day, app_id = key
            app_rows.append(
                {
                    "campaign_id": campaign_id,
                    "hamlet_id": hamlet_id,
                    "day": day,
                    "app_id": app_id,
                    "installs": change,
                }
            )
            app_total_rows[(hamlet_id, app_id)] += change
    hamlet_day_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, "day": d, **_all(delta)}
        for (h, d), delta in sorted(day_rows.items())
        if any(delta.values())
    ]
    province_days, province_apps = by_province(
        campaign_id,
        {(r["hamlet_id"], r["day"]): r for r in hamlet_day_rows},
        {_app_key(r): r["installs"] for r in app_rows},
    )
    _upsert(HamletDay, ("campaign_id", "hamlet_id", "day"), COUNTER_COLUMNS, hamlet_day_rows)
    _upsert(
        HamletTotal,
        ("campaign_id", "hamlet_id"),
        COUNTER_COLUMNS,
        [
            {"campaign_id": campaign_id, "hamlet_id": h, **_all(d)}
            for h, d in sorted(total_rows.items())
            if any(d.values())
        ],
    )
    _upsert(HamletDayApp, ("campaign_id", "hamlet_id", "day", "app_id"), ("installs",), app_rows)
    _upsert(
        HamletAppTotal,
        ("campaign_id", "hamlet_id", "app_id"),
        ("installs",),
        [
            {"campaign_id": campaign_id, "hamlet_id": h, "app_id": a, "installs": n}
            for (h, a), n in sorted(app_total_rows.items())
            if n
        ],
    )
    _upsert(
        BreakdownDay,
        ("campaign_id", "hamlet_id", "day", "team_id", "site_kind"),
        BREAKDOWN_COLUMNS,
        breakdown_rows,
    )
    _upsert(
        BreakdownTotal,
        ("campaign_id", "hamlet_id", "team_id", "site_kind"),
        BREAKDOWN_COLUMNS,
        [
            {
                "campaign_id": campaign_id,
                "hamlet_id": h,
                "team_id": t,
                "site_kind": k,
                **_all(d, BREAKDOWN_COLUMNS),
            }
            for (h, t, k), d in sorted(breakdown_totals.items())
            if any(d.get(c, 0) for c in BREAKDOWN_COLUMNS)
        ],
    )
    # Last: a province's row is shared by all its hamlets, so it is locked for the shortest time.
    _upsert(ProvinceDay, ("campaign_id", "province_code", "day"), COUNTER_COLUMNS, province_days)
    _upsert(ProvinceDayApp, ("campaign_id", "province_code", "day", "app_id"), ("installs",), province_apps)


def _app_key(row: dict) -> tuple:
    return row["hamlet_id"], row["day"], row["app_id"]


# Built once: it runs for every arriving batch.
_PROVINCE_OF = (
    sa.select(Hamlet.id, Ward.province_code)
    .join(Ward, Ward.code == Hamlet.ward_code)
    .where(Hamlet.id.in_(sa.bindparam("hamlets", expanding=True)))
)


def by_province(campaign_id: int, days: dict, apps: dict) -> tuple[list[dict], list[dict]]:
    """Hamlet-day counters ({(hamlet, day): counters}) and installs ({(hamlet, day, app): n})
    added up per province and day, as ProvinceDay and ProvinceDayApp rows in key order."""
    hamlets = sorted({key[0] for key in days} | {key[0] for key in apps})
    province_of = {}
    for start in range(0, len(hamlets), CHUNK):
        province_of.update(
            db.session.execute(_PROVINCE_OF, {"hamlets": hamlets[start : start + CHUNK]}).tuples().all()
        )
    day_totals: dict = defaultdict(Counter)
    for (hamlet_id, day), counters in days.items():
        day_totals[(province_of[hamlet_id], day)].update({c: counters[c] for c in COUNTER_COLUMNS})
    app_totals: Counter = Counter()
    for (hamlet_id, day, app_id), installs in apps.items():
        app_totals[(province_of[hamlet_id], day, app_id)] += installs
    day_rows = [
        {"campaign_id": campaign_id, "province_code": p, "day": d, **_all(c)}
        for (p, d), c in sorted(day_totals.items())
        if any(c.values())
    ]
    app_rows = [
        {"campaign_id": campaign_id, "province_code": p, "day": d, "app_id": a, "installs": n}
        for (p, d, a), n in sorted(app_totals.items())
        if n
    ]
    return day_rows, app_rows


def _all(delta: Counter, columns: tuple = COUNTER_COLUMNS) -> dict:
    return {column: delta.get(column, 0) for column in columns}


def _upsert(model, keys: tuple, counters: tuple, rows: list[dict]) -> None:
    if rows:
        db.session.execute(_upsert_statement(model, keys, counters), rows)


@cache
def _upsert_statement(model, keys: tuple, counters: tuple) -> sa.TextClause:
    """INSERT … ON CONFLICT DO UPDATE SET col = col + excluded.col, the same text on SQLite and
    PostgreSQL. Built once and run as executemany: the summary update is on every visit's path,
    and SQLAlchemy does not cache the compiled form of dialect upserts."""
    table = model.__tablename__
    columns = keys + counters
    statement = sa.text(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(':' + c for c in columns)}) "
        f"ON CONFLICT ({', '.join(keys)}) DO UPDATE SET "
        + ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in counters)
    )
    if "day" in keys:
        statement = statement.bindparams(sa.bindparam("day", type_=sa.Date()))
    return statement
