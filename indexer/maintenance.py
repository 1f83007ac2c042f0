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
            batch_size: int = 64, progress: Callable[[int], None] | None = None) -> int:
    """Build a new index from every posting and swap it in atomically; searches keep working meanwhile.
    `progress` hears the running count of postings read after each page. Returns the number of postings indexed;
    raises locks.ReindexRunning when another reindex of the database is running.

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
        indexed, failed = [0], dict[int, str]()
        refused = backend.rebuild(_all_postings(session_factory, embedder, batch_size, indexed, failed, progress))
        failed |= {posting_id(r.doc_id): r.error or "refused by the search backend" for r in refused}
        with session_factory() as session:
            _dead_letter(session, failed)
            with session.begin():
                replay = session.execute(
                    select(SearchChange.posting_id, SearchChange.kind, SearchChange.operation, SearchChange.version)
                    .where(SearchChange.id > replay_from)
                ).all()
            outbox.enqueue(session, [dict(posting_id=p, kind=k, operation=o, version=v) for p, k, o, v in replay])
    return indexed[0] - len(failed)


def _dead_letter(session: Session, failed: dict[int, str]) -> None:
    """The postings a rebuild left out go to the dead letters, for an operator to see and retry."""
    with session.begin():
        postings = session.execute(select(Posting.id, Posting.kind, Posting.version)
                                   .where(Posting.id.in_(list(failed)))).all() if failed else []
    outbox.dead_letter(session, [(id_, kind, version) for id_, kind, version in postings], failed)


def _all_postings(session_factory: Callable[[], Session], embedder: Embedder, batch_size: int,
                  indexed: list[int], failed: dict[int, str],
                  progress: Callable[[int], None] | None) -> Iterator[Upsert]:
    """Every posting's upsert, paged by id; counts them in indexed[0] (and tells `progress` the running
    count), and collects posting id -> error in `failed` for those that make no document."""
    after = 0
    while True:
        with session_factory() as session, session.begin():
            page = session.scalars(select(Posting).where(Posting.is_live, Posting.is_visible, Posting.id > after)
                                   .order_by(Posting.id)
                                   .limit(batch_size)).all()
            built, unbuildable = documents(page)
        failed.update(unbuildable)
        if not page:
            return
        after = page[-1].id
        indexed[0] += len(page)
        if progress:
            progress(indexed[0])
        yield from with_vectors(built, embedder)


@dataclass
class Drift:
    missing: list[int] = field(default_factory=list)        # in the database, not in the index
    outdated: list[int] = field(default_factory=list)       # index holds an older version
    unexpected: dict[str, int] = field(default_factory=dict)  # in the index, gone from the database
    # (the index's, the current) analysis fingerprints when they differ: every document's terms are stale
    dictionaries: tuple[str, str] | None = None
    # (the index's, the configured) embedding models when they differ: every vector is stale, and
    # searches run by keywords only until the index is rebuilt
    model: tuple[str, str] | None = None

    @property
    def clean(self) -> bool:
        return not (self.missing or self.outdated or self.unexpected or self.dictionaries or self.model)

    @property
    def needs_rebuild(self) -> bool:
        """Every document is stale (terms or vectors): rebuild rather than patch."""
        return bool(self.dictionaries or self.model)

    def lines(self) -> list[str]:
        stale = ([f"index terms come from other dictionaries (index {self.dictionaries[0]}, now "
                  f"{self.dictionaries[1]}): rebuild it with `flask --app app indexer reindex`"]
                 if self.dictionaries else [])
        stale += ([f"index vectors come from another embedding model (index {self.model[0]}, configured "
                   f"{self.model[1]}): searches use keywords only until `flask --app app indexer verify --repair` "
                   "rebuilds it"] if self.model else [])
        return (stale + [f"missing from index: posting {i}" for i in self.missing]
                + [f"outdated in index: posting {i}" for i in self.outdated]
                + [f"in index but not in database: document {d} (version {v})" for d, v in self.unexpected.items()])


def verify(session: Session, backend: SearchBackend, embedder: Embedder) -> Drift:
    database = dict(session.execute(select(Posting.id, Posting.version)
                                    .where(Posting.is_live, Posting.is_visible)).all())
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
    indexed_with, configured = backend.embedded_with(), embedder.fingerprint.key
    drift.model = (indexed_with, configured) if indexed_with not in (None, configured) else None
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
