"""The state of index synchronisation, read from the outbox: for `indexer status` and the admin page."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer.models import DeadLetter, SearchChange
from marketplace.clock import utcnow

THROUGHPUT_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class SyncStatus:
    pending: int
    oldest_pending_age_s: float | None
    done_last_window: int
    dead_letters: int

    @property
    def throughput_per_s(self) -> float:
        return self.done_last_window / THROUGHPUT_WINDOW.total_seconds()


def sync_status(session: Session, now: datetime | None = None) -> SyncStatus:
    now = now or utcnow()
    pending, oldest = session.execute(
        select(func.count(), func.min(SearchChange.created_at)).where(SearchChange.done_at.is_(None))
    ).one()
    done = session.scalar(select(func.count()).where(SearchChange.done_at >= now - THROUGHPUT_WINDOW)) or 0
    dead = session.scalar(select(func.count()).select_from(DeadLetter)) or 0
    age = (now - oldest).total_seconds() if oldest else None
    return SyncStatus(pending=pending, oldest_pending_age_s=age, done_last_window=done, dead_letters=dead)


def current_sync_status(session_factory: Callable[[], Session]) -> SyncStatus:
    """sync_status in a session of its own (app.py gives the admin page this)."""
    with session_factory() as session:
        return sync_status(session)
