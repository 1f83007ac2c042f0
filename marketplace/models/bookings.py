"""Instrument time bookings: requested by a user, approved or declined by the instrument's owner."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.db import Base
from marketplace.models.accounts import User
from marketplace.models.organisations import Organisation
from marketplace.models.postings import SharedInstrument

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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    review: Mapped[Review | None] = relationship(viewonly=True)

    @property
    def hours(self) -> float:
        return (self.end_at - self.start_at).total_seconds() / 3600
