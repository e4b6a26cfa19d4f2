"""Campaigns, the apps they track, and the teams that carry them out."""

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.types import UTCDateTime, str_enum, utcnow


class Campaign(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # None means the whole country.
    province_code: Mapped[int | None] = mapped_column(sa.ForeignKey("province.code"), index=True)
    start_date: Mapped[date]
    deadline: Mapped[date]
    # Share of the population that should be known users by the deadline, 0 < rate <= 1.
    target_rate: Mapped[float]
    # Colours of the coverage tables, as a share of the target: below `warn` is red,
    # from `warn` to `good` amber, from `good` green.
    warn_share: Mapped[float] = mapped_column(default=0.5)
    good_share: Mapped[float] = mapped_column(default=1.0)
    # Automatic review checks (they flag, never block).
    gps_max_distance_m: Mapped[int] = mapped_column(default=1000)
    burst_max_visits: Mapped[int] = mapped_column(default=15)
    burst_minutes: Mapped[int] = mapped_column(default=10)
    max_plausible_residents: Mapped[int] = mapped_column(default=20)
    # A household leaves the revisit list after this many fruitless attempts.
    revisit_max_attempts: Mapped[int] = mapped_column(default=3)
    # The basis of the ranking, target and pace: None for the users volunteers found, or the code
    # of one of the campaign's apps for the Ministry's official counts of that app.
    ranking_app_code: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    province = relationship("Province")
    apps: Mapped[list["CampaignApp"]] = relationship(
        back_populates="campaign", order_by="CampaignApp.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint("target_rate > 0 AND target_rate <= 1", name="target_rate"),
        sa.CheckConstraint("deadline >= start_date", name="deadline_after_start"),
        sa.CheckConstraint("warn_share >= 0 AND warn_share <= good_share", name="shares"),
        sa.CheckConstraint("gps_max_distance_m > 0", name="gps_max_distance_m"),
        sa.CheckConstraint("burst_max_visits > 0 AND burst_minutes > 0", name="burst"),
        sa.CheckConstraint("max_plausible_residents > 0", name="max_plausible_residents"),
        sa.CheckConstraint("revisit_max_attempts > 0", name="revisit_max_attempts"),
    )


class CampaignApp(db.Model):
    """An app the campaign counts installs of, e.g. Bluezone (code `bluezone`)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), index=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    name: Mapped[str] = mapped_column(sa.String(60))
    position: Mapped[int] = mapped_column(default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="apps")

    __table_args__ = (sa.UniqueConstraint("campaign_id", "code"),)


class OrgKind(enum.StrEnum):
    YOUTH_UNION = "youth_union"
    WOMENS_UNION = "womens_union"
    RED_CROSS = "red_cross"
    TELECOM_POST = "telecom_post"
    SELF_MANAGED = "self_managed"
    OTHER = "other"


class Team(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_code: Mapped[int] = mapped_column(sa.ForeignKey("ward.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    org_kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))

    ward = relationship("Ward")
    members = relationship("User", back_populates="team", order_by="User.display_name")

    __table_args__ = (sa.UniqueConstraint("ward_code", "name"),)


class TeamHamlet(db.Model):
    """Which hamlets a team covers in a campaign."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(sa.ForeignKey("team.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True, index=True)
