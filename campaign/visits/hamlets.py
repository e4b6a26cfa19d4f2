"""The hamlets a user logs visits in, with what the offline visit form needs of each.

The visit form, the volunteer's home page and `/api/v1/me` read them from here; who may log
where is decided by `access.loggable_hamlets_query`.
"""

from collections import defaultdict

import sqlalchemy as sa

from campaign import access
from campaign.areas.households import revisit_rows
from campaign.areas.models import Hamlet, Household
from campaign.auth.models import User
from campaign.extensions import db


def loggable_hamlets(user: User, campaign) -> list[Hamlet]:
    """Hamlets where the user may log visits in this campaign, by name."""
    ids = access.loggable_hamlets_query(user, campaign)
    return db.session.scalars(sa.select(Hamlet).where(Hamlet.id.in_(ids)).order_by(Hamlet.name)).all()


def campaigns_with_hamlets(user: User) -> list[tuple]:
    """(campaign, its loggable hamlets) for every campaign where the user logs visits."""
    found = []
    for campaign in db.session.scalars(access.campaigns_query(user)).all():
        hamlets = loggable_hamlets(user, campaign)
        if hamlets:
            found.append((campaign, hamlets))
    return found


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
