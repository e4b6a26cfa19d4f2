"""What a signed-in user is: role, scope and campaigns, for the home page and `/api/v1/me`."""

import sqlalchemy as sa

from campaign import access
from campaign.areas.models import Hamlet
from campaign.auth.models import User
from campaign.extensions import db
from campaign.visits.hamlets import campaigns_with_hamlets, hamlets_payload, loggable_hamlets
from campaign.visits.rules import client_rules
from campaign.visits.services import visits_today


def campaign_payload(campaign) -> dict:
    return {
        "id": campaign.id,
        "name": campaign.name,
        "province_code": campaign.province_code,
        "start_date": campaign.start_date.isoformat(),
        "deadline": campaign.deadline.isoformat(),
        "target_rate": campaign.target_rate,
        "apps": [{"id": a.id, "code": a.code, "name": a.name} for a in campaign.apps],
    }


def scope_payload(user: User) -> dict:
    ward_code = access.user_ward_code(user)
    return {
        "province_code": access.user_province_code(user),
        "ward_code": ward_code,
        "team_id": user.team_id,
        "team_name": user.team.name if user.team else None,
    }


def me_payload(user: User) -> dict:
    campaigns = db.session.scalars(access.campaigns_query(user)).all()
    payload = []
    for c in campaigns:
        item = campaign_payload(c)
        if access.logs_visits(user):  # their phone keeps the hamlet lists offline
            item["hamlets"] = hamlets_payload(c, loggable_hamlets(user, c))
        payload.append(item)
    return {
        "user": {"id": user.id, "username": user.username, "display_name": user.display_name},
        "role": user.role.value,
        "scope": scope_payload(user),
        "campaigns": payload,
        "visit_rules": client_rules(),
    }


def hamlet_progress(campaign, hamlets: list[Hamlet]) -> list[dict]:
    """Households reached and installs per hamlet, from the summary table (never the raw visits)."""
    from campaign.coverage.models import HamletDay

    ids = [h.id for h in hamlets]
    sums = {
        row.hamlet_id: row
        for row in db.session.execute(
            sa.select(
                HamletDay.hamlet_id,
                sa.func.sum(HamletDay.households_reached).label("reached"),
                sa.func.sum(HamletDay.visits).label("visits"),
                sa.func.sum(HamletDay.installs).label("installs"),
            )
            .where(HamletDay.campaign_id == campaign.id, HamletDay.hamlet_id.in_(ids))
            .group_by(HamletDay.hamlet_id)
        )
    }
    rows = []
    for h in hamlets:
        s = sums.get(h.id)
        reached = int(s.reached or 0) if s else 0
        rows.append(
            {
                "hamlet": h,
                "reached": reached,
                "visits": int(s.visits or 0) if s else 0,
                "installs": int(s.installs or 0) if s else 0,
                "rate": min(1.0, reached / h.households) if h.households else None,
            }
        )
    return rows


def volunteer_home(user: User) -> dict:
    """The campaigns this user logs visits in, each with its hamlets' progress, and today's count."""
    sections = [
        {"campaign": campaign, "hamlets": hamlet_progress(campaign, hamlets)}
        for campaign, hamlets in campaigns_with_hamlets(user)
    ]
    return {"sections": sections, "today_count": visits_today(user)}


def manager_home(user: User) -> list[dict]:
    """For leads, coordinators and admins: each campaign with the visits waiting for review and
    the area page to open."""
    from campaign.review.queries import VisitFilter, visits_query

    rows = []
    for campaign in db.session.scalars(access.campaigns_query(user)).all():
        waiting = visits_query(user, VisitFilter(campaign_id=campaign.id)).order_by(None).subquery()
        rows.append(
            {
                "campaign": campaign,
                "waiting": db.session.scalar(sa.select(sa.func.count()).select_from(waiting)),
                "area": access.home_area(user),
                "national_rank": _national_rank(user, campaign),
            }
        )
    return rows


def _national_rank(user: User, campaign):
    """A coordinator's province among the country's, in a national campaign (Numbers, or None)."""
    from campaign.coverage.report import area_report
    from campaign.coverage.tree import find_area
    from campaign.i18n import local_today

    if campaign.province_code is not None or not access.can_see_national_ranking(user, campaign):
        return None
    numbers = area_report(
        campaign,
        find_area("province", user.province_code),
        local_today(),
        with_trend=False,
        with_children=False,
    ).numbers
    return numbers if numbers.rank is not None else None
