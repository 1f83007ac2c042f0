"""The worker against real databases and the embedded backend (the OpenSearch runs are in test_faults)."""
import threading
from datetime import datetime

from sqlalchemy import func, select, update

from indexer import maintenance, outbox
from indexer.models import DeadLetter, SearchChange
from indexer.status import sync_status
from indexer.worker import Worker
from marketplace.models import Posting
from marketplace.services import postings
from search import analysis
from search.embeddings import HashingEmbedder
from tests.factories import instrument_record, need_record, register

LONG_AGO = datetime(2000, 1, 1)


def make_worker(app, **options) -> Worker:
    searcher = app.extensions["search"].searcher
    return Worker(app.extensions["database"].new_session, searcher.backend, searcher.embedder, **options)


def index_versions(app) -> dict[str, int]:
    return app.extensions["search"].searcher.backend.versions()


def test_the_worker_drains_the_outbox_and_the_index_equals_the_database(app, session):
    user = register(session)
    first = postings.create_posting(session, user, instrument_record())
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    second = postings.create_posting(session, sme, need_record())
    postings.update_posting(session, user, first.id, instrument_record(title="液相色谱仪（已更新）"))
    assert make_worker(app).run(until_idle=True, poll_interval=0.01) == 3
    assert index_versions(app) == {str(first.id): 2, str(second.id): 1}
    assert sync_status(session).pending == 0
    searcher = app.extensions["search"].searcher
    assert maintenance.verify(session, searcher.backend, searcher.embedder).clean


def test_deletes_reach_the_index(app, session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    postings.remove_posting(session, user, posting.id)
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    assert index_versions(app) == {}


def test_a_backend_outage_keeps_changes_pending_without_spending_their_attempts(app, session, monkeypatch):
    user = register(session)
    postings.create_posting(session, user, instrument_record())
    worker = make_worker(app)
    monkeypatch.setattr(worker.backend, "write", lambda ops: (_ for _ in ()).throw(ConnectionError("down")))
    outcome = worker.run_batch()
    assert (outcome.claimed, outcome.done, outcome.retried) == (1, 0, 1)
    change = session.scalar(select(SearchChange))
    assert change.done_at is None and change.attempts == 0 and "down" in change.last_error
    monkeypatch.undo()
    session.execute(update(SearchChange).values(available_at=LONG_AGO))
    session.commit()
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    assert len(index_versions(app)) == 1


def test_a_change_that_keeps_failing_moves_to_the_dead_letters(app, session):
    user = register(session)
    posting = postings.create_posting(session, user, instrument_record())
    session.execute(update(SearchChange).values(attempts=outbox.MAX_ATTEMPTS - 1))
    session.commit()
    worker = make_worker(app)
    changes = outbox.claim(worker.session_factory(), worker.name, 10)
    assert outbox.fail(worker.session_factory(), worker.name, changes, "mapping error") == 1
    letter = session.scalar(select(DeadLetter))
    assert (letter.posting_id, letter.error) == (posting.id, "mapping error")
    assert session.scalar(select(func.count()).select_from(SearchChange)) == 0
    assert outbox.retry_dead_letters(worker.session_factory()) == 1
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    assert index_versions(app) == {str(posting.id): 1}


def test_an_expired_lease_from_a_dead_worker_is_taken_over(app, session):
    user = register(session)
    postings.create_posting(session, user, instrument_record())
    crashed = make_worker(app, name="crashed")
    assert len(outbox.claim(crashed.session_factory(), crashed.name, 10)) == 1
    assert outbox.claim(crashed.session_factory(), "other", 10) == []  # still leased
    session.execute(update(SearchChange).values(claimed_until=LONG_AGO))
    session.commit()
    assert make_worker(app).run(until_idle=True, poll_interval=0.01) == 1


def test_two_workers_at_once_apply_every_change_exactly_once(app, session):
    user = register(session)
    for n in range(40):
        postings.create_posting(session, user, instrument_record(ref=f"inst-{n}", title=f"液相色谱仪 {n}"))
    workers = [make_worker(app, name=f"w{n}", batch_size=5) for n in range(2)]
    counts = [0, 0]

    def drain(n):
        counts[n] = workers[n].run(until_idle=True, poll_interval=0.01)

    threads = [threading.Thread(target=drain, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(counts) == 40
    assert len(index_versions(app)) == 40


def test_reindex_swaps_in_a_full_rebuild_and_verify_repair_fixes_drift(app, session):
    user = register(session)
    kept = postings.create_posting(session, user, instrument_record())
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    backend = app.extensions["search"].searcher.backend
    # Drift: a posting the index never heard of, and a document for a posting that does not exist.
    session.execute(update(SearchChange).values(done_at=LONG_AGO))
    session.commit()
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    extra = postings.create_posting(session, sme, need_record())
    session.execute(update(SearchChange).where(SearchChange.posting_id == extra.id)
                    .values(done_at=LONG_AGO))
    session.commit()
    drift = maintenance.verify(session, backend, app.extensions["search"].searcher.embedder)
    assert drift.missing == [extra.id]
    maintenance.repair(session, drift)
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    assert maintenance.verify(session, backend, app.extensions["search"].searcher.embedder).clean
    searcher = app.extensions["search"].searcher
    count = maintenance.reindex(app.extensions["database"].new_session, backend, searcher.embedder)
    assert count == 2 and index_versions(app) == {str(kept.id): 1, str(extra.id): 1}
    assert session.scalar(select(func.count()).select_from(Posting)) == 2


def test_verify_reports_an_index_built_with_other_dictionaries_until_a_reindex(app, session, monkeypatch):
    postings.create_posting(session, register(session), instrument_record())
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    backend = app.extensions["search"].searcher.backend
    monkeypatch.setattr(analysis, "fingerprint", lambda: "edited-dictionaries")
    drift = maintenance.verify(session, backend, app.extensions["search"].searcher.embedder)
    assert not drift.clean and "indexer reindex" in drift.lines()[0]
    maintenance.reindex(app.extensions["database"].new_session, backend, app.extensions["search"].searcher.embedder)
    assert maintenance.verify(session, backend, app.extensions["search"].searcher.embedder).clean


def test_verify_reports_an_index_built_with_another_model_until_a_reindex_with_it(app, session):
    postings.create_posting(session, register(session), instrument_record())
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    backend = app.extensions["search"].searcher.backend
    configured = HashingEmbedder(dimension=32)  # the settings now name another model
    drift = maintenance.verify(session, backend, configured)
    assert not drift.clean and drift.needs_rebuild and "another embedding model" in drift.lines()[0]
    maintenance.reindex(app.extensions["database"].new_session, backend, configured)
    assert maintenance.verify(session, backend, configured).clean


def test_an_idle_worker_purges_changes_done_longer_ago_than_the_retention(app, session):
    user = register(session)
    old = postings.create_posting(session, user, instrument_record())
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    session.execute(update(SearchChange).values(done_at=LONG_AGO))
    session.commit()
    sme = register(session, email="sme@example.com", organisation="武汉某药业有限公司", kind="enterprise")
    recent = postings.create_posting(session, sme, need_record())
    make_worker(app).run(until_idle=True, poll_interval=0.01)
    assert session.scalars(select(SearchChange.posting_id)).all() == [recent.id]
    assert index_versions(app) == {str(old.id): 1, str(recent.id): 1}


class WatchingEmbedder(HashingEmbedder):
    """The test embedder: its first batch waits until the worker has claimed a second one. A worker that
    claims only after embedding never does, so the wait times out (the timeout only bounds that failure;
    a pipelined worker's reader claims at once, before or during the embedding)."""

    def __init__(self, second_claimed: threading.Event) -> None:
        super().__init__()
        self.second_claimed, self.overlapped = second_claimed, None

    def embed(self, texts):
        if self.overlapped is None:  # the worker turns an exception here into a retried batch: note it
            self.overlapped = self.second_claimed.wait(timeout=30)
        return super().embed(texts)


def test_the_worker_reads_the_next_batch_while_the_model_embeds_the_current_one(app, session, monkeypatch):
    user = register(session)
    for n in range(12):
        postings.create_posting(session, user, instrument_record(ref=f"i-{n}"))
    claimed_batches, second_claimed, claim = [], threading.Event(), outbox.claim

    def counting_claim(*args, **kwargs):
        changes = claim(*args, **kwargs)
        if changes:
            claimed_batches.append(changes)
            if len(claimed_batches) == 2:
                second_claimed.set()
        return changes

    monkeypatch.setattr(outbox, "claim", counting_claim)
    database = app.extensions["database"]
    embedder = WatchingEmbedder(second_claimed)
    worker = Worker(database.new_session, app.extensions["search"].searcher.backend, embedder, batch_size=4)
    assert worker.run(until_idle=True, poll_interval=0.01) == 12
    assert embedder.overlapped
    assert maintenance.verify(session, app.extensions["search"].searcher.backend, embedder).clean
