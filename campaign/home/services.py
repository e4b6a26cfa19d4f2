"""What a signed-in user is: role, scope and campaigns, for the home page and `/api/v1/me`."""

from collections import defaultdict

import sqlalchemy as sa

from campaign import access
from campaign.areas.households import revisit_rows
from campaign.areas.models import Hamlet, Household
from campaign.auth.models import Role, User
from campaign.extensions import db

# Roles whose phone keeps the hamlet lists offline; coordinators and admins see too much for that.
LOGGING_ROLES = (Role.VOLUNTEER, Role.LEAD)


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


def loggable_hamlets(user: User, campaign) -> list[Hamlet]:
    """Hamlets where the user may log visits in this campaign (access.can_log_in_hamlet's rule)."""
    if user.role not in LOGGING_ROLES:
        return []
    query = sa.select(Hamlet).where(Hamlet.id.in_(access.hamlet_ids_query(user, campaign.id)))
    if campaign.province_code is not None:
        query = query.where(Hamlet.ward.has(province_code=campaign.province_code))
    return db.session.scalars(query.order_by(Hamlet.name)).all()


def hamlets_payload(campaign, hamlets: list[Hamlet]) -> list[dict]:
    """Each hamlet with its known household labels and its revisit list, for the offline form."""
    if not hamlets:
        return []
    ids = [h.id for h in hamlets]
    labels = defaultdict(list)
    for hamlet_id, label in db.session.execute(
        sa.select(Household.hamlet_id, Household.label)
        .where(Household.hamlet_id.in_(ids))
        .order_by(Household.label)
    ):
        labels[hamlet_id].append(label)
    revisit = defaultdict(list)
    for row in revisit_rows(campaign, ids):
        revisit[row.hamlet_id].append(
            {
                "household": row.label,
                "attempts": row.attempts,
                "latest_outcome": getattr(row.latest_outcome, "value", row.latest_outcome),
                "latest_at": row.latest_at.isoformat() if row.latest_at else None,
            }
        )
    return [
        {
            "id": h.id,
            "name": h.name,
            "ward_code": h.ward_code,
            "households": labels[h.id],
            "revisit": revisit[h.id],
        }
        for h in hamlets
    ]


def me_payload(user: User) -> dict:
    campaigns = db.session.scalars(access.campaigns_query(user)).all()
    payload = []
    for c in campaigns:
        item = campaign_payload(c)
        if user.role in LOGGING_ROLES:
            item["hamlets"] = hamlets_payload(c, loggable_hamlets(user, c))
        payload.append(item)
    return {
        "user": {"id": user.id, "username": user.username, "display_name": user.display_name},
        "role": user.role.value,
        "scope": scope_payload(user),
        "campaigns": payload,
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


def volunteer_home(user: User) -> list[dict]:
    """The campaigns this user logs visits in, each with its hamlets' progress."""
    sections = []
    for campaign in db.session.scalars(access.campaigns_query(user)).all():
        hamlets = loggable_hamlets(user, campaign)
        if hamlets:
            sections.append({"campaign": campaign, "hamlets": hamlet_progress(campaign, hamlets)})
    return sections


def manager_home(user: User) -> list[dict]:
    """For leads, coordinators and admins: each campaign with the visits waiting for review and
    the area page to open."""
    import sqlalchemy as sa

    from campaign.review.services import VisitFilter, visits_query

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
        campaign, find_area("province", user.province_code), local_today(), with_trend=False
    ).numbers
    return numbers if numbers.rank is not None else None
