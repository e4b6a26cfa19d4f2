from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.types import UTCDateTime, utcnow


class Claim(db.Model):
    """A volunteer's claim on a household from the revisit list, for one local day."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("household.id"))
    volunteer_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id"))
    day: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    volunteer = relationship("User")

    __table_args__ = (sa.UniqueConstraint("campaign_id", "household_id", "day"),)
