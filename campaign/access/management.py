"""Who sets up a ward (its hamlets, teams and people), onboards a province, and manages whom."""

from campaign.access.campaigns import can_manage_campaign
from campaign.areas.models import Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Team
from campaign.extensions import db

# Who may manage whom: a role may create or change users of these roles, inside its scope.
MANAGES = {
    Role.ADMIN: {Role.ADMIN, Role.COORDINATOR, Role.LEAD, Role.VOLUNTEER},
    Role.COORDINATOR: {Role.LEAD},
    Role.LEAD: {Role.VOLUNTEER},
    Role.VOLUNTEER: set(),
}


def can_manage_ward(user: User, ward_code: int) -> bool:
    """Hamlets, teams and volunteers of a ward are set up by its lead (or above)."""
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        ward = db.session.get(Ward, ward_code)
        return ward is not None and ward.province_code == user.province_code
    return user.role == Role.LEAD and user.ward_code == ward_code


def can_manage_user(user: User, other: User) -> bool:
    if other.role not in MANAGES[user.role]:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return other.ward is not None and other.ward.province_code == user.province_code
    # a lead manages the volunteers of their ward's teams
    return other.team is not None and other.team.ward_code == user.ward_code


def can_manage_team(user: User, team: Team) -> bool:
    return can_manage_ward(user, team.ward_code)


def can_manage_volunteer(user: User, person: User) -> bool:
    """A volunteer is managed by the lead of their team's ward, its coordinator, or an admin."""
    if person.role != Role.VOLUNTEER or person.team is None:
        return user.role == Role.ADMIN and person.role == Role.VOLUNTEER
    return can_manage_ward(user, person.team.ward_code)


def can_manage_leads(user: User, ward_code: int) -> bool:
    """Leads of a ward are created by the coordinator of its province (or an admin)."""
    return user.role in (Role.ADMIN, Role.COORDINATOR) and can_manage_ward(user, ward_code)


def can_manage_person(user: User, person: User) -> bool:
    """Deactivate, reset the password of, or move: volunteers by their ward's managers,
    leads by their province's coordinator; an admin anyone."""
    if person.role == Role.VOLUNTEER:
        return can_manage_volunteer(user, person)
    if person.role == Role.LEAD:
        return can_manage_leads(user, person.ward_code)
    return can_manage_user(user, person)


def can_onboard_province(user: User, province_code: int) -> bool:
    """The province's hamlet file, roster, checklist and cards: its coordinator, or an admin."""
    return can_manage_campaign(user, None, province_code=province_code)


def can_onboard_ward(user: User, ward_code: int) -> bool:
    """A ward's roster, cards, "who hasn't joined" and retiring its hamlets: its lead and above."""
    return can_manage_ward(user, ward_code)


def can_reissue_join_code(user: User, person: User) -> bool:
    """A lost card or phone: whoever manages the volunteer; never one's own code."""
    return person.role == Role.VOLUNTEER and person.id != user.id and can_manage_volunteer(user, person)
