"""What instrument-sharing policy asks for: usage records for yearly sharing reports, and SME subsidies."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.db import Base
from marketplace.models.organisations import Organisation
from marketplace.models.postings import Money, SharedInstrument


class UsageRecord(Base):
    """One use of a shared instrument: from a completed booking or order, or entered by its owner."""

    __tablename__ = "usage_records"
    __table_args__ = (CheckConstraint("hours >= 0 AND samples >= 0 AND income_cny >= 0", name="not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instrument_id: Mapped[int] = mapped_column(ForeignKey("shared_instruments.id", ondelete="CASCADE"), index=True)
    instrument: Mapped[SharedInstrument] = relationship()
    used_on: Mapped[date] = mapped_column(index=True)
    hours: Mapped[float] = mapped_column(Float, default=0)
    samples: Mapped[int] = mapped_column(Integer, default=0)
    # External = a user from outside the owning organisation; the ratio is the headline sharing indicator.
    external: Mapped[bool]
    user_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    user_organisation: Mapped[Organisation | None] = relationship()
    # Who used it when entered by hand (an organisation's name), so external users can be counted.
    user_name: Mapped[str] = mapped_column(String(200), default="")
    income_cny: Mapped[float] = mapped_column(Money, default=0)
    source: Mapped[str] = mapped_column(String(10))  # booking, order or manual
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubsidyPolicy(Base):
    """An innovation-voucher style subsidy, e.g. 30% of the test fee for SMEs, capped per service."""

    __tablename__ = "subsidy_policies"
    __table_args__ = (CheckConstraint("rate > 0 AND rate <= 1", name="rate_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rate: Mapped[float] = mapped_column(Float)
    cap_cny: Mapped[float | None] = mapped_column(Money)
    eligible_organisation_kinds: Mapped[list[str]]
    listing_kinds: Mapped[list[str]]
    # Province or province/city prefix of the SME's region; empty means nationwide.
    region: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
