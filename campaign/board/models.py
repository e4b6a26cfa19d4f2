"""Which public ranking boards are published: off by default, one row per published board."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.types import UTCDateTime, utcnow


class PublishedBoard(db.Model):
    """A campaign's board at a public URL: the national one (`province_code` None, the provinces
    ranked) or a province's (its wards ranked). Unpublishing deletes the row.

    Two rows for the same national board (a double-tapped "Công bố": NULLs never collide in a
    unique constraint) do no harm: the board reads the first, unpublishing deletes both."""

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))
    province_code: Mapped[int | None] = mapped_column(sa.ForeignKey("province.code"))
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    campaign = relationship("Campaign")

    __table_args__ = (sa.UniqueConstraint("campaign_id", "province_code"),)
