"""Who may see or change what. Every view and API route asks this module; nowhere else decides.

Roles nest by area: an admin sees the country, a coordinator one province, a lead one ward,
a volunteer the hamlets their team is assigned to in a campaign (and their own visits).
"""

from functools import cache, wraps
from typing import NamedTuple

import sqlalchemy as sa
from flask import abort, url_for
from flask_babel import gettext as _
from flask_login import current_user

from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.campaigns.models import Campaign, Team, TeamHamlet
from campaign.extensions import db

# Who may manage whom: a role may create or change users of these roles, inside its scope.
MANAGES = {
    Role.ADMIN: {Role.ADMIN, Role.COORDINATOR, Role.LEAD, Role.VOLUNTEER},
    Role.COORDINATOR: {Role.LEAD},
    Role.LEAD: {Role.VOLUNTEER},
    Role.VOLUNTEER: set(),
}


def roles_required(*roles: Role):
    """Only these roles (and the admin) may call the view; others get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                from campaign.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role != Role.ADMIN and current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def user_province_code(user: User) -> int | None:
    if user.role == Role.COORDINATOR:
        return user.province_code
    if user.role == Role.LEAD and user.ward is not None:
        return user.ward.province_code
    if user.role == Role.VOLUNTEER and user.team is not None:
        return user.team.ward.province_code
    return None


def user_ward_code(user: User) -> int | None:
    if user.role == Role.LEAD:
        return user.ward_code
    if user.role == Role.VOLUNTEER and user.team is not None:
        return user.team.ward_code
    return None


# --- campaigns -------------------------------------------------------------------------------


def campaigns_query(user: User) -> sa.Select:
    """Campaigns the user takes part in: national ones and those of their province."""
    query = sa.select(Campaign).order_by(Campaign.start_date.desc(), Campaign.id.desc())
    if user.role == Role.ADMIN:
        return query
    return query.where(
        sa.or_(Campaign.province_code.is_(None), Campaign.province_code == user_province_code(user))
    )


def can_see_campaign(user: User, campaign: Campaign) -> bool:
    if user.role == Role.ADMIN or campaign.province_code is None:
        return True
    return campaign.province_code == user_province_code(user)


def can_manage_campaign(user: User, campaign: Campaign | None = None, province_code=None) -> bool:
    """Coordinators run campaigns of their own province; admins any."""
    if user.role == Role.ADMIN:
        return True
    if user.role != Role.COORDINATOR:
        return False
    code = campaign.province_code if campaign is not None else province_code
    return code is not None and code == user.province_code


def can_manage_campaigns(user: User) -> bool:
    """The campaign pages: the coordinator of a province, or an admin."""
    return can_manage_campaign(user, province_code=user.province_code)


def can_manage_national_campaigns(user: User) -> bool:
    """A campaign of the whole country, or of any province: the admin."""
    return user.role == Role.ADMIN


def can_manage_province_leads(user: User, province_code: int) -> bool:
    """The leads of a province's wards are managed by whoever runs its campaigns."""
    return can_manage_campaign(user, province_code=province_code)


# --- areas -----------------------------------------------------------------------------------


def hamlet_ids_query(user: User, campaign_id: int | None = None) -> sa.Select:
    """The ids of the hamlets the user may see (those they log visits in: `loggable_hamlet_ids`)."""
    return _hamlet_ids(user.role, user.province_code, user.ward_code, user.team_id, campaign_id)


def _hamlet_ids(role: Role, province_code, ward_code, team_id, campaign_id) -> sa.Select:
    """The one rule behind `hamlet_ids_query`. Each scope value is a value or a bind parameter
    (see `_campaign_statement`), so the rule may only compare them, never test them in Python."""
    if role == Role.ADMIN:
        return sa.select(Hamlet.id)
    if role == Role.COORDINATOR:
        return sa.select(Hamlet.id).join(Ward).where(Ward.province_code == province_code)
    if role == Role.LEAD:
        return sa.select(Hamlet.id).where(Hamlet.ward_code == ward_code)
    query = sa.select(TeamHamlet.hamlet_id).where(TeamHamlet.team_id == team_id)
    if campaign_id is not None:
        query = query.where(TeamHamlet.campaign_id == campaign_id)
    return query


def can_see_hamlet(user: User, hamlet: Hamlet, campaign_id: int | None = None) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return hamlet.ward.province_code == user.province_code
    if user.role == Role.LEAD:
        return hamlet.ward_code == user.ward_code
    if user.team_id is None:
        return False
    query = sa.select(TeamHamlet.hamlet_id).where(
        TeamHamlet.team_id == user.team_id, TeamHamlet.hamlet_id == hamlet.id
    )
    if campaign_id is not None:
        query = query.where(TeamHamlet.campaign_id == campaign_id)
    return db.session.execute(query.limit(1)).first() is not None


# --- who logs visits ------------------------------------------------------------------------

# Those who knock on doors: they log visits, claim households and keep their hamlets offline.
# Coordinators and admins see a province or the country, too much ground for that.
LOGGING_ROLES = (Role.VOLUNTEER, Role.LEAD)


def logs_visits(user: User) -> bool:
    return user.role in LOGGING_ROLES


def _scope_params(user: User, campaign: Campaign) -> dict:
    return {
        "campaign_id": campaign.id,
        "campaign_province": campaign.province_code,
        "province_code": user.province_code,
        "ward_code": user.ward_code,
        "team_id": user.team_id,
    }


def campaign_hamlet_ids(user: User, campaign: Campaign, hamlet_ids, *, only_open=False) -> set[int]:
    """Of these hamlets, those the user sees inside the campaign's area (with `only_open`, those
    that still take visits). One query for a batch."""
    if not can_see_campaign(user, campaign):
        return set()
    params = {**_scope_params(user, campaign), "hamlet_ids": sorted(set(hamlet_ids))}
    statement = _among_statement(user.role, campaign.province_code is not None, only_open)
    return set(db.session.scalars(statement, params))


def loggable_hamlet_ids(user: User, campaign: Campaign, hamlet_ids) -> set[int]:
    """Of these hamlets, those where the user may log the campaign's visits: the API, the form
    and the claims all ask this (or `loggable_hamlets_query`, the same rule for every hamlet).
    A retired hamlet takes no new visits."""
    if not logs_visits(user):
        return set()
    return campaign_hamlet_ids(user, campaign, hamlet_ids, only_open=True)


def loggable_hamlets_query(user: User, campaign: Campaign) -> sa.Select:
    """The ids of every hamlet where the user may log the campaign's visits (the form, /me)."""
    if not logs_visits(user) or not can_see_campaign(user, campaign):
        return sa.select(Hamlet.id).where(sa.false())
    statement = _campaign_statement(user.role, campaign.province_code is not None, True)
    return statement.params(_scope_params(user, campaign))


@cache
def _campaign_statement(role: Role, in_province: bool, only_open: bool) -> sa.Select:
    """The hamlets a role sees inside a campaign's area, built once per role (it runs for every
    visit sent): `hamlet_ids_query`'s rule, with the user's scope as parameters, not values."""
    scope = _hamlet_ids(
        role,
        sa.bindparam("province_code"),
        sa.bindparam("ward_code"),
        sa.bindparam("team_id"),
        sa.bindparam("campaign_id"),
    )
    query = sa.select(Hamlet.id).where(Hamlet.id.in_(scope))
    if only_open:
        query = query.where(open_hamlets())
    if in_province:
        query = query.join(Ward).where(Ward.province_code == sa.bindparam("campaign_province"))
    return query


@cache
def _among_statement(role: Role, in_province: bool, only_open: bool) -> sa.Select:
    return _campaign_statement(role, in_province, only_open).where(
        Hamlet.id.in_(sa.bindparam("hamlet_ids", expanding=True))
    )


def can_log_in_hamlet(user: User, hamlet: Hamlet, campaign: Campaign) -> bool:
    return hamlet.id in loggable_hamlet_ids(user, campaign, [hamlet.id])


def can_see_ward(user: User, ward: Ward) -> bool:
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.COORDINATOR:
        return ward.province_code == user.province_code
    return user.role == Role.LEAD and user.ward_code == ward.code


def can_see_province(user: User, province_code: int) -> bool:
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.COORDINATOR and user.province_code == province_code


def can_see_country(user: User) -> bool:
    return user.role == Role.ADMIN


def can_see_national_ranking(user: User, campaign: Campaign | None) -> bool:
    """The country page of a national campaign (every province's aggregates, ranked): its
    coordinators too, since their province's press release quotes that rank. Nothing below a
    province other than their own opens: can_see_province, can_see_ward and can_see_hamlet decide
    those. Without a campaign (the first check, before one is chosen): whether any could be."""
    if user.role != Role.COORDINATOR:
        return False
    return campaign is None or campaign.province_code is None


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


# --- guards for views ------------------------------------------------------------------------


def require(allowed: bool) -> None:
    """Abort with 403 unless allowed. Views call this with one of the predicates above."""
    if not allowed:
        abort(403)


# --- setup: hamlets, teams, volunteers, leads, revisits (issue 5) ----------------------------


def can_manage_volunteer(user: User, person: User) -> bool:
    """A volunteer is managed by the lead of their team's ward, its coordinator, or an admin."""
    if person.role != Role.VOLUNTEER or person.team is None:
        return user.role == Role.ADMIN and person.role == Role.VOLUNTEER
    return can_manage_ward(user, person.team.ward_code)


def own_ward_code(user: User) -> int | None:
    """The one ward a lead works in (their hamlets, teams and audit); None for the other roles."""
    return user.ward_code if user.role == Role.LEAD else None


def can_manage_leads(user: User, ward_code: int) -> bool:
    """Leads of a ward are created by the coordinator of its province (or an admin)."""
    return user.role in (Role.ADMIN, Role.COORDINATOR) and can_manage_ward(user, ward_code)


def can_see_revisits(user: User, hamlet: Hamlet, campaign: Campaign) -> bool:
    """The revisit list of a hamlet: the volunteers of its team in the campaign, and leads up."""
    return hamlet.id in campaign_hamlet_ids(user, campaign, [hamlet.id])


def can_claim(user: User, hamlet: Hamlet, campaign: Campaign) -> bool:
    """Those who log the hamlet's visits claim its doors: its team's volunteers, its ward's lead."""
    return can_log_in_hamlet(user, hamlet, campaign)


def can_manage_person(user: User, person: User) -> bool:
    """Deactivate, reset the password of, or move: volunteers by their ward's managers,
    leads by their province's coordinator; an admin anyone."""
    if person.role == Role.VOLUNTEER:
        return can_manage_volunteer(user, person)
    if person.role == Role.LEAD:
        return can_manage_leads(user, person.ward_code)
    return can_manage_user(user, person)


# --- review (visits, audit, exports) ---------------------------------------------------------

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


class ActivityScope(NamedTuple):
    """What this week's activity page shows a user (campaign/coverage/activity.py)."""

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


# --- coverage (areas pages, API and exports) --------------------------------------------------


def can_see_area(
    user: User, campaign: Campaign | None, level: str, code, hamlet: Hamlet | None = None
) -> bool:
    """Coverage of an area: a volunteer their team's hamlets, a lead their ward (and its hamlets),
    a coordinator their province (and below), an admin the country. Without a campaign: in any."""
    if campaign is not None and not can_see_campaign(user, campaign):
        return False
    if level == "country":
        return can_see_country(user) or can_see_national_ranking(user, campaign)
    if level == "province":
        return can_see_province(user, int(code))
    if level == "ward":
        ward = db.session.get(Ward, int(code))
        return ward is not None and can_see_ward(user, ward)
    return hamlet is not None and can_see_hamlet(user, hamlet, campaign.id if campaign else None)


def can_see_breakdowns(
    user: User, campaign: Campaign, level: str, code, hamlet: Hamlet | None = None
) -> bool:
    """An area's figures by organisation kind and site kind (page and export): a ward's or a
    province's for whoever sees that area, the country's for an admin only (a coordinator's view
    of the country is the ranking, nothing split by teams). Not on a hamlet's page: a volunteer
    sees there the hamlet, not how other teams share its work."""
    if level not in ("country", "province", "ward"):
        return False
    if level == "country" and not can_see_country(user):
        return False
    return can_see_area(user, campaign, level, code, hamlet)


def can_set_coverage_thresholds(user: User, campaign: Campaign) -> bool:
    return can_manage_campaign(user, campaign)


def population_scope(user: User) -> int | None:
    """The province whose official population figures the user imports; None: every province."""
    return None if can_manage_national_campaigns(user) else user_province_code(user)


def can_import_population(user: User, province_code: int | None) -> bool:
    """Official population figures of a province and its wards: its coordinator, or an admin
    (who alone imports them for every province at once, `province_code` None)."""
    if province_code is None:
        return can_manage_national_campaigns(user)
    return can_manage_campaign(user, None, province_code=province_code)


# Official user counts are imported by a province's coordinator (their province) or an admin.
official_importers_only = roles_required(Role.COORDINATOR)


def official_import_scope(user: User) -> int | None:
    """The province a coordinator's official figures are limited to; None for an admin (anywhere).
    Only for users who passed `official_importers_only`."""
    return None if user.role == Role.ADMIN else user.province_code


def home_area(user: User) -> tuple[str, object] | None:
    """The coverage page a user opens first: (level, code)."""
    if user.role == Role.ADMIN:
        return ("country", "vn")
    if user.role == Role.COORDINATOR and user.province_code is not None:
        return ("province", user.province_code)
    if user.role == Role.LEAD and user.ward_code is not None:
        return ("ward", user.ward_code)
    return None


# --- the menu ------------------------------------------------------------------------------------


class NavItem(NamedTuple):
    href: str
    label: str
    daily: bool  # in the bar; the others fold under "Xem thêm"


def nav_items(user: User) -> list[NavItem]:
    """The menu: the pages the user's role works with, by the rules above. The links a role uses
    every day stay in the bar, so that at 360 px it is one or two rows for every role."""
    volunteer = logs_visits(user) and not is_reviewer(user)
    ward = own_ward_code(user)
    items = [NavItem(url_for("home.index"), _("Trang chủ"), True)]
    if logs_visits(user):
        items += [
            NavItem(url_for("visits.new"), _("Ghi lượt thăm"), True),
            NavItem(url_for("visits.mine"), _("Lượt thăm của tôi"), volunteer),
            NavItem(url_for("areas.revisits"), _("Cần quay lại"), volunteer),
        ]
    if is_reviewer(user):
        items += [
            NavItem(url_for("review.queue"), _("Duyệt lượt thăm"), True),
            NavItem(url_for("coverage.index"), _("Độ phủ"), True),
        ]
    if ward is not None:
        items += [
            NavItem(url_for("areas.hamlets", code=ward), _("Thôn/ấp"), False),
            NavItem(url_for("campaigns.teams", code=ward), _("Đội"), False),
        ]
    if can_manage_campaigns(user):
        items.append(NavItem(url_for("campaigns.manage_campaigns"), _("Chiến dịch"), False))
    if user.province_code is not None and can_manage_province_leads(user, user.province_code):
        items.append(NavItem(url_for("campaigns.leads", code=user.province_code), _("Trưởng nhóm"), False))
    if can_see_activity(user):
        # In a volunteer's bar (five short links fit two rows at 360 px); folded for the others.
        items.append(NavItem(url_for("coverage.activity_page"), _("Tuần này"), volunteer))
    if is_reviewer(user):
        items += [
            NavItem(url_for("review.teams"), _("Hoạt động đội"), False),
            NavItem(url_for("review.export_page"), _("Xuất dữ liệu"), False),
            NavItem(url_for("review.audit_index"), _("Nhật ký"), False),
        ]
    return items


# --- onboarding a province (campaign/onboarding) ----------------------------------------------


def open_hamlets():
    """The condition a hamlet must meet to take new visits: not retired. Its visits still count."""
    return Hamlet.retired_at.is_(None)


def can_onboard_province(user: User, province_code: int) -> bool:
    """The province's hamlet file, roster, checklist and cards: its coordinator, or an admin."""
    return can_manage_campaign(user, None, province_code=province_code)


def can_onboard_ward(user: User, ward_code: int) -> bool:
    """A ward's roster, cards, "who hasn't joined" and retiring its hamlets: its lead and above."""
    return can_manage_ward(user, ward_code)


def can_reissue_join_code(user: User, person: User) -> bool:
    """A lost card or phone: whoever manages the volunteer; never one's own code."""
    return person.role == Role.VOLUNTEER and person.id != user.id and can_manage_volunteer(user, person)


def can_end_campaign(user: User, campaign: Campaign) -> bool:
    """Deactivate or reactivate a campaign's volunteers, or copy it: whoever runs it."""
    return can_manage_campaign(user, campaign)


# --- the public ranking board (campaign/board) ------------------------------------------------


def can_publish_board(user: User, campaign: Campaign, province_code: int | None) -> bool:
    """Publish or unpublish a campaign's public board: the national board (the provinces ranked,
    `province_code` None) of a national campaign by an admin; a province's board (its wards ranked)
    by its coordinator or an admin, in a campaign that covers the province. Leads and volunteers
    never: a board speaks for a whole province."""
    if province_code is None:
        return campaign.province_code is None and can_manage_national_campaigns(user)
    if campaign.province_code not in (None, province_code):
        return False
    return can_manage_campaign(user, None, province_code=province_code)
