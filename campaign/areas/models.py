"""Vietnam's areas: provinces and wards from vietnam-provinces, hamlets and households of our own."""

import enum
import unicodedata
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaign.extensions import db
from campaign.types import UTCDateTime, str_enum

# The largest figures a form or a file may set. Beyond them a figure is a typo or a hostile file,
# and each of them fits the 32-bit integer columns on PostgreSQL. (Hồ Chí Minh City, the largest
# province since 2025, has about 14 million people; a ward a few hundred thousand.)
MAX_PROVINCE_POPULATION = 50_000_000
MAX_WARD_POPULATION = 5_000_000
MAX_HAMLET_POPULATION = 1_000_000
MAX_HAMLET_HOUSEHOLDS = 1_000_000


class Province(db.Model):
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(sa.String(80))
    division_type: Mapped[str] = mapped_column(sa.String(30))
    # Official figure imported by a coordinator; when set it overrides the sum of wards.
    population_official: Mapped[int | None]

    wards: Mapped[list["Ward"]] = relationship(back_populates="province", order_by="Ward.name")

    __table_args__ = (sa.CheckConstraint("population_official >= 0", name="population_official"),)


class Ward(db.Model):
    code: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    province_code: Mapped[int] = mapped_column(sa.ForeignKey("province.code"), index=True)
    name: Mapped[str] = mapped_column(sa.String(80))
    division_type: Mapped[str] = mapped_column(sa.String(30))
    # Official figure imported by a coordinator; when set it overrides the sum of hamlets.
    population_official: Mapped[int | None]

    province: Mapped[Province] = relationship(back_populates="wards")
    hamlets: Mapped[list["Hamlet"]] = relationship(back_populates="ward", order_by="Hamlet.name")

    __table_args__ = (sa.CheckConstraint("population_official >= 0", name="population_official"),)


class HamletKind(enum.StrEnum):
    THON = "thon"
    AP = "ap"
    BAN = "ban"
    TO_DAN_PHO = "to_dan_pho"
    KHU_PHO = "khu_pho"


class Hamlet(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    ward_code: Mapped[int] = mapped_column(sa.ForeignKey("ward.code"))
    name: Mapped[str] = mapped_column(sa.String(80))
    kind: Mapped[HamletKind] = mapped_column(str_enum(HamletKind))
    households: Mapped[int] = mapped_column(default=0)
    population: Mapped[int] = mapped_column(default=0)
    lat: Mapped[float | None]
    lon: Mapped[float | None]
    # Retired hamlets take no new visits; their visits still count in every total.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    ward: Mapped[Ward] = relationship(back_populates="hamlets")

    __table_args__ = (
        # A ward's hamlets (ids, households, population) from the index alone: a province's
        # pages add them up per ward and join them to their summary rows, and PostgreSQL read the
        # whole hamlet table for that with an index on ward_code only. The two figures change
        # on an import or an edit, never on a visit.
        sa.Index("ix_hamlet_ward_code_covering", "ward_code", "id", "households", "population"),
        sa.UniqueConstraint("ward_code", "name"),
        sa.CheckConstraint("households >= 0", name="households"),
        sa.CheckConstraint("population >= 0", name="population"),
        sa.CheckConstraint("lat IS NULL OR (lat BETWEEN -90 AND 90)", name="lat"),
        sa.CheckConstraint("lon IS NULL OR (lon BETWEEN -180 AND 180)", name="lon"),
    )


LABEL_LENGTH = 40
# NFKC writes one character as at most 18 (U+FDFA), and case folding the result adds none.
LABEL_KEY_LENGTH = 18 * LABEL_LENGTH


def label_key(label: str) -> str:
    """A household label's identity, the one rule for finding a household by its label:
    compatibility forms (full-width digits, ligatures), case and runs of spaces do not count,
    so "Số 3", "SỐ 3", " số  3" and "Số ３" are one door. Diacritics do count."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", label).casefold())
    return " ".join(folded.split())


def _label_key_default(context) -> str:
    return label_key(context.get_current_parameters()["label"])


class Household(db.Model):
    """A door in a hamlet, known only by its label (a house number). Never a person's name."""

    id: Mapped[int] = mapped_column(primary_key=True)
    hamlet_id: Mapped[int] = mapped_column(sa.ForeignKey("hamlet.id"), index=True)
    # As first typed, for display; `label_key` is what makes two labels one household.
    label: Mapped[str] = mapped_column(sa.String(LABEL_LENGTH))
    label_key: Mapped[str] = mapped_column(sa.String(LABEL_KEY_LENGTH), default=_label_key_default)
    # True when the label came from the hamlet's household list rather than a first visit.
    listed: Mapped[bool] = mapped_column(default=False)

    hamlet: Mapped[Hamlet] = relationship()

    __table_args__ = (sa.UniqueConstraint("hamlet_id", "label_key"),)
