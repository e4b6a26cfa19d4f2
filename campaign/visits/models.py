"""A visit: one knock on one door (or one stop at a school, market, ...), as the phone logged it."""

import enum
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.areas.models import Hamlet
from campaign.campaigns.models import Campaign
from campaign.extensions import db
from campaign.types import UTCDateTime, str_enum, utcnow


class SiteKind(enum.StrEnum):
    HOUSEHOLD = "household"
    SCHOOL = "school"
    BUSINESS = "business"
    MARKET = "market"
    TRANSIT_HUB = "transit_hub"
    INDUSTRIAL_ZONE = "industrial_zone"
    QUARANTINE_SITE = "quarantine_site"
    BOOTH = "booth"


class Outcome(enum.StrEnum):
    INSTALLED = "installed"
    ALREADY_INSTALLED = "already_installed"
    REFUSED = "refused"
    NOT_HOME = "not_home"
    NO_SMARTPHONE = "no_smartphone"
    COME_BACK_LATER = "come_back_later"


# Outcomes after which nobody needs to knock again.
CONCLUSIVE_OUTCOMES = frozenset(
    {Outcome.INSTALLED, Outcome.ALREADY_INSTALLED, Outcome.REFUSED, Outcome.NO_SMARTPHONE}
)
REVISIT_OUTCOMES = frozenset({Outcome.NOT_HOME, Outcome.COME_BACK_LATER})


class ReviewStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    FLAGGED = "flagged"
    REJECTED = "rejected"


_USER = sa.table("user", sa.column("id"), sa.column("team_id"))


def volunteer_team(context) -> int | None:
    """The default of Visit.team_id for a visit stored without one: its volunteer's team now.
    The visit API sets it itself (`NewVisit.team_id`); this serves the other inserts."""
    volunteer_id = context.get_current_parameters().get("volunteer_id")
    if volunteer_id is None:
        return None
    return context.connection.execute(sa.select(_USER.c.team_id).where(_USER.c.id == volunteer_id)).scalar()


class Visit(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    # Made on the phone, so that a resent batch is recognised and never stored twice.
    client_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    # The volunteer's team when the visit was stored (None: logged by someone without a team, a
    # lead). Kept on the visit so that moving a volunteer never rewrites a team's past figures.
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), default=volunteer_team)
    site_kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind), default=SiteKind.HOUSEHOLD)
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    residents: Mapped[int] = mapped_column(default=0)
    smartphones: Mapped[int] = mapped_column(default=0)
    already_installed: Mapped[int] = mapped_column(default=0)
    # Sum of VisitInstall.count, kept beside them so the database can check the counts.
    installs_total: Mapped[int] = mapped_column(default=0)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    accuracy_m: Mapped[float | None]
    note: Mapped[str | None] = mapped_column(sa.String(500))
    # Hash of the submitted content: a resend with the same hash is a duplicate, else a conflict.
    content_hash: Mapped[str] = mapped_column(sa.String(64))

    review_status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus), default=ReviewStatus.PENDING)
    review_reason: Mapped[str | None] = mapped_column(sa.String(300))
    reviewed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Reasons the automatic checks gave when the visit arrived: [{"code": ..., "params": {...}}],
    # put into words when shown (campaign/vocabulary.py).
    auto_flags: Mapped[list | None] = mapped_column(sa.JSON(none_as_null=True))
    # A correction points at the visit it corrects; once approved, the old one is superseded.
    corrects_id: Mapped[int | None] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    superseded: Mapped[bool] = mapped_column(default=False)
    # Optimistic concurrency: every UPDATE of the row checks and bumps it (version_id_col), so a
    # reviewer who read an older version gets a conflict instead of overwriting a change unseen.
    # The server default serves the visit API's plain INSERT.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    campaign = relationship("Campaign")
    hamlet = relationship("Hamlet")
    household = relationship("Household")
    volunteer = relationship("User", foreign_keys=[volunteer_id])
    reviewed_by = relationship("User", foreign_keys=[reviewed_by_id])
    installs: Mapped[list["VisitInstall"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan"
    )
    corrected = relationship("Visit", remote_side=[id], foreign_keys=[corrects_id])

    __table_args__ = (
        sa.Index("ix_visit_campaign_hamlet_visited", "campaign_id", "hamlet_id", "visited_at"),
        sa.Index("ix_visit_volunteer_visited", "volunteer_id", "visited_at"),
        # A team's week, per volunteer (campaign/activity).
        sa.Index("ix_visit_team_visited", "team_id", "visited_at"),
        # The summary reads a batch's households' visits in one campaign (see the migration).
        sa.Index("ix_visit_household_campaign", "household_id", "campaign_id"),
        sa.CheckConstraint(
            "residents >= 0 AND smartphones >= 0 AND already_installed >= 0 AND installs_total >= 0",
            name="counts_non_negative",
        ),
        sa.CheckConstraint("installs_total + already_installed <= residents", name="users_le_residents"),
        sa.CheckConstraint("installs_total <= smartphones", name="installs_le_smartphones"),
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon"),
        sa.CheckConstraint("accuracy_m IS NULL OR accuracy_m >= 0", name="accuracy"),
    )
    __mapper_args__ = {"version_id_col": version}

    @property
    def counts_in_totals(self) -> bool:
        """Python form of `counted_clause`; keep the two in agreement."""
        return (
            self.review_status != ReviewStatus.REJECTED
            and not self.superseded
            and (self.corrects_id is None or self.review_status == ReviewStatus.APPROVED)
        )


@dataclass(slots=True)
class NewVisit:
    """An arriving visit: what `rules.parse_visit` made of one submitted item, then filled in as
    the batch is checked (campaign, corrects_id, hamlet) and stored (volunteer_id, household_id, id).

    The one shape of a visit on its way in: the inserts, the summary (`totals.record_new`) and
    the automatic checks read it as they read a stored Visit, so storing a visit never loads it
    back through the ORM.
    """

    client_id: str
    campaign_id: int
    hamlet_id: int
    household: str  # the label as typed, spaces tidied
    site_kind: SiteKind
    outcome: Outcome
    residents: int
    smartphones: int
    already_installed: int
    installs: dict[str, int]  # app code -> count, zero counts left out
    visited_at: datetime  # aware, UTC
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    note: str | None
    corrects: str | None  # the client_id of the visit this one corrects
    content_hash: str = ""
    corrects_id: int | None = None
    campaign: Campaign | None = None
    # Loaded with the batch for a visit that has a position (the GPS check reads it); else None.
    hamlet: Hamlet | None = None
    volunteer_id: int | None = None
    team_id: int | None = None  # the volunteer's team, set with volunteer_id
    household_id: int | None = None
    id: int | None = None
    review_status: ReviewStatus = ReviewStatus.PENDING
    superseded: bool = False

    @property
    def installs_total(self) -> int:
        return sum(self.installs.values())

    counts_in_totals = Visit.counts_in_totals


def counted_clause(visit=Visit):
    """SQL form of the one rule deciding whether a visit adds to the totals (of `visit`, an
    alias of Visit when a query reads two visits)."""
    return sa.and_(
        visit.review_status != ReviewStatus.REJECTED,
        visit.superseded.is_(False),
        sa.or_(visit.corrects_id.is_(None), visit.review_status == ReviewStatus.APPROVED),
    )


class VisitInstall(db.Model):
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), primary_key=True)
    app_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_app.id"), primary_key=True)
    count: Mapped[int]

    visit: Mapped[Visit] = relationship(back_populates="installs")
    app = relationship("CampaignApp")

    __table_args__ = (sa.CheckConstraint("count >= 0", name="count"),)


class VisitConflict(db.Model):
    """A resend whose content differed from the stored visit. The first version is kept."""

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(sa.ForeignKey("visit.id"), index=True)
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    payload: Mapped[dict] = mapped_column(sa.JSON)
