"""Recounting the summary tables from the raw visits, with GROUP BY: `check-totals` compares the
stored rows with the recount, `rebuild-totals` (and the demo data) replaces them with it."""

from datetime import date

import sqlalchemy as sa

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
from campaign.coverage.totals import by_province
from campaign.extensions import db
from campaign.i18n import local_day_sql
from campaign.visits.models import CONCLUSIVE_OUTCOMES, Outcome, SiteKind, Visit, VisitInstall, counted_clause

# Every summary table of a campaign, app rows before the rows they refine (the delete order).
SUMMARY_MODELS = (
    ProvinceDayApp,
    ProvinceDay,
    HamletDayApp,
    HamletDay,
    HamletAppTotal,
    HamletTotal,
    BreakdownDay,
    BreakdownTotal,
)


def recompute(campaign_id: int) -> tuple[dict, dict]:
    """A campaign's summary rows computed from raw visits with GROUP BY, as two dicts:
    {(hamlet_id, day): {column: n}} and {(hamlet_id, day, app_id): installs}. Zero rows are left out."""
    day = local_day_sql(Visit.visited_at).label("day")
    where = [Visit.campaign_id == campaign_id, counted_clause()]
    outcome_sums = [
        sa.func.sum(sa.case((Visit.outcome == Outcome(outcome), 1), else_=0)).label(column)
        for outcome, column in OUTCOME_COLUMNS.items()
    ]
    grouped = db.session.execute(
        sa.select(
            Visit.hamlet_id,
            day,
            sa.func.count().label("visits"),
            sa.func.sum(Visit.residents).label("people_reached"),
            sa.func.sum(Visit.already_installed).label("already_installed"),
            sa.func.sum(Visit.installs_total).label("installs"),
            *outcome_sums,
        )
        .where(*where)
        .group_by(Visit.hamlet_id, day)
    ).mappings()
    days: dict = {}
    for row in grouped:
        counters = {c: int(row[c] or 0) for c in COUNTER_COLUMNS if c != "households_reached"}
        counters["households_reached"] = 0
        days[(row["hamlet_id"], _as_date(row["day"]))] = counters
    # A household is reached on the day of its first conclusive counted visit (earliest time, then id).
    firsts = _first_conclusive(where, day)
    reached = db.session.execute(
        sa.select(firsts.c.hamlet_id, firsts.c.day, sa.func.count())
        .where(firsts.c.n == 1)
        .group_by(firsts.c.hamlet_id, firsts.c.day)
    )
    for hamlet_id, reached_day, n in reached:
        days[(hamlet_id, _as_date(reached_day))]["households_reached"] = int(n)
    installs = db.session.execute(
        sa.select(Visit.hamlet_id, day, VisitInstall.app_id, sa.func.sum(VisitInstall.count))
        .join(Visit, Visit.id == VisitInstall.visit_id)
        .where(*where)
        .group_by(Visit.hamlet_id, day, VisitInstall.app_id)
    )
    apps = {(h, _as_date(d), a): int(n) for h, d, a, n in installs if n}
    return days, apps


def _as_date(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _read(model, keys: tuple[str, ...], campaign_id: int) -> tuple[dict, dict]:
    """A day table's counter rows and its app table's installs, keyed by `keys` (+ app), all-zero
    rows left out."""
    day_model, app_model = model
    key_columns = [getattr(day_model, k) for k in keys]
    width = len(keys)
    days = {}
    for row in db.session.execute(
        sa.select(*key_columns, *[getattr(day_model, c) for c in COUNTER_COLUMNS]).where(
            day_model.campaign_id == campaign_id
        )
    ):
        counters = dict(zip(COUNTER_COLUMNS, row[width:], strict=True))
        if any(counters.values()):
            days[tuple(row[:width])] = counters
    app_keys = [getattr(app_model, k) for k in keys]
    apps = {
        tuple(row[:-1]): row[-1]
        for row in db.session.execute(
            sa.select(*app_keys, app_model.app_id, app_model.installs).where(
                app_model.campaign_id == campaign_id
            )
        )
        if row[-1]
    }
    return days, apps


def recompute_breakdowns(campaign_id: int) -> dict:
    """The BreakdownDay rows computed from raw visits with GROUP BY:
    {(hamlet_id, day, team_id, site_kind): {column: n}}, all-zero rows left out."""
    day = local_day_sql(Visit.visited_at).label("day")
    team = sa.func.coalesce(Visit.team_id, NO_TEAM).label("team")
    where = [Visit.campaign_id == campaign_id, counted_clause()]
    keys = (Visit.hamlet_id, day, team, Visit.site_kind)
    result: dict = {}
    for row in db.session.execute(
        sa.select(
            *keys,
            sa.func.count().label("visits"),
            sa.func.sum(Visit.residents).label("people_reached"),
            sa.func.sum(Visit.already_installed).label("already_installed"),
            sa.func.sum(Visit.installs_total).label("installs"),
        )
        .where(*where)
        .group_by(*keys)
    ).mappings():
        counters = {c: int(row[c] or 0) for c in BREAKDOWN_COLUMNS if c != "households_reached"}
        counters["households_reached"] = 0
        result[(row["hamlet_id"], _as_date(row["day"]), int(row["team"]), row["site_kind"].value)] = counters
    firsts = _first_conclusive(where, day, team)
    reached = db.session.execute(
        sa.select(firsts.c.hamlet_id, firsts.c.day, firsts.c.team, sa.func.count())
        .where(firsts.c.n == 1)
        .group_by(firsts.c.hamlet_id, firsts.c.day, firsts.c.team)
    )
    for hamlet_id, reached_day, team_id, n in reached:
        key = (hamlet_id, _as_date(reached_day), int(team_id), SiteKind.HOUSEHOLD.value)
        result[key]["households_reached"] = int(n)
    return {k: v for k, v in result.items() if any(v.values())}


def _first_conclusive(where: list, *columns):
    """Each household's conclusive counted visits numbered by time (then id), with `columns`:
    the visit numbered 1 is the one that reached it."""
    order = sa.func.row_number().over(partition_by=Visit.household_id, order_by=(Visit.visited_at, Visit.id))
    return (
        sa.select(Visit.hamlet_id, *columns, order.label("n"))
        .where(
            *where,
            Visit.site_kind == SiteKind.HOUSEHOLD,
            Visit.outcome.in_(sorted(CONCLUSIVE_OUTCOMES)),
        )
        .subquery()
    )


def stored_breakdowns(campaign_id: int) -> tuple[dict, dict]:
    """The BreakdownDay and BreakdownTotal rows as they are, all-zero rows left out."""
    return (
        _counter_rows(BreakdownDay, ("hamlet_id", "day", "team_id", "site_kind"), campaign_id),
        _counter_rows(BreakdownTotal, ("hamlet_id", "team_id", "site_kind"), campaign_id),
    )


def _counter_rows(model, keys: tuple[str, ...], campaign_id: int) -> dict:
    """{key values: {column: n}} of a breakdown table, site kinds as their values."""
    rows = {}
    for row in db.session.execute(
        sa.select(*[getattr(model, k) for k in keys], *[getattr(model, c) for c in BREAKDOWN_COLUMNS]).where(
            model.campaign_id == campaign_id
        )
    ):
        counters = dict(zip(BREAKDOWN_COLUMNS, row[len(keys) :], strict=True))
        if any(counters.values()):
            rows[tuple(getattr(v, "value", v) for v in row[: len(keys)])] = counters
    return rows


def _breakdown_totals(days: dict) -> dict:
    """BreakdownDay rows added up over the days: the BreakdownTotal rows."""
    totals: dict = {}
    for (hamlet_id, _day, team_id, site_kind), counters in days.items():
        row = totals.setdefault((hamlet_id, team_id, site_kind), dict.fromkeys(BREAKDOWN_COLUMNS, 0))
        for column in BREAKDOWN_COLUMNS:
            row[column] += counters[column]
    return {k: row for k, row in totals.items() if any(row.values())}


def stored(campaign_id: int) -> tuple[dict, dict]:
    """The summary rows as they are, in the shape of `recompute` (all-zero rows left out)."""
    return _read((HamletDay, HamletDayApp), ("hamlet_id", "day"), campaign_id)


def mismatches(campaign_id: int) -> list[str]:
    """Every difference between the summary tables and a recomputation from raw visits."""
    want_days, want_apps = recompute(campaign_id)
    have_days, have_apps = stored(campaign_id)
    # The all-days totals must equal the visits too.
    want_totals, want_app_totals = _all_days(want_days, want_apps)
    have_totals, have_app_totals = stored_totals(campaign_id)
    want_breakdowns = recompute_breakdowns(campaign_id)
    have_breakdowns, have_breakdown_totals = stored_breakdowns(campaign_id)
    want_provinces, want_province_apps = _province_rows(*by_province(campaign_id, want_days, want_apps))
    have_provinces, have_province_apps = stored_provinces(campaign_id)
    return [
        f"campaign {campaign_id} {problem}"
        for problem in (
            _differences(want_days, have_days, lambda k: f"hamlet {k[0]} day {k[1]}")
            + _differences(
                _installs(want_apps),
                _installs(have_apps),
                lambda k: f"hamlet {k[0]} day {k[1]} app {k[2]}",
                ("installs",),
            )
            + _differences(want_totals, have_totals, lambda k: f"hamlet {k} all days")
            + _differences(
                _installs(want_app_totals),
                _installs(have_app_totals),
                lambda k: f"hamlet {k[0]} all days app {k[1]}",
                ("installs",),
            )
            + _differences(
                want_breakdowns,
                have_breakdowns,
                lambda k: f"hamlet {k[0]} day {k[1]} team {k[2]} site {k[3]}",
                BREAKDOWN_COLUMNS,
            )
            + _differences(
                _breakdown_totals(want_breakdowns),
                have_breakdown_totals,
                lambda k: f"hamlet {k[0]} all days team {k[1]} site {k[2]}",
                BREAKDOWN_COLUMNS,
            )
            + _differences(want_provinces, have_provinces, lambda k: f"province {k[0]} day {k[1]}")
            + _differences(
                _installs(want_province_apps),
                _installs(have_province_apps),
                lambda k: f"province {k[0]} day {k[1]} app {k[2]}",
                ("installs",),
            )
        )
    ]


def _province_rows(day_rows: list[dict], app_rows: list[dict]) -> tuple[dict, dict]:
    """ProvinceDay and ProvinceDayApp rows in the shape of `stored_provinces`."""
    days = {(r["province_code"], r["day"]): {c: r[c] for c in COUNTER_COLUMNS} for r in day_rows}
    apps = {(r["province_code"], r["day"], r["app_id"]): r["installs"] for r in app_rows}
    return days, apps


def stored_provinces(campaign_id: int) -> tuple[dict, dict]:
    """The province summary rows as they are (all-zero rows left out)."""
    return _read((ProvinceDay, ProvinceDayApp), ("province_code", "day"), campaign_id)


def _installs(apps: dict) -> dict:
    """Installs per (hamlet, [day,] app) in the shape of the counters, for `_differences`."""
    return {key: {"installs": n} for key, n in apps.items()}


def _differences(want: dict, have: dict, place, columns=COUNTER_COLUMNS) -> list[str]:
    """Each counter that differs, as "<place>: <column> stored <n>, visits say <m>"."""
    problems = []
    for key in sorted(set(want) | set(have)):
        wanted, held = want.get(key, {}), have.get(key, {})
        for column in columns:
            if wanted.get(column, 0) != held.get(column, 0):
                problems.append(
                    f"{place(key)}: {column} stored {held.get(column, 0)}, visits say {wanted.get(column, 0)}"
                )
    return problems


def _all_days(days: dict, apps: dict) -> tuple[dict, dict]:
    totals: dict = {}
    for (hamlet_id, _day), counters in days.items():
        row = totals.setdefault(hamlet_id, dict.fromkeys(COUNTER_COLUMNS, 0))
        for column in COUNTER_COLUMNS:
            row[column] += counters[column]
    app_totals: dict = {}
    for (hamlet_id, _day, app_id), n in apps.items():
        app_totals[(hamlet_id, app_id)] = app_totals.get((hamlet_id, app_id), 0) + n
    totals = {h: row for h, row in totals.items() if any(row.values())}
    return totals, {k: n for k, n in app_totals.items() if n}


def stored_totals(campaign_id: int) -> tuple[dict, dict]:
    columns = [getattr(HamletTotal, c) for c in COUNTER_COLUMNS]
    totals = {}
    for row in db.session.execute(
        sa.select(HamletTotal.hamlet_id, *columns).where(HamletTotal.campaign_id == campaign_id)
    ):
        counters = dict(zip(COUNTER_COLUMNS, row[1:], strict=True))
        if any(counters.values()):
            totals[row[0]] = counters
    apps = {
        (h, a): n
        for h, a, n in db.session.execute(
            sa.select(HamletAppTotal.hamlet_id, HamletAppTotal.app_id, HamletAppTotal.installs).where(
                HamletAppTotal.campaign_id == campaign_id
            )
        )
        if n
    }
    return totals, apps


def rebuild(campaign_id: int) -> None:
    """Recompute a campaign's summary rows from its raw visits (demo data, repairs), in bulk."""
    db.session.flush()
    for model in SUMMARY_MODELS:
        db.session.execute(sa.delete(model).where(model.campaign_id == campaign_id))
    days, apps = recompute(campaign_id)
    breakdowns = recompute_breakdowns(campaign_id)
    breakdown_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, "day": d, "team_id": t, "site_kind": k, **counters}
        for (h, d, t, k), counters in breakdowns.items()
    ]
    breakdown_total_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, "team_id": t, "site_kind": k, **counters}
        for (h, t, k), counters in _breakdown_totals(breakdowns).items()
    ]
    all_days, all_apps = _all_days(days, apps)
    total_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, **counters} for h, counters in all_days.items()
    ]
    app_total_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, "app_id": a, "installs": n}
        for (h, a), n in all_apps.items()
    ]
    day_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, "day": d, **counters}
        for (h, d), counters in days.items()
    ]
    app_rows = [
        {"campaign_id": campaign_id, "hamlet_id": h, "day": d, "app_id": a, "installs": n}
        for (h, d, a), n in apps.items()
    ]
    for model, rows in (
        (HamletTotal, total_rows),
        (HamletAppTotal, app_total_rows),
        (HamletDay, day_rows),
        (HamletDayApp, app_rows),
        (BreakdownDay, breakdown_rows),
        (BreakdownTotal, breakdown_total_rows),
        *zip((ProvinceDay, ProvinceDayApp), by_province(campaign_id, days, apps), strict=True),
    ):
        for start in range(0, len(rows), 5000):
            db.session.execute(sa.insert(model), rows[start : start + 5000])
    db.session.flush()
