"""Column types shared by the models."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from campaign.numbers import whole_number


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every database.

    SQLite has no timezone type, so values are stored as naive UTC and made aware on load.
    Naive values are refused: a visit time without an offset is ambiguous.
    """

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused; attach a timezone")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def str_enum(enum_class: type[enum.Enum]) -> sa.Enum:
    """Store a StrEnum by value in a VARCHAR with a CHECK constraint (portable, no native type)."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum_class),
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
        name=enum_class.__name__.lower(),
    )


# Ids and official codes are 32-bit integer columns on PostgreSQL; a bigger number is no id.
MAX_ID = 2**31 - 1


def db_id(value) -> int:
    """Read an id from a query string or form (`request.args.get(name, type=db_id)`).

    Raises ValueError for anything that cannot be a row id, which Werkzeug turns into "absent",
    so a hostile `?campaign=-9e15` (or "²", or 25 digits) is a missing parameter, never a 500.
    """
    number = whole_number(value, MAX_ID)
    if number == 0:
        raise ValueError("not a row id")
    return number
