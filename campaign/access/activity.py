"""Who sees which lines of this week's activity (campaign/coverage/activity.py)."""

from typing import NamedTuple

import sqlalchemy as sa

from campaign.access.review import review_team_ids_query
from campaign.auth.models import Role, User
from campaign.campaigns.models import Team


class ActivityScope(NamedTuple):
    """What this week's activity page shows a user."""

    teams: sa.Select  # the teams ranked together
    own_team: int | None  # a volunteer: only this team's line is shown
    volunteers: str | None  # "all" the volunteers of those teams, "self" only, or None


def can_see_activity(user: User) -> bool:
    """Whether `activity_scope` gives the user anything (without loading their team)."""
    return user.role != Role.VOLUNTEER or user.team_id is not None


def activity_scope(user: User) -> ActivityScope | None:
    """Leads: their ward's teams and volunteers. Coordinators: their province's teams; admins
    every team (no one's personal figures above the ward). Volunteers: their team's line, ranked
    among their ward's teams, and their own figures, never another person's. None: nothing."""
    if user.role == Role.VOLUNTEER:
        if user.team is None:
            return None
        return ActivityScope(
            sa.select(Team.id).where(Team.ward_code == user.team.ward_code), user.team_id, "self"
        )
    if user.role == Role.LEAD:
        return ActivityScope(review_team_ids_query(user), None, "all")
    if user.role in (Role.COORDINATOR, Role.ADMIN):
        return ActivityScope(review_team_ids_query(user), None, None)
    return None
