"""Automatic checks run on every arriving visit. They flag, never block.

The visit-logging code calls `run_automatic_checks(new_visits)` after inserting the new visits (as
NewVisit records) and adding them to the summary. A flagged visit keeps counting like a pending
one (the summary does not change); the checks only put it in front of a person, with the reasons
as codes and parameters that campaign/vocabulary.py puts into words in the reader's language.
"""

import math
from collections import defaultdict
from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa

from campaign import metrics
from campaign.audit import record
from campaign.extensions import db
from campaign.i18n import local_day
from campaign.types import UTCDateTime
from campaign.visits.models import NewVisit, ReviewStatus, SiteKind, Visit

EARTH_RADIUS_M = 6_371_000


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(a))


def _reason(code: str, **params) -> dict:
    return {"code": code, "params": params}


def gps_reason(visit: Visit | NewVisit) -> dict | None:
    if visit.lat is None or visit.lon is None:
        return None  # most visits: no hamlet to load (a NewVisit with a position has it loaded)
    hamlet, campaign = visit.hamlet, visit.campaign
    if hamlet.lat is None or hamlet.lon is None:
        return None
    distance = haversine_m(visit.lat, visit.lon, hamlet.lat, hamlet.lon)
    if distance <= campaign.gps_max_distance_m:
        return None
    return _reason("gps_far", hamlet=hamlet.name, distance=round(distance), limit=campaign.gps_max_distance_m)


def burst_reasons(visits: list[Visit | NewVisit]) -> dict[int, dict]:
    """Visits that make a volunteer's count exceed N visits within M minutes (window ending at it)."""
    reasons: dict[int, dict] = {}
    by_volunteer = defaultdict(list)
    for visit in visits:
        by_volunteer[(visit.volunteer_id, visit.campaign_id)].append(visit)
    for (volunteer_id, campaign_id), group in by_volunteer.items():
        campaign = group[0].campaign
        window = timedelta(minutes=campaign.burst_minutes)
        for start in range(0, len(group), _WINDOWS):
            chunk = group[start : start + _WINDOWS]
            params = {"volunteer_id": volunteer_id, "campaign_id": campaign_id}
            for n, visit in enumerate(chunk):
                params[f"key{n}"], params[f"low{n}"], params[f"high{n}"] = (
                    n,
                    visit.visited_at - window,
                    visit.visited_at,
                )
            for n, count in db.session.execute(_counts_in_windows(len(chunk)), params):
                if count > campaign.burst_max_visits:
                    reasons[chunk[n].id] = _reason(
                        "burst", count=count, minutes=campaign.burst_minutes, limit=campaign.burst_max_visits
                    )
    return reasons


_WINDOWS = 100  # time windows per statement


@lru_cache(maxsize=_WINDOWS)
def _counts_in_windows(windows: int) -> sa.TextClause:
    """How many of a volunteer's visits in a campaign fall in each of `windows` time windows
    (key, low, high), both ends included. The database counts along the (volunteer_id,
    visited_at) index, so no visit row comes back to Python, however busy the volunteer was."""
    values = ", ".join(f"(:key{n}, :low{n}, :high{n})" for n in range(windows))
    # A subquery per window, not a join: each is a range scan of that index whatever the planner
    # believes about the table (PostgreSQL without fresh statistics nested-looped the whole
    # volunteer's visits against every window).
    statement = sa.text(
        "SELECT w.column1, (SELECT count(*) FROM visit WHERE visit.volunteer_id = :volunteer_id "
        "AND visit.visited_at BETWEEN w.column2 AND w.column3 AND visit.campaign_id = :campaign_id) "
        f"FROM (VALUES {values}) AS w"
    )
    edges = (
        sa.bindparam(f"{edge}{n}", type_=UTCDateTime()) for n in range(windows) for edge in ("low", "high")
    )
    return statement.bindparams(*edges)


# All of these households' visits in these campaigns, along ix_visit_household_campaign (a
# household has a handful); the days are compared in Python. With a time range in the query,
# PostgreSQL's generic plan scanned every visit in the range instead (8 ms for a batch of 50).
_SAME_DAY = (
    sa.select(Visit.household_id, Visit.campaign_id, Visit.id, Visit.volunteer_id, Visit.visited_at)
    .where(
        Visit.household_id.in_(sa.bindparam("households", expanding=True)),
        Visit.campaign_id.in_(sa.bindparam("campaigns", expanding=True)),
        Visit.review_status != ReviewStatus.REJECTED,
    )
    .order_by(Visit.id)
)


def same_day_reasons(visits: list[Visit | NewVisit]) -> dict[int, dict]:
    """Homes that already have a visit by another volunteer on the same local day (one query)."""
    homes = [v for v in visits if v.site_kind == SiteKind.HOUSEHOLD]
    if not homes:
        return {}
    days = {local_day(v.visited_at) for v in homes}
    others = defaultdict(list)
    params = {
        "households": sorted({v.household_id for v in homes}),
        "campaigns": sorted({v.campaign_id for v in homes}),
    }
    for household_id, campaign_id, visit_id, volunteer_id, visited_at in db.session.execute(
        _SAME_DAY, params
    ):
        day = local_day(visited_at)
        if day in days:
            others[(household_id, campaign_id, day)].append((visit_id, volunteer_id))
    reasons = {}
    for visit in homes:
        key = (visit.household_id, visit.campaign_id, local_day(visit.visited_at))
        other = next((i for i, vol in others[key] if vol != visit.volunteer_id and i != visit.id), None)
        if other is not None:
            reasons[visit.id] = _reason("same_day", id=other)
    return reasons


def residents_reason(visit: Visit | NewVisit) -> dict | None:
    """A home with more residents than plausible. Schools, markets, ... count many people, so only homes."""
    limit = visit.campaign.max_plausible_residents
    if visit.site_kind != SiteKind.HOUSEHOLD or visit.residents <= limit:
        return None
    return _reason("residents", count=visit.residents, limit=limit)


def run_automatic_checks(visits: list[Visit | NewVisit]) -> list[Visit]:
    """Flag suspicious visits: review_status=flagged and the reasons in auto_flags (the volunteer
    reads them through vocabulary.visit_reason). Takes Visits or NewVisits (just stored); returns
    the Visits flagged."""
    visits = [v for v in visits if v.id is not None]
    if not visits:
        return []
    reasons = _reasons(visits)
    if not reasons:
        return []
    loaded = {v.id: v for v in visits if isinstance(v, Visit) and v.id in reasons}
    missing = sorted(set(reasons) - set(loaded))
    if missing:
        loaded.update((v.id, v) for v in db.session.scalars(sa.select(Visit).where(Visit.id.in_(missing))))
    flagged = [_flag(loaded[v.id], reasons[v.id]) for v in visits if v.id in reasons]
    metrics.count_flags(flagged)
    return flagged


def _reasons(visits: list) -> dict[int, list[dict]]:
    bursts = burst_reasons(visits)
    same_day = same_day_reasons(visits)
    found = {}
    for visit in visits:
        reasons = [gps_reason(visit), bursts.get(visit.id), same_day.get(visit.id), residents_reason(visit)]
        reasons = [r for r in reasons if r]
        if reasons:
            found[visit.id] = reasons
    return found


def _flag(visit: Visit, reasons: list[dict]) -> Visit:
    before = {"review_status": visit.review_status.value, "review_reason": visit.review_reason}
    visit.auto_flags = reasons
    if visit.review_status == ReviewStatus.PENDING:
        visit.review_status = ReviewStatus.FLAGGED
    after = {
        "review_status": visit.review_status.value,
        "review_reason": visit.review_reason,
        "auto_flags": visit.auto_flags,
    }
    record(None, "visit.auto_flag", visit, ward_code=visit.hamlet.ward_code, before=before, after=after)
    return visit
