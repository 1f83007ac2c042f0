"""The state of index synchronisation, read from the outbox: for `indexer status` and the admin page."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer.models import DeadLetter, SearchChange
from marketplace.clock import utcnow
from search.backend import SearchBackend

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


@dataclass(frozen=True)
class IndexStatus:
    sync: SyncStatus
    indexed: int | None  # None when the search backend cannot be reached
    problem: str | None = None  # then, the kind of error it raised


def index_status(session: Session, backend: SearchBackend) -> IndexStatus:
    """The admin page's view: the outbox always, the index's size when the backend answers."""
    try:
        indexed = backend.count()
    except Exception as error:  # the page must still show the outbox when the backend is down
        return IndexStatus(sync_status(session), None, type(error).__name__)
    return IndexStatus(sync_status(session), indexed)


def sync_status(session: Session, now: datetime | None = None) -> SyncStatus:
    now = now or utcnow()
    pending, oldest = session.execute(
        select(func.count(), func.min(SearchChange.created_at)).where(SearchChange.done_at.is_(None))
    ).one()
    done = session.scalar(select(func.count()).where(SearchChange.done_at >= now - THROUGHPUT_WINDOW)) or 0
    dead = session.scalar(select(func.count()).select_from(DeadLetter)) or 0
    age = (now - oldest).total_seconds() if oldest else None
    return SyncStatus(pending=pending, oldest_pending_age_s=age, done_last_window=done, dead_letters=dead)


def current_index_status(session_factory: Callable[[], Session], backend: SearchBackend) -> IndexStatus:
    """index_status in a session of its own: what app.py gives the admin page, so that marketplace
    never imports the indexer."""
    with session_factory() as session:
        return index_status(session, backend)
