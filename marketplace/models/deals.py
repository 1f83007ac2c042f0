"""Matchmaking between SMEs and providers: inquiries with messages and quotes, orders and reviews."""
from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Enum, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.clock import utcnow
from marketplace.db import Base
from marketplace.models.accounts import User
from marketplace.models.organisations import Organisation
from marketplace.models.postings import Money, Posting


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda values: [v.value for v in values])


class QuoteStatus(enum.StrEnum):
    OFFERED = "offered"
    WITHDRAWN = "withdrawn"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class OrderStatus(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Inquiry(Base):
    """The private thread between the SME behind a need and the provider behind a listing."""

    __tablename__ = "inquiries"
    __table_args__ = (UniqueConstraint("need_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Posting] = relationship(foreign_keys=[need_id])
    listing: Mapped[Posting] = relationship(foreign_keys=[listing_id])
    requester: Mapped[Organisation] = relationship(foreign_keys=[requester_id])
    provider: Mapped[Organisation] = relationship(foreign_keys=[provider_id])
    messages: Mapped[list[Message]] = relationship(order_by="Message.id", cascade="all, delete-orphan")
    quotes: Mapped[list[Quote]] = relationship(order_by="Quote.id", cascade="all, delete-orphan",
                                              back_populates="inquiry")


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped[User] = relationship()
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Quote(Base):
    __tablename__ = "quotes"
    __table_args__ = (CheckConstraint("price_cny >= 0", name="price_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("inquiries.id", ondelete="CASCADE"), index=True)
    inquiry: Mapped[Inquiry] = relationship(back_populates="quotes")
    price_cny: Mapped[float] = mapped_column(Money)  # the total of its lines, computed when it is offered
    lines: Mapped[list[QuoteLine]] = relationship(order_by="QuoteLine.position", cascade="all, delete-orphan")
    turnaround_days: Mapped[int] = mapped_column(Integer)
    # The last day it can be accepted; empty on quotes made before quotes had a validity.
    valid_until: Mapped[date | None]
    conditions: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[QuoteStatus] = mapped_column(_enum(QuoteStatus), default=QuoteStatus.OFFERED)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    order: Mapped[Order | None] = relationship(back_populates="quote")


class QuoteLine(Base):
    """One priced line of a quote: 200 samples x ¥300 per sample."""

    __tablename__ = "quote_lines"
    __table_args__ = (CheckConstraint("quantity > 0 AND unit_price_cny >= 0", name="positive_amounts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(10))  # one of the fee units (marketplace.kinds.FEE_UNITS)
    unit_price_cny: Mapped[float] = mapped_column(Money)

    @property
    def amount_cny(self) -> float:
        return round(self.quantity * self.unit_price_cny, 2)


class Order(Base):
    """Created when an SME accepts a quote; the provider completes it; then it can be reviewed."""

    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id"), unique=True)
    quote: Mapped[Quote] = relationship(back_populates="order")
    status: Mapped[OrderStatus] = mapped_column(_enum(OrderStatus), default=OrderStatus.IN_PROGRESS)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    review: Mapped[Review | None] = relationship(viewonly=True)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), unique=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), unique=True)
    listing_id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author: Mapped[User] = relationship()
    rating: Mapped[int] = mapped_column(Integer)
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
