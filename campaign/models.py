"""Every model, imported in one place so Alembic and `db.create_all` see the whole schema."""

from campaign.areas.models import Hamlet, HamletKind, Household, Province, Ward
from campaign.audit import AuditLog
from campaign.auth.join import JoinCode
from campaign.auth.models import Role, User
from campaign.board.models import PublishedBoard
from campaign.campaigns.models import Campaign, CampaignApp, OrgKind, Team, TeamHamlet
from campaign.coverage.models import (
    HamletAppTotal,
    HamletDay,
    HamletDayApp,
    HamletTotal,
    OfficialCount,
    ProvinceDay,
    ProvinceDayApp,
)
from campaign.review.models import Claim
from campaign.visits.models import (
    Outcome,
    ReviewStatus,
    SiteKind,
    Visit,
    VisitConflict,
    VisitInstall,
)

__all__ = [
    "AuditLog",
    "Campaign",
    "CampaignApp",
    "Claim",
    "Hamlet",
    "HamletDay",
    "HamletDayApp",
    "HamletTotal",
    "HamletAppTotal",
    "HamletKind",
    "JoinCode",
    "Household",
    "OfficialCount",
    "OrgKind",
    "Outcome",
    "Province",
    "PublishedBoard",
    "ProvinceDay",
    "ProvinceDayApp",
    "ReviewStatus",
    "Role",
    "SiteKind",
    "Team",
    "TeamHamlet",
    "User",
    "Visit",
    "VisitConflict",
    "VisitInstall",
    "Ward",
]
