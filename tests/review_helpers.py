"""Helpers for the review tests: visits stored the way the logging code stores them."""

import re
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from campaign.campaigns.models import TeamHamlet
from campaign.coverage import totals
from campaign.coverage.models import HamletDay
from campaign.extensions import db
from campaign.i18n import VN_TZ
from campaign.visits.models import Visit
from tests.conftest import store_visit

# 09:00 in Vietnam ten days ago: inside the test campaigns' dates (they start 20 days ago).
DAY = datetime.combine(date.today() - timedelta(days=10), time(9), VN_TZ).astimezone(UTC)
DAY_LOCAL = DAY.astimezone(VN_TZ)


def add_visit(campaign, hamlet, volunteer, *, at=DAY, installs=None, **fields):
    """A visit logged through the app's own path (conftest.store_visit, which names the other
    fields), on DAY unless `at` says otherwise; `installs` by app id (default: one of the
    campaign's first app)."""
    codes = {app.id: app.code for app in campaign.apps}
    if installs is not None:
        installs = {codes[a]: n for a, n in installs.items()}
    return store_visit(campaign, hamlet, volunteer, at=at, installs=installs, **fields)


def cover(campaign, team, hamlet) -> None:
    """Give the team this hamlet too, so that its volunteers may log visits there."""
    db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
    db.session.commit()


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
