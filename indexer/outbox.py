"""Claiming, completing and retrying outbox rows.

A worker leases a batch in a short transaction (FOR UPDATE SKIP LOCKED on PostgreSQL, so several
workers take disjoint rows; SQLite serialises writers, so a plain UPDATE is already safe), applies it
to the backend outside any database transaction, then marks rows done only after the backend
acknowledged them. A worker that dies leaves a lease that expires; the rows are taken again.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from indexer.models import DeadLetter, SearchChange
from marketplace.clock import utcnow

LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 8
MAX_BACKOFF_S = 300
DONE_RETENTION = timedelta(days=1)


@dataclass(frozen=True)
class Change:
    id: int
    posting_id: int
    kind: str
    operation: str
    version: int
    attempts: int


def claim(session: Session, worker: str, limit: int, lease: timedelta = LEASE) -> list[Change]:
    """Lease up to `limit` available changes in one UPDATE ... RETURNING statement.

    One statement makes the claim atomic on SQLite (it takes the write lock before reading); on
    PostgreSQL the inner SELECT skips rows another worker has locked, so workers never wait on
    each other or take the same row.
    """
    now = utcnow()
    available = (
        select(SearchChange.id)
        .where(SearchChange.done_at.is_(None), SearchChange.available_at <= now,
               or_(SearchChange.claimed_until.is_(None), SearchChange.claimed_until < now))
        .order_by(SearchChange.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        available = available.with_for_update(skip_locked=True)
    with session.begin():
        rows = session.execute(
            update(SearchChange).where(SearchChange.id.in_(available.scalar_subquery()))
            .values(claimed_by=worker, claimed_until=now + lease)
            .returning(SearchChange.id, SearchChange.posting_id, SearchChange.kind, SearchChange.operation,
                       SearchChange.version, SearchChange.attempts)
        ).all()
    return sorted((Change(*row) for row in rows), key=lambda change: change.id)


def complete(session: Session, worker: str, change_ids: Sequence[int]) -> None:
    if not change_ids:
        return
    with session.begin():
        session.execute(update(SearchChange)
                        .where(SearchChange.id.in_(change_ids), SearchChange.claimed_by == worker)
                        .values(done_at=utcnow(), claimed_by=None, claimed_until=None))


def backoff_seconds(attempts: int) -> int:
    return min(MAX_BACKOFF_S, 2 ** attempts)


def fail(session: Session, worker: str, changes: Sequence[Change], error: str, *, count_attempt: bool = True) -> int:
    """Schedule a retry with exponential backoff; rows that failed too often go to the dead letters.

    `count_attempt=False` is for outages of the whole backend: waiting is not the row's fault, so it
    must not push a healthy change towards the dead-letter table. Returns how many were dead-lettered.
    """
    if not changes:
        return 0
    now = utcnow()
    dead = [c for c in changes if count_attempt and c.attempts + 1 >= MAX_ATTEMPTS]
    with session.begin():
        for change in changes:
            if change in dead:
                continue
            attempts = change.attempts + (1 if count_attempt else 0)
            session.execute(update(SearchChange).where(SearchChange.id == change.id, SearchChange.claimed_by == worker)
                            .values(attempts=attempts, last_error=error[:4000], claimed_by=None, claimed_until=None,
                                    available_at=now + timedelta(seconds=backoff_seconds(max(attempts, 1)))))
        if dead:
            created = dict(session.execute(select(SearchChange.id, SearchChange.created_at)
                                           .where(SearchChange.id.in_([c.id for c in dead]))).all())
            session.execute(insert(DeadLetter), [
                {"change_id": c.id, "posting_id": c.posting_id, "kind": c.kind, "operation": c.operation,
                 "version": c.version, "attempts": c.attempts + 1, "error": error[:4000],
                 "created_at": created[c.id], "failed_at": now} for c in dead])
            session.execute(delete(SearchChange).where(SearchChange.id.in_([c.id for c in dead])))
    return len(dead)


def dead_letter(session: Session, postings: Sequence[tuple[int, str, int]], errors: dict[int, str]) -> None:
    """Record postings (id, kind, version) a reindex could not index, with posting id -> error: they
    come from no outbox change (change_id 0), and `indexer retry-dead` queues them like any other."""
    if postings:
        now = utcnow()
        with session.begin():
            session.execute(insert(DeadLetter), [
                {"change_id": 0, "posting_id": p, "kind": k, "operation": "upsert", "version": v, "attempts": 1,
                 "error": errors[p][:4000], "created_at": now, "failed_at": now} for p, k, v in postings])


def retry_dead_letters(session: Session) -> int:
    """Put every dead letter back into the outbox (after the cause was fixed)."""
    with session.begin():
        letters = session.scalars(select(DeadLetter)).all()
        now = utcnow()
        if letters:
            session.execute(insert(SearchChange), [
                {"posting_id": d.posting_id, "kind": d.kind, "operation": d.operation, "version": d.version,
                 "created_at": now, "available_at": now} for d in letters])
            session.execute(delete(DeadLetter).where(DeadLetter.id.in_([d.id for d in letters])))
    return len(letters)


def enqueue(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Add changes directly (repairs, replays); each dict has posting_id, kind, operation, version."""
    if rows:
        now = utcnow()
        with session.begin():
            session.execute(insert(SearchChange), [{**row, "created_at": now, "available_at": now} for row in rows])


def purge_done(session: Session) -> int:
    """Delete changes done more than DONE_RETENTION ago (kept until then for `indexer status`'s
    throughput and for inspection); returns how many."""
    with session.begin():
        result = session.execute(delete(SearchChange).where(SearchChange.done_at < utcnow() - DONE_RETENTION))
    return cast(CursorResult[Any], result).rowcount or 0
