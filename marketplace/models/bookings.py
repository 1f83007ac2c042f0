"""Instrument time bookings, requested by a user and approved or declined by the instrument's owner, and the
opening hours they must fall in. Times are the lab's wall-clock times (marketplace.clock.lab_now)."""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.db import Base
from marketplace.models.accounts import User
from marketplace.models.organisations import Organisation
from marketplace.models.postings import Money, SharedInstrument

if TYPE_CHECKING:  # the mapper resolves the name from the registry at run time
    from marketplace.models.deals import Review


class BookingStatus(enum.StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (CheckConstraint("end_at > start_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("shared_instruments.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[SharedInstrument] = relationship()
    requester_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    requester: Mapped[Organisation] = relationship()
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_by: Mapped[User] = relationship()
    start_at: Mapped[datetime] = mapped_column(index=True)
    end_at: Mapped[datetime]
    purpose: Mapped[str] = mapped_column(Text, default="")
    sample_count: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[BookingStatus] = mapped_column(
        Enum(BookingStatus, native_enum=False, length=20, values_callable=lambda s: [v.value for v in s]),
        default=BookingStatus.REQUESTED)
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    # The fee the requester chose and the price it gave for the slot (empty for bookings made before estimates).
    fee_item: Mapped[str] = mapped_column(String(200), default="")
    fee_unit: Mapped[str] = mapped_column(String(10), default="")
    estimate_cny: Mapped[float | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    review: Mapped[Review | None] = relationship(viewonly=True)

    @property
    def hours(self) -> float:
        return (self.end_at - self.start_at).total_seconds() / 3600


class OpeningHours(Base):
    """One weekday's opening hours of an instrument, in minutes after midnight; none at all on a weekday that
    has a row with empty minutes (closed). An instrument without rows keeps the standard hours."""

    __tablename__ = "opening_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("(opens_minute IS NULL AND closes_minute IS NULL) OR "
                        "(opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute)",
                        name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("shared_instruments.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(SmallInteger)  # Monday is 0
    opens_minute: Mapped[int | None] = mapped_column(SmallInteger)
    closes_minute: Mapped[int | None] = mapped_column(SmallInteger)


class OpeningDate(Base):
    """A date whose hours differ from the week's: closed (a holiday, maintenance) or opened (a Saturday)."""

    __tablename__ = "opening_dates"
    __table_args__ = (
        UniqueConstraint("instrument_id", "day"),
        CheckConstraint("(opens_minute IS NULL AND closes_minute IS NULL) OR "
                        "(opens_minute >= 0 AND closes_minute <= 1440 AND opens_minute < closes_minute)",
                        name="opens_before_closes"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("shared_instruments.id", ondelete="CASCADE"), index=True)
    day: Mapped[date]
    opens_minute: Mapped[int | None] = mapped_column(SmallInteger)  # both empty: closed all day
    closes_minute: Mapped[int | None] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(200), default="")
