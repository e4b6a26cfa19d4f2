"""Who reviews which visits (separation of duties), and sees the audit and the activity table."""

import sqlalchemy as sa

from campaign.access.areas import can_see_hamlet, can_see_ward, hamlet_ids_query
from campaign.access.roles import roles_required
from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Team
from campaign.extensions import db

REVIEWERS = (Role.LEAD, Role.COORDINATOR)  # and the admin, as everywhere


def is_reviewer(user: User) -> bool:
    return user.role in (Role.ADMIN, *REVIEWERS)


reviewers_only = roles_required(*REVIEWERS)


def review_hamlet_ids_query(user: User) -> sa.Select:
    """Hamlets whose visits the user reviews: a lead's ward, a coordinator's province, all for an
    admin, none for anyone else."""
    if not is_reviewer(user):
        return sa.select(Hamlet.id).where(sa.false())
    return hamlet_ids_query(user)


# Separation of duties: a visit is reviewed by someone above its author, or by a peer (another
# lead of the ward, another coordinator of the province), never by its author.
RANK = {Role.VOLUNTEER: 0, Role.LEAD: 1, Role.COORDINATOR: 2, Role.ADMIN: 3}


def can_see_visit_review(user: User, visit) -> bool:
    """See a visit's review page and history: a reviewer whose area holds its hamlet."""
    return is_reviewer(user) and can_see_hamlet(user, visit.hamlet)


def can_review_visit(user: User, visit) -> bool:
    """Approve, flag, reject or edit a visit: a reviewer who sees it, is not its author and does
    not rank below them. A correction also needs the right to review the visit it corrects,
    since approving it supersedes that one."""
    if not can_see_visit_review(user, visit) or visit.volunteer_id == user.id:
        return False
    if RANK[visit.volunteer.role] > RANK[user.role]:
        return False
    if visit.corrects_id is None:
        return True
    from campaign.visits.models import Visit

    original = db.session.get(Visit, visit.corrects_id)
    return original is not None and can_review_visit(user, original)


def can_see_ward_audit(user: User, ward: Ward) -> bool:
    return is_reviewer(user) and can_see_ward(user, ward)


def review_team_ids_query(user: User) -> sa.Select:
    """Teams in the activity table: the lead's ward, the coordinator's province, all for an admin."""
    if user.role == Role.ADMIN:
        return sa.select(Team.id)
    if user.role == Role.COORDINATOR:
        return (
            sa.select(Team.id)
            .join(Ward, Ward.code == Team.ward_code)
            .where(Ward.province_code == user.province_code)
        )
    if user.role == Role.LEAD:
        return sa.select(Team.id).where(Team.ward_code == user.ward_code)
    return sa.select(Team.id).where(sa.false())
