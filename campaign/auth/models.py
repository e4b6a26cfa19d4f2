import enum
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from campaign.extensions import db
from campaign.types import UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    VOLUNTEER = "volunteer"
    LEAD = "lead"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(40), unique=True)
    # None until the person chooses one: a roster account joins with a one-time code.
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    display_name: Mapped[str] = mapped_column(sa.String(80))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    # Scope: a lead has a ward, a coordinator a province, a volunteer a team.
    ward_code: Mapped[int | None] = mapped_column(sa.ForeignKey("ward.code"), index=True)
    province_code: Mapped[int | None] = mapped_column(sa.ForeignKey("province.code"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on logout and password change so that every older session cookie stops working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The first sign-in (by password or join code): "who hasn't joined yet" is where this is None.
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # From a roster, for the lead to call a volunteer who has not joined. Optional.
    phone: Mapped[str | None] = mapped_column(sa.String(20))

    ward = relationship("Ward")
    province = relationship("Province")
    team = relationship("Team", back_populates="members")

    __table_args__ = (
        sa.CheckConstraint("role <> 'lead' OR ward_code IS NOT NULL", name="lead_has_ward"),
        sa.CheckConstraint(
            "role <> 'coordinator' OR province_code IS NOT NULL", name="coordinator_has_province"
        ),
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config["PASSWORD_HASH_METHOD"]
        )

    def check_password(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)
