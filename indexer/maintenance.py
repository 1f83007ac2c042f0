"""Full rebuilds and drift checks between the database and the search index."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from indexer import outbox
from indexer.documents import documents, with_vectors
from indexer.locks import reindex_lock
from indexer.models import SearchChange
from marketplace.models import Posting
from marketplace.search_gateway import document_id, posting_id
from search import analysis
from search.backend import SearchBackend, Upsert
from search.embeddings import Embedder


def reindex(session_factory: Callable[[], Session], backend: SearchBackend, embedder: Embedder,
            batch_size: int = 64) -> int:
    """Build a new index from every posting and swap it in atomically; searches keep working meanwhile.
    Returns the number of postings indexed; raises locks.ReindexRunning when another reindex of the
    database is running.

    Postings are read a page at a time, each page in a short transaction of its own, and embedded
    after it ended: a reindex of a large catalogue holds no transaction open (no PostgreSQL snapshot,
    no SQLite WAL pinned) while it runs. Changes committed meanwhile were applied (by the worker) to the
    old index, so afterwards they are replayed from the outbox into the new one; external versions
    make the replay idempotent, and a posting paged after it changed is simply written twice.
    """
    with session_factory() as session:
        engine = session.get_bind().engine
    with reindex_lock(engine):
        with session_factory() as session, session.begin():
            replay_from = session.scalar(select(func.max(SearchChange.id))) or 0
        indexed = [0]
        backend.rebuild(_all_postings(session_factory, embedder, batch_size, indexed))
        with session_factory() as session:
            with session.begin():
                replay = session.execute(
                    select(SearchChange.posting_id, SearchChange.kind, SearchChange.operation, SearchChange.version)
                    .where(SearchChange.id > replay_from)
                ).all()
            outbox.enqueue(session, [dict(posting_id=p, kind=k, operation=o, version=v) for p, k, o, v in replay])
    return indexed[0]


def _all_postings(session_factory: Callable[[], Session], embedder: Embedder, batch_size: int,
                  indexed: list[int]) -> Iterator[Upsert]:
    """Every posting's upsert, paged by id; counts them in indexed[0]."""
    after = 0
    while True:
        with session_factory() as session, session.begin():
            page = session.scalars(select(Posting).where(Posting.is_live, Posting.id > after).order_by(Posting.id)
                                   .limit(batch_size)).all()
            built = documents(page)
        if not page:
            return
        after = page[-1].id
        indexed[0] += len(page)
        yield from with_vectors(built, embedder)


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
    for posting, version in database.items():
        held = index.pop(document_id(posting), None)
        if held is None:
            drift.missing.append(posting)
        elif held < version:
            drift.outdated.append(posting)
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
    rows += [dict(posting_id=posting_id(d), kind="unknown", operation="delete", version=v + 1)
             for d, v in drift.unexpected.items()]
    outbox.enqueue(session, rows)
    return len(rows)
