"""Setting up the field: campaigns, teams, volunteers, leads and which team covers which hamlet.

Services flush; the view or CLI commits. Every change writes an audit entry.
"""

import sqlalchemy as sa
from flask_babel import gettext as _

from campaign import audit
from campaign.access import user_ward_code
from campaign.areas.models import Hamlet, Ward
from campaign.auth.models import Role, User
from campaign.auth.passwords import password_problem
from campaign.auth.services import UserError, create_user, end_sessions, require_current_password
from campaign.campaigns.models import Campaign, CampaignApp, OrgKind, Team, TeamHamlet
from campaign.extensions import db
from campaign.i18n import local_today
from campaign.review.models import Claim
from campaign.visits.models import VisitInstall
from campaign.vocabulary import ORG_KINDS

# The organisations' names live with the other enums' words (campaign/vocabulary.py).
ORG_LABELS = ORG_KINDS


class SetupError(ValueError):
    """A setup change was refused; the message is for a person."""


def same_ward_message() -> str:
    return _("Đội và thôn/ấp phải cùng một phường/xã.")


# --- teams -----------------------------------------------------------------------------------


def team_snapshot(team: Team) -> dict:
    return {"name": team.name, "org_kind": team.org_kind.value}


def ward_teams_query(ward_code: int) -> sa.Select:
    return sa.select(Team).where(Team.ward_code == ward_code).order_by(Team.name)


def _team_name_taken(ward_code: int, name: str, team_id: int | None = None) -> bool:
    names = db.session.execute(sa.select(Team.id, Team.name).where(Team.ward_code == ward_code))
    return any(other.strip().lower() == name.lower() and id_ != team_id for id_, other in names)


def create_team(user, ward_code: int, name: str, org_kind: OrgKind) -> Team:
    name = " ".join(name.split())
    if _team_name_taken(ward_code, name):
        raise SetupError(_("Phường/xã đã có đội tên “%(name)s”.", name=name))
    team = Team(ward_code=ward_code, name=name, org_kind=OrgKind(org_kind))
    db.session.add(team)
    db.session.flush()
    audit.record(user, "team.create", team, ward_code=ward_code, after=team_snapshot(team))
    return team


def update_team(user, team: Team, name: str | None = None, org_kind: OrgKind | None = None) -> bool:
    before = team_snapshot(team)
    if name is not None:
        name = " ".join(name.split())
        if _team_name_taken(team.ward_code, name, team.id):
            raise SetupError(_("Phường/xã đã có đội tên “%(name)s”.", name=name))
        team.name = name
    if org_kind is not None:
        team.org_kind = OrgKind(org_kind)
    after = team_snapshot(team)
    if after == before:
        return False
    db.session.flush()
    audit.record(user, "team.update", team, ward_code=team.ward_code, before=before, after=after)
    return True


# --- volunteers and leads --------------------------------------------------------------------


def user_snapshot(person: User) -> dict:
    return {
        "username": person.username,
        "display_name": person.display_name,
        "role": person.role.value,
        "team_id": person.team_id,
        "ward_code": person.ward_code,
        "active": person.active,
    }


def create_volunteer(user, team: Team, username: str, display_name: str, password: str) -> User:
    volunteer = create_user(username, password, display_name, Role.VOLUNTEER, team_id=team.id)
    audit.record(user, "user.create", volunteer, ward_code=team.ward_code, after=user_snapshot(volunteer))
    return volunteer


def create_lead(user, ward_code: int, username: str, display_name: str, password: str) -> User:
    lead = create_user(username, password, display_name, Role.LEAD, ward_code=ward_code)
    audit.record(user, "user.create", lead, ward_code=ward_code, after=user_snapshot(lead))
    return lead


def set_active(user, person: User, active: bool) -> bool:
    if person.id == user.id:
        raise SetupError(_("Bạn không thể tự khóa tài khoản của mình."))
    if person.active == active:
        return False
    before = user_snapshot(person)
    person.active = active
    released = 0
    if not active:
        end_sessions(person)
        # doors they said they would knock on today go back to the others
        released = db.session.execute(
            sa.delete(Claim).where(Claim.volunteer_id == person.id, Claim.day == local_today())
        ).rowcount
    db.session.flush()
    action = "user.activate" if active else "user.deactivate"
    after = user_snapshot(person) | ({"claims_released": released} if released else {})
    audit.record(user, action, person, ward_code=user_ward_code(person), before=before, after=after)
    return True


def reset_password(user, person: User, password: str, current_password: str | None = None) -> None:
    """A new password chosen by the lead; every session of the person ends. One's own account
    needs its current password (PasswordChangeError otherwise)."""
    require_current_password(user, person, current_password)
    problem = password_problem(password, person.username)
    if problem:
        raise UserError(problem)
    person.set_password(password)
    end_sessions(person)
    db.session.flush()
    # Never the password or its hash in the log: only that it changed.
    audit.record(
        user, "user.reset_password", person, ward_code=user_ward_code(person), after={"password": "changed"}
    )


def move_volunteer(user, person: User, team: Team) -> bool:
    if person.role != Role.VOLUNTEER:
        raise SetupError(_("Chỉ chuyển đội cho tình nguyện viên."))
    if person.team_id == team.id:
        return False
    before = user_snapshot(person)
    person.team = team
    db.session.flush()
    audit.record(
        user, "user.move", person, ward_code=team.ward_code, before=before, after=user_snapshot(person)
    )
    return True


def active_member_counts(team_ids: list[int]) -> dict[int, int]:
    """{team id: its active members}."""
    rows = db.session.execute(
        sa.select(User.team_id, sa.func.count())
        .where(User.team_id.in_(team_ids), User.active.is_(True))
        .group_by(User.team_id)
    )
    return dict(rows.tuples().all())


def team_members_query(team_id: int) -> sa.Select:
    return sa.select(User).where(User.team_id == team_id).order_by(User.active.desc(), User.display_name)


def province_leads_query(province_code: int) -> sa.Select:
    return (
        sa.select(User)
        .join(Ward, Ward.code == User.ward_code)
        .where(User.role == Role.LEAD, Ward.province_code == province_code)
        .order_by(Ward.name, User.display_name)
    )


def province_wards(province_code: int) -> list[Ward]:
    return db.session.scalars(
        sa.select(Ward).where(Ward.province_code == province_code).order_by(Ward.name)
    ).all()


# --- assignments -----------------------------------------------------------------------------


def assignments(campaign_id: int, ward_code: int) -> dict[int, int]:
    """{hamlet id: team id} for the ward's hamlets in a campaign."""
    rows = db.session.execute(
        sa.select(TeamHamlet.hamlet_id, TeamHamlet.team_id)
        .join(Hamlet, Hamlet.id == TeamHamlet.hamlet_id)
        .where(TeamHamlet.campaign_id == campaign_id, Hamlet.ward_code == ward_code)
    )
    return dict(rows.tuples().all())


def team_hamlets(campaign: Campaign, team: Team) -> list[Hamlet]:
    """The hamlets of the team's ward that the team covers in the campaign, by name."""
    query = (
        sa.select(Hamlet)
        .join(TeamHamlet, TeamHamlet.hamlet_id == Hamlet.id)
        .where(TeamHamlet.campaign_id == campaign.id, TeamHamlet.team_id == team.id)
        .where(Hamlet.ward_code == team.ward_code)
        .order_by(Hamlet.name, Hamlet.id)
    )
    return db.session.scalars(query).all()


def ward_campaigns(ward: Ward) -> list[Campaign]:
    """Campaigns that cover this ward (national or its province), latest first."""
    query = sa.select(Campaign).where(
        sa.or_(Campaign.province_code.is_(None), Campaign.province_code == ward.province_code)
    )
    return db.session.scalars(query.order_by(Campaign.start_date.desc(), Campaign.id.desc())).all()


def assign_hamlet(user, campaign: Campaign, hamlet: Hamlet, team: Team | None) -> bool:
    """The team that covers this hamlet in the campaign (one team per hamlet); None unassigns."""
    if team is not None and team.ward_code != hamlet.ward_code:
        raise SetupError(same_ward_message())
    if campaign.province_code is not None and hamlet.ward.province_code != campaign.province_code:
        raise SetupError(_("Thôn/ấp này không thuộc địa bàn của chiến dịch."))
    current = db.session.scalars(
        sa.select(TeamHamlet).where(TeamHamlet.campaign_id == campaign.id, TeamHamlet.hamlet_id == hamlet.id)
    ).all()
    before = sorted(row.team_id for row in current)
    after = [team.id] if team is not None else []
    if before == after:
        return False
    for row in current:
        db.session.delete(row)
    db.session.flush()
    if team is not None:
        db.session.add(TeamHamlet(campaign_id=campaign.id, team_id=team.id, hamlet_id=hamlet.id))
    db.session.flush()
    audit.record(
        user,
        "hamlet.assign",
        hamlet,
        ward_code=hamlet.ward_code,
        before={"campaign_id": campaign.id, "team_ids": before},
        after={"campaign_id": campaign.id, "team_ids": after},
    )
    return True


# --- campaigns -------------------------------------------------------------------------------

CAMPAIGN_FIELDS = (
    "name",
    "province_code",
    "start_date",
    "deadline",
    "target_rate",
    "warn_share",
    "good_share",
    "gps_max_distance_m",
    "burst_max_visits",
    "burst_minutes",
    "max_plausible_residents",
    "revisit_max_attempts",
    "ranking_app_code",
)


def campaign_snapshot(campaign: Campaign) -> dict:
    data = {key: getattr(campaign, key) for key in CAMPAIGN_FIELDS}
    data["start_date"] = campaign.start_date.isoformat()
    data["deadline"] = campaign.deadline.isoformat()
    data["apps"] = [[app.code, app.name] for app in campaign.apps]
    return data


def parse_apps(text: str) -> list[tuple[str, str]]:
    """'bluezone: Bluezone' one per line (or comma-separated) -> [(code, name)]."""
    apps, seen = [], set()
    for part in text.replace(",", "\n").splitlines():
        part = part.strip()
        if not part:
            continue
        code, _sep, name = part.partition(":")
        code = code.strip().lower()
        name = name.strip() or code.title()
        if not code or len(code) > 20 or not all(c.isalnum() or c in "_-" for c in code):
            raise SetupError(
                _("Mã ứng dụng “%(code)s” chỉ gồm chữ không dấu, số, _ và - (tối đa 20).", code=code)
            )
        if len(name) > 60:
            raise SetupError(_("Tên ứng dụng dài quá 60 ký tự."))
        if code in seen:
            raise SetupError(_("Mã ứng dụng “%(code)s” lặp lại.", code=code))
        seen.add(code)
        apps.append((code, name))
    if not apps:
        raise SetupError(_("Cần ít nhất một ứng dụng, ví dụ: bluezone: Bluezone"))
    return apps


def _check_campaign(values: dict) -> None:
    if values["deadline"] < values["start_date"]:
        raise SetupError(_("Hạn chót phải sau ngày bắt đầu."))
    if values["warn_share"] > values["good_share"]:
        raise SetupError(_("Ngưỡng “cần cố gắng” phải nhỏ hơn ngưỡng “đạt”."))


def save_campaign(user, campaign: Campaign | None, values: dict, apps: list[tuple[str, str]]) -> Campaign:
    """Create (campaign None) or update a campaign and its tracked apps."""
    values = {key: values[key] for key in CAMPAIGN_FIELDS if key in values}
    creating = campaign is None
    if creating:
        campaign = Campaign(**values)
        full = values
    else:
        full = {key: getattr(campaign, key) for key in CAMPAIGN_FIELDS} | values
    _check_campaign({"warn_share": 0.5, "good_share": 1.0, **full})
    before = None if creating else campaign_snapshot(campaign)
    if not creating:
        for key, value in values.items():
            setattr(campaign, key, value)
    existing = {app.code: app for app in campaign.apps}
    dropped = [app for code, app in existing.items() if code not in {c for c, _name in apps}]
    if dropped and db.session.scalar(
        sa.select(VisitInstall.app_id).where(VisitInstall.app_id.in_([app.id for app in dropped])).limit(1)
    ):
        raise SetupError(_("Không thể bỏ một ứng dụng đã có lượt cài được ghi nhận."))
    kept = []
    for position, (code, name) in enumerate(apps):
        app = existing.get(code) or CampaignApp(code=code)
        app.name, app.position = name, position
        kept.append(app)
    campaign.apps = kept
    if full.get("ranking_app_code") and full["ranking_app_code"] not in {code for code, _name in apps}:
        raise SetupError(
            _(
                "Xếp hạng theo số chính thức phải chọn một ứng dụng của chiến dịch (%(codes)s).",
                codes=", ".join(code for code, _name in apps),
            )
        )
    if creating:
        db.session.add(campaign)
    db.session.flush()
    after = campaign_snapshot(campaign)
    if before != after:
        action = "campaign.create" if creating else "campaign.update"
        audit.record(user, action, campaign, before=before, after=after)
    return campaign
