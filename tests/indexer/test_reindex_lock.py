"""One reindex at a time per database: a second one, started while the first runs, says so and exits
non-zero, and leaves the first to finish; once it has, reindexing works again."""
import threading

from indexer import maintenance
from marketplace.services import postings
from search.embeddings import HashingEmbedder
from tests.factories import instrument_record, register


class GatedEmbedder(HashingEmbedder):
    """Embeds only once the gate opens, and says when the reindex has reached it."""

    def __init__(self):
        super().__init__()
        self.reached, self.gate = threading.Event(), threading.Event()

    def embed(self, texts):
        self.reached.set()
        assert self.gate.wait(60), "the test never opened the gate"
        return super().embed(texts)


def test_a_second_reindex_while_one_runs_says_so_and_exits_non_zero(app, session):
    postings.create_posting(session, register(session), instrument_record())
    session.close()
    backend = app.extensions["search"].searcher.backend
    embedder, counts = GatedEmbedder(), []
    first = threading.Thread(target=lambda: counts.append(
        maintenance.reindex(app.extensions["database"].new_session, backend, embedder)))
    first.start()
    try:
        assert embedder.reached.wait(60), "the first reindex did not start"
        second = app.test_cli_runner().invoke(args=["indexer", "reindex"])
        assert second.exit_code == 1 and "a reindex of this database is already running" in second.output
    finally:
        embedder.gate.set()
        first.join(60)
    assert counts == [1] and len(backend.versions()) == 1
    third = app.test_cli_runner().invoke(args=["indexer", "reindex"])
    assert third.exit_code == 0 and "rebuilt index with 1 postings" in third.output
