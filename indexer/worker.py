"""The indexing worker: drains the outbox into the search backend.

Each batch is three short transactions (claim; read the postings and build their documents; mark
done), with the embedding and the backend write between them, outside any transaction: embedding a
batch takes far longer than reading it, and an open transaction would hold a PostgreSQL snapshot or
pin SQLite's WAL all that time.
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexer import outbox
from indexer.documents import documents, with_vectors
from indexer.models import SearchChange
from marketplace.models import Posting
from marketplace.search_gateway import document_id, posting_id
from search.backend import Delete, SearchBackend, WriteOp
from search.embeddings import Embedder

log = logging.getLogger(__name__)
# How often an idle worker deletes done changes older than outbox.DONE_RETENTION.
PURGE_INTERVAL_S = 3600


def _sleep_unless_stopped(seconds: float, stop: Callable[[], bool]) -> None:
    """Sleep, looking at `stop` every tenth of a second: a worker backing off for minutes while the
    backend is down still exits promptly on SIGTERM."""
    deadline = time.monotonic() + seconds
    while not stop() and (left := deadline - time.monotonic()) > 0:
        time.sleep(min(left, 0.1))


@dataclass
class BatchOutcome:
    claimed: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0


@dataclass
class Worker:
    session_factory: Callable[[], Session]
    backend: SearchBackend
    embedder: Embedder
    batch_size: int = 64
    lease: timedelta = outbox.LEASE
    name: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    # Called with the ids of postings created in an acknowledged batch (e.g. to send match alerts).
    on_created: Callable[[list[int]], None] | None = None
    _next_purge: float = field(default=0.0, init=False, repr=False)  # time.monotonic(); 0: at the first idle poll

    def run_batch(self) -> BatchOutcome:
        with self.session_factory() as session:
            changes = outbox.claim(session, self.name, self.batch_size, self.lease)
            if not changes:
                return BatchOutcome()
            outcome = BatchOutcome(claimed=len(changes))
            # Only the newest change per posting matters: the document is re-read from the database.
            latest: dict[int, outbox.Change] = {}
            for change in changes:
                latest[change.posting_id] = change
            try:
                results = self._apply(session, list(latest.values()))
            except Exception as error:  # the backend or the embedder is down: retry later, not poison
                log.warning("batch of %d failed as a whole: %s", len(changes), error)
                outbox.fail(session, self.name, changes, f"{type(error).__name__}: {error}", count_attempt=False)
                outcome.retried = len(changes)
                return outcome
            failed_postings = {pid: message for pid, message in results.items() if message}
            done = [c.id for c in changes if c.posting_id not in failed_postings]
            outbox.complete(session, self.name, done)
            outcome.done = len(done)
            created = [c.posting_id for c in latest.values()
                       if c.operation == "upsert" and c.version == 1 and c.posting_id not in failed_postings]
            if created and self.on_created:
                self._announce(self.on_created, created)
            for posting_id, message in failed_postings.items():
                failing = [c for c in changes if c.posting_id == posting_id]
                outcome.dead += outbox.fail(session, self.name, failing, message)
                outcome.retried += len(failing)
            return outcome

    @staticmethod
    def _announce(on_created: Callable[[list[int]], None], created: list[int]) -> None:
        try:
            on_created(created)
        except Exception:  # alerts are a courtesy: they must never block or undo indexing
            log.exception("match alerts failed for postings %s", created)

    def _apply(self, session: Session, changes: list[outbox.Change]) -> dict[int, str | None]:
        """Write the changes; returns posting id -> error message (None when acknowledged)."""
        upsert_ids = [c.posting_id for c in changes if c.operation == "upsert"]
        with session.begin():
            postings = session.scalars(select(Posting).where(Posting.id.in_(upsert_ids))).all() if upsert_ids else []
            built, unbuildable = documents([p for p in postings if p.is_live])
            # An archived posting leaves the index: a tombstone at its version outranks the copy it has.
            archived = [Delete(document_id(p.id), p.version) for p in postings if not p.is_live]
        ops: list[WriteOp] = [*with_vectors(built, self.embedder), *archived]
        # An upsert whose posting is gone needs no write: its delete change carries the tombstone.
        ops += [Delete(document_id(c.posting_id), c.version) for c in changes if c.operation == "delete"]
        outcome: dict[int, str | None] = {c.posting_id: unbuildable.get(c.posting_id) for c in changes}
        for result in self.backend.write(ops) if ops else []:
            if result.status == "error":
                outcome[posting_id(result.doc_id)] = result.error or "unknown backend error"
        return outcome

    def run(self, until_idle: bool = False, poll_interval: float = 1.0,
            stop: Callable[[], bool] = lambda: False) -> int:
        """Process batches until idle (if asked) or stopped; backs off while the backend is down."""
        processed, pause = 0, poll_interval
        while not stop():
            outcome = self.run_batch()
            processed += outcome.done
            if outcome.claimed and outcome.retried < outcome.claimed:
                pause = poll_interval
                continue
            if outcome.claimed == 0:
                self._purge_when_due()
                if until_idle and not self._has_pending_later():
                    return processed
            if outcome.retried:
                pause = min(pause * 2, outbox.MAX_BACKOFF_S)
            _sleep_unless_stopped(pause if outcome.retried else poll_interval, stop)
        return processed

    def _purge_when_due(self) -> None:
        """Delete done changes past their retention, at most every PURGE_INTERVAL_S and only when idle."""
        if time.monotonic() < self._next_purge:
            return
        with self.session_factory() as session:
            purged = outbox.purge_done(session)
        if purged:
            log.info("purged %d done changes", purged)
        self._next_purge = time.monotonic() + PURGE_INTERVAL_S

    def _has_pending_later(self) -> bool:
        """--until-idle still waits for rows that are only backing off, so nothing is left behind."""
        with self.session_factory() as session:
            return session.scalar(select(SearchChange.id).where(SearchChange.done_at.is_(None)).limit(1)) is not None
