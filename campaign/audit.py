"""The audit log: who changed what, when, with the values before and after."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.types import UTCDateTime, utcnow


class AuditLog(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(sa.String(40))
    object_type: Mapped[str] = mapped_column(sa.String(30))
    object_id: Mapped[int | None]
    # The ward the object belongs to, so a lead's audit page is one indexed query.
    ward_code: Mapped[int | None] = mapped_column(sa.ForeignKey("ward.code"), index=True)
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)

    user = relationship("User")

    __table_args__ = (sa.Index("ix_audit_log_object", "object_type", "object_id"),)


def entry(
    user, action: str, object_type: str, object_id, *, ward_code=None, before=None, after=None, at=None
):
    """An audit entry about an object named by its table and id (a ward an import filled, a
    campaign), not yet added: the caller adds it, or many at once. `at` defaults to now."""
    return AuditLog(
        user_id=getattr(user, "id", None),
        at=at or utcnow(),
        action=action,
        object_type=object_type,
        object_id=object_id,
        ward_code=ward_code,
        before=before,
        after=after,
    )


def record(user, action: str, obj, *, ward_code=None, before=None, after=None) -> AuditLog:
    """Add an audit entry about a row to the session (the caller's transaction commits it)."""
    added = entry(
        user, action, type(obj).__tablename__, obj.id, ward_code=ward_code, before=before, after=after
    )
    db.session.add(added)
    return added
