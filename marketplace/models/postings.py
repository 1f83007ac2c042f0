"""Postings: the three listing kinds offered by providers, and test needs posted by SMEs.

They share one base table so that references, ownership, versioning and the search outbox work the
same way for every kind (joined-table inheritance; the base row's `version` increments on every change
and is used as the search index's external version).
"""
from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.db import Base
from marketplace.models.organisations import Organisation

LISTING_KINDS = ("instrument", "product", "transfer")
POSTING_KINDS = (*LISTING_KINDS, "need")

Money = Numeric(14, 2, asdecimal=False)


class NeedStatus(str, enum.Enum):
    OPEN = "open"
    CLOSED = "closed"


class Posting(Base):
    __tablename__ = "postings"
    __table_args__ = (UniqueConstraint("kind", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    # External id from catalogue imports (or generated); re-importing the same ref updates the posting.
    ref: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    organisation: Mapped[Organisation] = relationship(lazy="joined")
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    region: Mapped[str | None] = mapped_column(String(100))
    category: Mapped[str | None] = mapped_column(String(200))
    keywords: Mapped[list[str]] = mapped_column(default=list)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(server_default=func.now(), onupdate=func.now())

    __mapper_args__ = {"polymorphic_on": "kind", "version_id_col": version}

    @property
    def is_listing(self) -> bool:
        return self.kind in LISTING_KINDS


class SharedInstrument(Posting):
    __tablename__ = "shared_instruments"
    __mapper_args__ = {"polymorphic_identity": "instrument"}

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str | None] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    origin: Mapped[str | None] = mapped_column(String(10))
    original_value_cny: Mapped[float | None] = mapped_column(Money)
    service_modes: Mapped[list[str]] = mapped_column(default=list)
    fees: Mapped[list[Any]] = mapped_column(default=list)
    certifications: Mapped[list[str]] = mapped_column(default=list)
    capabilities: Mapped[list[str]] = mapped_column(default=list)
    standards: Mapped[list[str]] = mapped_column(default=list)
    booking_rules: Mapped[str] = mapped_column(Text, default="")


class DomesticProduct(Posting):
    __tablename__ = "domestic_products"
    __mapper_args__ = {"polymorphic_identity": "product"}

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    model: Mapped[str | None] = mapped_column(String(120))
    manufacturer: Mapped[str | None] = mapped_column(String(120))
    origin: Mapped[str] = mapped_column(String(10), default="domestic")
    specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    price_min_cny: Mapped[float | None] = mapped_column(Money)
    price_max_cny: Mapped[float | None] = mapped_column(Money)
    replaces: Mapped[list[str]] = mapped_column(default=list)
    certifications: Mapped[list[str]] = mapped_column(default=list)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)


class TechnologyTransfer(Posting):
    __tablename__ = "technology_transfers"
    __mapper_args__ = {"polymorphic_identity": "transfer"}

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    field: Mapped[str | None] = mapped_column(String(120))
    patents: Mapped[list[str]] = mapped_column(default=list)
    trl: Mapped[int | None] = mapped_column(Integer)
    transfer_modes: Mapped[list[str]] = mapped_column(default=list)
    asking_price_cny: Mapped[float | None] = mapped_column(Money)


class TestNeed(Posting):
    __tablename__ = "test_needs"
    __mapper_args__ = {"polymorphic_identity": "need"}
    __test__ = False  # not a pytest test class despite its name

    id: Mapped[int] = mapped_column(ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True)
    sample_type: Mapped[str | None] = mapped_column(String(200))
    sample_count: Mapped[int | None] = mapped_column(Integer)
    standards: Mapped[list[str]] = mapped_column(default=list)
    deadline: Mapped[date | None]
    budget_cny: Mapped[float | None] = mapped_column(Money)
    domestic_only: Mapped[bool] = mapped_column(default=False)
    status: Mapped[NeedStatus] = mapped_column(
        Enum(NeedStatus, native_enum=False, length=10, values_callable=lambda s: [v.value for v in s]),
        default=NeedStatus.OPEN,
    )
