"""The indexer holds no database transaction open while it embeds (which takes far longer than
reading): an open one would hold a PostgreSQL snapshot, or pin SQLite's WAL so it cannot be
checkpointed, for as long as the model runs.

The worker's reader and writer threads run short transactions of their own while the model embeds (the
next batch's claim and read, the previous batch's marks). So the embedder waits for the transactions
open when it starts to end, as short ones do without it, and counts those that do not: a transaction
held across the embedding never ends while the embedder waits."""
import threading

from sqlalchemy import event, text

from indexer import maintenance
from indexer.worker import Worker
from marketplace.services import postings
from search.embeddings import HashingEmbedder
from tests.factories import instrument_record, need_record, register

IN_TRANSACTION = ("SELECT pid, xact_start FROM pg_stat_activity WHERE datname = current_database() "
                  "AND state LIKE 'idle in transaction%' AND pid <> pg_backend_pid()")


class TransactionWatchingEmbedder(HashingEmbedder):
    """Counts, at each batch it embeds, the transactions of the sessions the indexer opened, and on
    PostgreSQL the server's connections to the database idle in a transaction, that were open when the
    batch's embedding started and are still open 30 s later (or once the others ended)."""

    def __init__(self, database, sessions, ended: set, transaction_ended: threading.Condition):
        super().__init__()
        self.database, self.sessions, self.ended, self.transaction_ended = database, sessions, ended, transaction_ended
        self.batches, self.sessions_in_transaction, self.idle_in_transaction = 0, 0, 0

    def server_transactions(self) -> set:
        if self.database.engine.dialect.name != "postgresql":
            return set()
        with self.database.engine.connect() as connection:
            return set(connection.execute(text(IN_TRANSACTION)).all())

    def embed(self, texts):
        self.batches += 1
        # The server's first: a session's transaction is open on the server only while open in the session.
        on_server = self.server_transactions()
        with self.transaction_ended:
            open_at_start = {session.get_transaction() for session in list(self.sessions)} - {None}
            self.transaction_ended.wait_for(lambda: open_at_start <= self.ended, timeout=30)
            self.sessions_in_transaction += len(open_at_start - self.ended)
        self.idle_in_transaction += len(on_server & self.server_transactions())
        return super().embed(texts)


def watched(app):
    """A session factory that remembers its sessions, and an embedder that watches them."""
    database, sessions, ended, transaction_ended = app.extensions["database"], [], set(), threading.Condition()

    def note_end(_session, transaction) -> None:
        with transaction_ended:
            ended.add(transaction)
            transaction_ended.notify_all()

    def new_session():
        session = database.new_session()
        event.listen(session, "after_transaction_end", note_end)
        sessions.append(session)
        return session
    return new_session, TransactionWatchingEmbedder(database, sessions, ended, transaction_ended)


def catalogue(session, count=5):
    user = register(session)
    for n in range(count):
        postings.create_posting(session, user, instrument_record(ref=f"inst-{n}", title=f"液相色谱仪 {n}"))
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    postings.create_posting(session, sme, need_record())
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
