"""Summary counters per hamlet, day and campaign, kept in step with every visit write.

Area totals are sums of these rows, never scans of visits. `check-totals` recomputes them.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from campaign.extensions import db
from campaign.types import str_enum
from campaign.visits.models import SiteKind

# The outcome counter of HamletDay and HamletTotal for each visit outcome.
OUTCOME_COLUMNS = {
    "installed": "outcome_installed",
    "already_installed": "outcome_already_installed",
    "refused": "outcome_refused",
    "not_home": "outcome_not_home",
    "no_smartphone": "outcome_no_smartphone",
    "come_back_later": "outcome_come_back_later",
}
# Every counter column of HamletDay and HamletTotal.
COUNTER_COLUMNS = (
    "visits",
    "households_reached",
    "people_reached",
    "already_installed",
    "installs",
    *OUTCOME_COLUMNS.values(),
)


class CounterColumns:
    """The counters (COUNTER_COLUMNS) that HamletDay keeps per day and HamletTotal over all days."""

    visits: Mapped[int] = mapped_column(default=0)
    # Households whose first conclusive counted visit fell on that day (on any day, in HamletTotal).
    households_reached: Mapped[int] = mapped_column(default=0)
    people_reached: Mapped[int] = mapped_column(default=0)
    already_installed: Mapped[int] = mapped_column(default=0)
    installs: Mapped[int] = mapped_column(default=0)
    outcome_installed: Mapped[int] = mapped_column(default=0)
    outcome_already_installed: Mapped[int] = mapped_column(default=0)
    outcome_refused: Mapped[int] = mapped_column(default=0)
    outcome_not_home: Mapped[int] = mapped_column(default=0)
    outcome_no_smartphone: Mapped[int] = mapped_column(default=0)
    outcome_come_back_later: Mapped[int] = mapped_column(default=0)


class HamletDay(CounterColumns, db.Model):
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True)
    # Local day (Asia/Ho_Chi_Minh) of the visits counted here.
    day: Mapped[date] = mapped_column(primary_key=True)

    # Covers the recent-days and trend reads (known users by day) without touching the table.
    __table_args__ = (
        sa.Index(
            "ix_hamlet_day_campaign_day", "campaign_id", "day", "hamlet_id", "already_installed", "installs"
        ),
    )


class HamletDayApp(db.Model):
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_app.id"), primary_key=True)
    installs: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.Index("ix_hamlet_day_app_campaign_day", "campaign_id", "day"),)


class HamletTotal(CounterColumns, db.Model):
    """A hamlet's counters over all days (the sum of its HamletDay rows), kept in the same
    transaction, so that a page "as of today" reads one row per hamlet whatever the campaign's length."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True)


class HamletAppTotal(db.Model):
    """A hamlet's installs per app over all days (the sum of its HamletDayApp rows)."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True)
    app_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_app.id"), primary_key=True)
    installs: Mapped[int] = mapped_column(default=0)


# The counters of the breakdowns (by team, hence organisation kind, and by site kind): those of
# COUNTER_COLUMNS an article names, without the outcome counts (those stay per hamlet).
BREAKDOWN_COLUMNS = ("visits", "households_reached", "people_reached", "already_installed", "installs")
# The team key of visits logged by someone without a team (a lead): a key column cannot be NULL.
NO_TEAM = 0


class BreakdownColumns:
    visits: Mapped[int] = mapped_column(default=0)
    # Households whose first conclusive counted visit was one of these (site kind "household").
    households_reached: Mapped[int] = mapped_column(default=0)
    people_reached: Mapped[int] = mapped_column(default=0)
    already_installed: Mapped[int] = mapped_column(default=0)
    installs: Mapped[int] = mapped_column(default=0)


class BreakdownDay(BreakdownColumns, db.Model):
    """A hamlet's counters per day, team and site kind, kept in the same transaction as HamletDay
    (their sum over teams and site kinds is the HamletDay row). `team_id` is the visit's team,
    NO_TEAM when it has none; not a foreign key, since 0 names no team."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)
    site_kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind), primary_key=True)

    __table_args__ = (
        # The rows after D (an area as of an earlier day), and a team's week.
        sa.Index("ix_breakdown_day_campaign_day", "campaign_id", "day"),
        sa.Index("ix_breakdown_day_campaign_team_day", "campaign_id", "team_id", "day"),
    )


class BreakdownTotal(BreakdownColumns, db.Model):
    """The sum of a hamlet's BreakdownDay rows over all days, as HamletTotal is of HamletDay."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(primary_key=True)
    site_kind: Mapped[SiteKind] = mapped_column(str_enum(SiteKind), primary_key=True)


class OfficialCount(db.Model):
    """The Ministry's published user count of an app in a province or ward on a day: a time series
    shared by every campaign that tracks the app. Importing a day again replaces its figure."""

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(sa.String(10))  # "province" or "ward"
    code: Mapped[int]  # the province's or ward's official code
    day: Mapped[date]
    app_code: Mapped[str] = mapped_column(sa.String(20))
    users: Mapped[int]

    __table_args__ = (
        sa.UniqueConstraint("level", "code", "app_code", "day"),
        sa.CheckConstraint("level IN ('province', 'ward')", name="level"),
        sa.CheckConstraint("users >= 0", name="users"),
    )


class ProvinceDay(CounterColumns, db.Model):
    """A province's counters per day: its hamlets' HamletDay rows added up, kept in the same
    transaction. The country's pages and a province's rank read these (34 rows a day) instead of
    every hamlet's rows of the country."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    province_code: Mapped[int] = mapped_column(sa.ForeignKey("province.code"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)


class ProvinceDayApp(db.Model):
    """A province's installs per app and day (its hamlets' HamletDayApp rows added up)."""

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    province_code: Mapped[int] = mapped_column(sa.ForeignKey("province.code"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    app_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_app.id"), primary_key=True)
    installs: Mapped[int] = mapped_column(default=0)
