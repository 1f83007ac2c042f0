"""The indexer holds no database transaction open while it embeds (which takes far longer than
reading): an open one would hold a PostgreSQL snapshot, or pin SQLite's WAL so it cannot be
checkpointed, for as long as the model runs."""
from sqlalchemy import text

from indexer import maintenance
from indexer.worker import Worker
from marketplace.services import postings
from search.embeddings import HashingEmbedder
from tests.factories import instrument_record, need_record, register


class TransactionWatchingEmbedder(HashingEmbedder):
    """Records, at each batch it embeds, the sessions the indexer opened that are inside a transaction,
    and on PostgreSQL the server's count of connections to the database idle in a transaction."""

    def __init__(self, database, sessions):
        super().__init__()
        self.database, self.sessions = database, sessions
        self.batches, self.sessions_in_transaction, self.idle_in_transaction = 0, 0, 0

    def embed(self, texts):
        self.batches += 1
        self.sessions_in_transaction += sum(session.in_transaction() for session in self.sessions)
        if self.database.engine.dialect.name == "postgresql":
            with self.database.engine.connect() as connection:
                self.idle_in_transaction += connection.scalar(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()"))
        return super().embed(texts)


def watched(app):
    """A session factory that remembers its sessions, and an embedder that watches them."""
    database, sessions = app.extensions["database"], []

    def new_session():
        sessions.append(database.new_session())
        return sessions[-1]
    return new_session, TransactionWatchingEmbedder(database, sessions)


def catalogue(session, count=5):
    user = register(session)
    for n in range(count):
        postings.create_posting(session, user, instrument_record(ref=f"inst-{n}", title=f"液相色谱仪 {n}"))
    postings.create_posting(session, user, need_record())
    session.close()  # the test's own session holds nothing open either


def test_the_worker_embeds_each_batch_outside_any_transaction(app, session):
    catalogue(session)
    new_session, embedder = watched(app)
    backend = app.extensions["search"].searcher.backend
    assert Worker(new_session, backend, embedder, batch_size=2).run(until_idle=True, poll_interval=0.01) == 6
    assert embedder.batches == 3 and len(backend.versions()) == 6
    assert (embedder.sessions_in_transaction, embedder.idle_in_transaction) == (0, 0)


def test_reindex_reads_a_page_at_a_time_and_embeds_outside_any_transaction(app, session):
    catalogue(session)
    new_session, embedder = watched(app)
    backend = app.extensions["search"].searcher.backend
    assert maintenance.reindex(new_session, backend, embedder, batch_size=4) == 6
    assert embedder.batches == 2 and len(backend.versions()) == 6
    assert (embedder.sessions_in_transaction, embedder.idle_in_transaction) == (0, 0)
