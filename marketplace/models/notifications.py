"""Saved searches, in-app notifications and the e-mail outbox they feed."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.clock import utcnow
from marketplace.db import Base
from marketplace.messages import Phrase


class SavedSearch(Base):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # The query-string arguments of the search page, so the saved search re-runs exactly.
    arguments: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SentAlert(Base):
    """One alert about one listing for one need or saved search, sent once: re-indexing the listing or
    editing it never announces the same pair again."""

    __tablename__ = "sent_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "need:<need id>:listing:<listing id>" or "search:<saved search id>:listing:<listing id>"
    key: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Notification(Base):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What happened as an English template and its values, so it is shown in the reader's language.
    # (Rows from before templates hold their finished text and no values, and read as they were.)
    template: Mapped[str] = mapped_column(String(500))
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def message(self) -> Phrase:
        return Phrase(self.template, **self.values)


class EmailMessage(Base):
    """Mail waiting for delivery; a sender process (or an operator's relay) drains it."""

    __tablename__ = "email_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
