"""Rate-limit counters, kept in the database so every web worker (and host) counts the same attempts."""
from __future__ import annotations

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.db import Base


class RateLimitCounter(Base):
    """One fixed window of one limit for one client (an address, an account): hits so far, and when the
    window ends (Unix seconds)."""

    __tablename__ = "rate_limit_counters"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[float] = mapped_column(Float, index=True)
