"""The search outbox: index sync is data written in the same transaction as the change
(indexer.change_tracking). The tables live in the marketplace's database and its Alembic migrations
(migrations/env.py imports this module), but only the indexer reads and writes them."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.clock import utcnow
from marketplace.db import Base

# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a BIGINT identity.
OutboxId = BigInteger().with_variant(Integer(), "sqlite")


class SearchChange(Base):
    """One pending change of a posting that the indexer must apply to the search backend."""

    __tablename__ = "search_changes"

    id: Mapped[int] = mapped_column(OutboxId, primary_key=True, autoincrement=True)
    posting_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    operation: Mapped[str] = mapped_column(String(10))  # "upsert" or "delete"
    # For deletes: the version the tombstone carries (one past the last stored version).
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    # A worker leases a batch; if it dies, the lease expires and another worker takes the rows over.
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    claimed_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Set only after the search backend acknowledged the write; done rows are purged after a day.
    done_at: Mapped[datetime | None] = mapped_column(DateTime, index=True)


class DeadLetter(Base):
    """A change that failed too often; kept with its error for an operator to inspect and retry."""

    __tablename__ = "search_dead_letters"

    id: Mapped[int] = mapped_column(OutboxId, primary_key=True, autoincrement=True)
    change_id: Mapped[int] = mapped_column(BigInteger)
    posting_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(20))
    operation: Mapped[str] = mapped_column(String(10))
    version: Mapped[int] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
