"""Helpers for the review tests: visits stored the way the logging code stores them."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from campaign.areas.models import Household
from campaign.coverage import totals
from campaign.coverage.models import HamletDay
from campaign.extensions import db
from campaign.review.checks import run_automatic_checks
from campaign.visits.models import Outcome, SiteKind, Visit, VisitInstall

DAY = datetime(2026, 8, 12, 2, 0, tzinfo=UTC)  # 09:00 on 12/08 in Vietnam


def add_visit(
    campaign,
    hamlet,
    volunteer,
    *,
    label="Số 1",
    at=DAY,
    outcome=Outcome.INSTALLED,
    residents=4,
    smartphones=3,
    already=1,
    installs=None,
    lat=None,
    lon=None,
    corrects=None,
    checks=False,
    site_kind=SiteKind.HOUSEHOLD,
    status=None,
):
    """A visit (and its household) stored inside totals.tracking, optionally run through the checks."""
    household = db.session.scalar(
        sa.select(Household).where(Household.hamlet_id == hamlet.id, Household.label == label)
    )
    if household is None:
        household = Household(hamlet_id=hamlet.id, label=label)
        db.session.add(household)
        db.session.flush()
    installs = {campaign.apps[0].id: 1} if installs is None else installs
    with totals.tracking(campaign.id, [household.id]):
        visit = Visit(
            client_id=str(uuid.uuid4()),
            campaign_id=campaign.id,
            hamlet_id=hamlet.id,
            household_id=household.id,
            volunteer_id=volunteer.id,
            site_kind=site_kind,
            outcome=outcome,
            residents=residents,
            smartphones=smartphones,
            already_installed=already,
            installs_total=sum(installs.values()),
            visited_at=at,
            lat=lat,
            lon=lon,
            content_hash="x" * 64,
            corrects_id=corrects.id if corrects is not None else None,
        )
        if status is not None:
            visit.review_status = status
        visit.installs = [VisitInstall(app_id=a, count=n) for a, n in installs.items() if n]
        db.session.add(visit)
        db.session.flush()
        if checks:
            run_automatic_checks([visit])
    db.session.commit()
    return visit


def hamlet_day_sums(campaign_id: int) -> dict:
    """HamletDay rows as {(hamlet, day): {column: value}}, zero rows dropped."""
    columns = [
        c.name for c in HamletDay.__table__.columns if c.name not in ("campaign_id", "hamlet_id", "day")
    ]
    out = {}
    for row in db.session.scalars(sa.select(HamletDay).where(HamletDay.campaign_id == campaign_id)):
        values = {c: getattr(row, c) for c in columns if getattr(row, c)}
        if values:
            out[(row.hamlet_id, row.day)] = values
    return out


def recomputed_sums(campaign_id: int) -> dict:
    """The same, recomputed from the raw visits via totals.contributions."""
    ids = db.session.scalars(
        sa.select(Visit.household_id).where(Visit.campaign_id == campaign_id).distinct()
    ).all()
    days, _apps = totals.contributions(campaign_id, ids)
    return {
        key: {k: v for k, v in counter.items() if v} for key, counter in days.items() if any(counter.values())
    }


def later(minutes: int):
    return DAY + timedelta(minutes=minutes)


def current_version(visit) -> int:
    """The visit's version as stored now: what a page drawn now would carry."""
    return db.session.scalar(sa.select(Visit.version).where(Visit.id == visit.id))


def review_post(client, visit, data: dict):
    """A review decision from the page, at the version the page shows."""
    return client.post(f"/review/visits/{visit.id}/review", data={**data, "version": current_version(visit)})


def confirmed_bulk(client, url: str, data: dict):
    """The bulk action as a person does it: the first POST asks "approve all N?", the second
    carries N and applies."""
    first = client.post(url, data=data)
    assert first.status_code == 200, first.status_code
    count = re.search(r'name="count" value="(\d+)"', first.get_data(as_text=True)).group(1)
    return client.post(url, data={**data, "count": count})
