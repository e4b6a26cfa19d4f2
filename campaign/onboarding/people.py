"""Who has joined, and the campaign's end: its volunteers deactivated in one step, or back again.

Teams and memberships do not belong to a campaign: a campaign's volunteers are the members of the
teams that have hamlets assigned in it. Nothing is deleted.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from campaign import audit
from campaign.audit import AuditLog
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, Team, TeamHamlet
from campaign.extensions import db
from campaign.i18n import local_today


@dataclass
class TeamJoined:
    team: Team
    members: int = 0
    joined: int = 0
    waiting: list[User] = field(default_factory=list)


def joined_by_team(ward_codes, team_id: int | None = None) -> list[TeamJoined]:
    """Per team of these wards: active volunteers, how many signed in at least once, and the
    others by name."""
    teams = sa.select(Team).where(Team.ward_code.in_(list(ward_codes))).order_by(Team.ward_code, Team.name)
    if team_id is not None:
        teams = teams.where(Team.id == team_id)
    rows = {t.id: TeamJoined(t) for t in db.session.scalars(teams)}
    if not rows:
        return []
    people = db.session.scalars(
        sa.select(User)
        .where(User.team_id.in_(list(rows)), User.role == Role.VOLUNTEER, User.active.is_(True))
        .order_by(User.display_name, User.id)
    )
    for person in people:
        row = rows[person.team_id]
        row.members += 1
        if person.joined_at is not None:
            row.joined += 1
        else:
            row.waiting.append(person)
    return list(rows.values())


def campaign_team_ids(campaign_id: int) -> sa.Select:
    return sa.select(TeamHamlet.team_id).where(TeamHamlet.campaign_id == campaign_id).distinct()


def running_elsewhere_team_ids(campaign: Campaign) -> sa.Select:
    """Teams with hamlets in another campaign that is still running today."""
    today = local_today()
    return (
        sa.select(TeamHamlet.team_id)
        .join(Campaign, Campaign.id == TeamHamlet.campaign_id)
        .where(Campaign.id != campaign.id, Campaign.start_date <= today, Campaign.deadline >= today)
    )


def campaign_volunteers_query(campaign: Campaign) -> sa.Select:
    return sa.select(User).where(
        User.role == Role.VOLUNTEER, User.team_id.in_(campaign_team_ids(campaign.id))
    )


def campaign_volunteer_counts(campaign: Campaign) -> dict:
    people = db.session.scalars(campaign_volunteers_query(campaign)).all()
    elsewhere = set(db.session.scalars(running_elsewhere_team_ids(campaign)))
    return {
        "total": len(people),
        "active": sum(p.active for p in people),
        "elsewhere": sum(p.active and p.team_id in elsewhere for p in people),
    }


def deactivate(user, campaign: Campaign) -> dict:
    """Every active volunteer of the campaign who is in no other running campaign stops being
    able to sign in; the ids go in the audit entry, for `reactivate`."""
    elsewhere = running_elsewhere_team_ids(campaign)
    ids = list(
        db.session.scalars(
            sa.select(User.id).where(
                User.id.in_(campaign_volunteers_query(campaign).with_only_columns(User.id)),
                User.active.is_(True),
                User.team_id.not_in(elsewhere),
            )
        )
    )
    skipped = db.session.scalar(
        sa.select(sa.func.count()).where(
            User.id.in_(campaign_volunteers_query(campaign).with_only_columns(User.id)),
            User.active.is_(True),
            User.team_id.in_(elsewhere),
        )
    )
    if ids:
        db.session.execute(sa.update(User).where(User.id.in_(ids)).values(active=False))
    db.session.add(
        audit.entry(
            user,
            "campaign.volunteers_off",
            "campaign",
            campaign.id,
            after={"user_ids": ids, "skipped": skipped},
        )
    )
    db.session.flush()
    return {"deactivated": len(ids), "skipped": skipped}


def reactivate(user, campaign: Campaign) -> int:
    """Back on: those this campaign's end deactivated (not anyone deactivated for another reason)."""
    entries = db.session.scalars(
        sa.select(AuditLog.after).where(
            AuditLog.action == "campaign.volunteers_off",
            AuditLog.object_type == "campaign",
            AuditLog.object_id == campaign.id,
        )
    )
    ids = sorted({i for after in entries for i in (after or {}).get("user_ids", []) if isinstance(i, int)})
    if not ids:
        return 0
    back = list(db.session.scalars(sa.select(User.id).where(User.id.in_(ids), User.active.is_(False))))
    if back:
        db.session.execute(sa.update(User).where(User.id.in_(back)).values(active=True))
    db.session.add(
        audit.entry(user, "campaign.volunteers_on", "campaign", campaign.id, after={"user_ids": back})
    )
    db.session.flush()
    return len(back)
