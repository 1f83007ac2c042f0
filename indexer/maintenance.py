"""Full rebuilds and drift checks between the database and the search index."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer import outbox
from indexer.documents import batched_upserts, doc_id
from marketplace.models import Posting, SearchChange
from search import analysis
from search.backend import SearchBackend
from search.embeddings import Embedder


def reindex(session_factory: Callable[[], Session], backend: SearchBackend, embedder: Embedder,
            batch_size: int = 64) -> int:
    """Build a new index from every posting and swap it in atomically; searches keep working meanwhile.

    Changes committed while the new index is being built were applied (by the worker) to the old one,
    so afterwards they are replayed from the outbox into the new one; external versions make the
    replay idempotent.
    """
    with session_factory() as session:
        replay_from = session.scalar(select(func.max(SearchChange.id))) or 0
        count = session.scalar(select(func.count()).where(Posting.is_live)) or 0
        postings = session.scalars(select(Posting).where(Posting.is_live).order_by(Posting.id)
                                   .execution_options(yield_per=500))
        backend.rebuild(batched_upserts(postings, embedder, batch_size))
        session.rollback()
        replay = session.execute(
            select(SearchChange.posting_id, SearchChange.kind, SearchChange.operation, SearchChange.version)
            .where(SearchChange.id > replay_from)
        ).all()
        session.rollback()
        outbox.enqueue(session, [dict(posting_id=p, kind=k, operation=o, version=v) for p, k, o, v in replay])
    return count


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)        # in the database, not in the index
    outdated: list[int] = field(default_factory=list)       # index holds an older version
    unexpected: dict[str, int] = field(default_factory=dict)  # in the index, gone from the database
    # (the index's, the current) analysis fingerprints when they differ: every document's terms are stale
    dictionaries: tuple[str, str] | None = None

    @property
    def clean(self) -> bool:
        return not (self.missing or self.outdated or self.unexpected or self.dictionaries)

    def lines(self) -> list[str]:
        stale = ([f"index terms come from other dictionaries (index {self.dictionaries[0]}, now "
                  f"{self.dictionaries[1]}): rebuild it with `flask --app app indexer reindex`"]
                 if self.dictionaries else [])
        return (stale + [f"missing from index: posting {i}" for i in self.missing]
                + [f"outdated in index: posting {i}" for i in self.outdated]
                + [f"in index but not in database: document {d} (version {v})" for d, v in self.unexpected.items()])


def verify(session: Session, backend: SearchBackend) -> Drift:
    database = dict(session.execute(select(Posting.id, Posting.version).where(Posting.is_live)).all())
    index = backend.versions()
    drift = Drift()
    for posting_id, version in database.items():
        held = index.pop(doc_id(posting_id), None)
        if held is None:
            drift.missing.append(posting_id)
        elif held < version:
            drift.outdated.append(posting_id)
    drift.unexpected = index
    session.rollback()
    drift.dictionaries = stale_dictionaries(backend)
    return drift


def stale_dictionaries(backend: SearchBackend) -> tuple[str, str] | None:
    """(the index's, the current) analysis fingerprints when the index was built with other dictionaries."""
    analysed_with, current = backend.analysed_with(), analysis.fingerprint()
    return (analysed_with, current) if analysed_with not in (None, current) else None


def repair(session: Session, drift: Drift) -> int:
    """Queue the fixes as ordinary outbox changes, so the worker applies them like any other."""
    kinds = dict(session.execute(select(Posting.id, Posting.kind)
                                 .where(Posting.id.in_(drift.missing + drift.outdated))).all())
    session.rollback()
    rows = [dict(posting_id=i, kind=kinds[i], operation="upsert", version=0) for i in drift.missing + drift.outdated]
    rows += [dict(posting_id=int(d), kind="unknown", operation="delete", version=v + 1)
             for d, v in drift.unexpected.items()]
    outbox.enqueue(session, rows)
    return len(rows)
