"""The indexing worker: drains the outbox into the search backend.

Each batch is three short transactions (claim; read the postings and build their documents; mark
done), with the embedding and the backend write between them, outside any transaction: embedding a
batch takes far longer than reading it, and an open transaction would hold a PostgreSQL snapshot or
pin SQLite's WAL all that time. `run` overlaps the stages of consecutive batches (read, embed, write).
"""
from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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
from search.documents import SearchDocument
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
class _Batch:
    """A claimed batch on its way through the stages."""

    changes: list[outbox.Change]
    latest: list[outbox.Change]  # the newest change per posting
    documents: list[SearchDocument] = field(default_factory=list)
    unbuildable: dict[int, str] = field(default_factory=dict)  # posting id -> why it has no document
    gone: list[Delete] = field(default_factory=list)  # tombstones of archived or hidden postings
    ops: list[WriteOp] = field(default_factory=list)
    error: Exception | None = None  # set by the stage that failed: the batch is retried as a whole


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
        """One batch, start to end: claim and read it, embed it, write it."""
        batch = self._claim()
        if batch is None:
            return BatchOutcome()
        self._embed(batch)
        return self._write(batch)

    def run(self, until_idle: bool = False, poll_interval: float = 1.0,
            stop: Callable[[], bool] = lambda: False, progress: Callable[[int], None] | None = None) -> int:
        """Process batches until idle (if asked) or stopped; backs off while the backend is down.
        `progress` hears the running count of changes applied after each batch that applied some.

        Three batches are in flight: while this thread embeds one, a reader thread claims and reads
        the next and a writer thread writes the previous one, so the model, which takes most of the
        time, never waits for the database or the backend.
        """
        processed, pause = 0, poll_interval
        with ThreadPoolExecutor(1, "indexer-read") as reader, ThreadPoolExecutor(1, "indexer-write") as writer:
            claiming: Future[_Batch | None] = reader.submit(self._claim)
            writing: Future[BatchOutcome] | None = None
            while True:
                batch, stopping = claiming.result(), stop()
                if batch is not None and not stopping:
                    claiming = reader.submit(self._claim)
                    self._embed(batch)
                written = writing.result() if writing is not None else BatchOutcome()
                writing = None
                processed += written.done
                if progress and written.done:
                    progress(processed)
                if stopping:
                    self._give_back(batch, "the worker stopped")
                    return processed
                if written.claimed and written.retried == written.claimed:  # the backend or embedder is down
                    if batch is not None:
                        self._give_back(batch, "an earlier batch failed as a whole")
                        self._give_back(claiming.result(), "an earlier batch failed as a whole")
                    pause = min(pause * 2, outbox.MAX_BACKOFF_S)
                    wait = pause
                else:
                    pause = poll_interval
                    if batch is not None:
                        writing = writer.submit(self._write, batch)
                        continue
                    self._purge_when_due()
                    if until_idle and not self._has_pending_later():
                        return processed
                    wait = poll_interval
                # Nothing is in flight here: a stop while waiting returns at once.
                _sleep_unless_stopped(wait, stop)
                if stop():
                    return processed
                claiming = reader.submit(self._claim)

    def _claim(self) -> _Batch | None:
        """Lease a batch and build its documents, in short transactions of their own."""
        with self.session_factory() as session:
            changes = outbox.claim(session, self.name, self.batch_size, self.lease)
            if not changes:
                return None
            # Only the newest change per posting matters: the document is re-read from the database.
            latest: dict[int, outbox.Change] = {}
            for change in changes:
                latest[change.posting_id] = change
            batch = _Batch(changes, list(latest.values()))
            upsert_ids = [c.posting_id for c in batch.latest if c.operation == "upsert"]
            try:
                with session.begin():
                    postings = (session.scalars(select(Posting).where(Posting.id.in_(upsert_ids))).all()
                                if upsert_ids else [])
                    searchable = [p for p in postings if p.is_live and p.is_visible]
                    batch.documents, batch.unbuildable = documents(searchable)
                    # An archived or hidden posting leaves the index: a tombstone at its version outranks its copy.
                    batch.gone = [Delete(document_id(p.id), p.version) for p in postings if p not in searchable]
            except Exception as error:  # the database failed mid-batch: the whole batch is retried
                batch.error = error
            return batch

    def _embed(self, batch: _Batch) -> None:
        """The batch's write operations, embedded outside any transaction."""
        if batch.error is not None:
            return
        try:
            batch.ops = list(with_vectors(batch.documents, self.embedder))
        except Exception as error:
            batch.error = error
            return
        batch.ops += batch.gone
        # An upsert whose posting is gone needs no write: its delete change carries the tombstone.
        batch.ops += [Delete(document_id(c.posting_id), c.version) for c in batch.latest if c.operation == "delete"]

    def _write(self, batch: _Batch) -> BatchOutcome:
        """Write to the backend, then mark done only what it acknowledged (and had a document)."""
        outcome = BatchOutcome(claimed=len(batch.changes))
        failed_postings = dict(batch.unbuildable)
        if batch.error is None and batch.ops:
            try:
                for result in self.backend.write(batch.ops):
                    if result.status == "error":
                        failed_postings[posting_id(result.doc_id)] = result.error or "unknown backend error"
            except Exception as error:
                batch.error = error
        with self.session_factory() as session:
            if batch.error is not None:  # the backend or the embedder is down: retry later, not poison
                log.warning("batch of %d failed as a whole: %s", len(batch.changes), batch.error)
                outbox.fail(session, self.name, batch.changes, f"{type(batch.error).__name__}: {batch.error}",
                            count_attempt=False)
                outcome.retried = len(batch.changes)
                return outcome
            done = [c.id for c in batch.changes if c.posting_id not in failed_postings]
            outbox.complete(session, self.name, done)
            outcome.done = len(done)
            created = [c.posting_id for c in batch.latest
                       if c.operation == "upsert" and c.version == 1 and c.posting_id not in failed_postings]
            if created and self.on_created:
                self._announce(self.on_created, created)
            for failed_id, message in failed_postings.items():
                failing = [c for c in batch.changes if c.posting_id == failed_id]
                outcome.dead += outbox.fail(session, self.name, failing, message)
                outcome.retried += len(failing)
        return outcome

    def _give_back(self, batch: _Batch | None, reason: str) -> None:
        """Return a claimed batch to the outbox unapplied, without spending an attempt."""
        if batch is not None:
            with self.session_factory() as session:
                outbox.fail(session, self.name, batch.changes, reason, count_attempt=False)

    @staticmethod
    def _announce(on_created: Callable[[list[int]], None], created: list[int]) -> None:
        try:
            on_created(created)
        except Exception:  # alerts are a courtesy: they must never block or undo indexing
            log.exception("match alerts failed for postings %s", created)

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
