"""Fault tests with the real backends: a worker killed with SIGKILL mid-batch, OpenSearch stopped for a
while, concurrent edits of one listing, two workers at once. Afterwards the index equals the database."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from app import create_app
from indexer import maintenance
from indexer.models import SearchChange
from indexer.status import sync_status
from indexer.worker import Worker
from marketplace.services import postings
from tests import servers
from tests.conftest import app_settings, fresh_database
from tests.factories import instrument_record, invited_member, register

ROOT = Path(__file__).resolve().parents[2]
STACKS = [pytest.param(("sqlite", "embedded"), id="sqlite-embedded"),
          pytest.param(("postgresql", "opensearch"), id="postgresql-opensearch",
                       marks=[pytest.mark.postgres, pytest.mark.opensearch])]


def settings(database_url: str, backend: str, tmp_path: Path, url: str | None = None) -> dict:
    return app_settings(database_url, tmp_path, SEARCH_BACKEND=backend, OPENSEARCH_URL=url or "",
                        OPENSEARCH_INDEX=f"fault-{uuid.uuid4().hex[:8]}")


@pytest.fixture(params=STACKS)
def stack(request, tmp_path):
    database, backend = request.param
    url = servers.opensearch_url() if backend == "opensearch" else None
    config = settings(fresh_database(request, database, tmp_path), backend, tmp_path, url)
    app = create_app(config)
    yield app, config
    app.extensions["search"].searcher.backend.clear()
    app.extensions["database"].dispose()


def worker_for(app, **options) -> Worker:
    searcher = app.extensions["search"].searcher
    return Worker(app.extensions["database"].new_session, searcher.backend, searcher.embedder, **options)


def assert_index_equals_database(app) -> None:
    with app.extensions["database"].new_session() as session:
        searcher = app.extensions["search"].searcher
        drift = maintenance.verify(session, searcher.backend, searcher.embedder)
        assert drift.clean, drift.lines()
        assert sync_status(session).pending == 0


def create_many(app, count: int) -> None:
    with app.app_context():
        session = app.extensions["database"].session
        user = register(session)
        for n in range(count):
            postings.create_posting(session, user, instrument_record(ref=f"i-{n}", title=f"液相色谱仪 {n}"))


def test_a_worker_killed_mid_batch_loses_nothing(stack):
    app, config = stack
    create_many(app, 200)
    env = {**os.environ, **{f"MARKETPLACE_{k}": str(v) for k, v in config.items() if k != "TESTING"}}
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "indexer", "run", "--batch-size", "5",
                                "--lease-seconds", "1", "--poll-interval", "0.05"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with app.extensions["database"].new_session() as session:
                if sync_status(session).pending < 150:
                    break
            time.sleep(0.05)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(10)
    with app.extensions["database"].new_session() as session:
        assert 0 < sync_status(session).pending < 200, "the kill should land mid-way"
    time.sleep(1.1)  # the dead worker's lease expires
    worker_for(app).run(until_idle=True, poll_interval=0.05)
    assert_index_equals_database(app)
    assert app.extensions["search"].searcher.backend.count() == 200


def test_concurrent_edits_of_one_listing_end_with_the_last_version_indexed(stack):
    app, _ = stack
    with app.app_context():
        session = app.extensions["database"].session
        user = register(session)
        posting_id = postings.create_posting(session, user, instrument_record()).id
    stop = threading.Event()
    workers = [worker_for(app, name=f"w{n}", batch_size=3) for n in range(2)]
    threads = [threading.Thread(target=w.run, kwargs={"poll_interval": 0.01, "stop": stop.is_set}) for w in workers]
    for thread in threads:
        thread.start()

    def edit(n: int) -> None:
        for attempt in range(10):
            with app.app_context():
                session = app.extensions["database"].session
                try:
                    postings.update_posting(session, user, posting_id, instrument_record(title=f"编辑 {n}-{attempt}"))
                except Exception:  # a stale version (optimistic lock) or a busy database: try again
                    session.rollback()

    editors = [threading.Thread(target=edit, args=(n,)) for n in range(3)]
    for thread in editors:
        thread.start()
    for thread in editors:
        thread.join(60)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with app.extensions["database"].new_session() as session:
            if sync_status(session).pending == 0:
                break
        time.sleep(0.05)
    stop.set()
    for thread in threads:
        thread.join(10)
    assert_index_equals_database(app)


def test_two_workers_share_the_outbox_without_losing_or_repeating_changes(stack):
    app, _ = stack
    create_many(app, 120)
    counts = []
    threads = [threading.Thread(target=lambda w=w: counts.append(w.run(until_idle=True, poll_interval=0.01)))
               for w in (worker_for(app, name="a", batch_size=7), worker_for(app, name="b", batch_size=7))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert sum(counts) == 120
    assert_index_equals_database(app)


@pytest.mark.opensearch
@pytest.mark.postgres
def test_opensearch_down_for_a_while_then_everything_arrives(request, tmp_path):
    """A private OpenSearch node on another port is stopped while listings change, then restarted."""
    servers.opensearch_url()  # this test starts a node of its own, but needs OpenSearch installed
    port = os.environ.get("MARKETPLACE_TEST_OUTAGE_PORT", "9211")
    node_env = {**os.environ, "OPENSEARCH_PORT": port, "OPENSEARCH_TRANSPORT_PORT": "9411-9420",
                "OPENSEARCH_HEAP": "512m"}

    def node(command: str) -> None:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "opensearch.sh"), command], env=node_env,
                              capture_output=True, text=True)
        assert done.returncode == 0, f"opensearch.sh {command} on port {port} failed:\n{done.stderr}"

    node("wipe")  # a throwaway node: whatever cluster last used this port's dir must not decide its start
    node("start")
    try:
        database_url = fresh_database(request, "postgresql", tmp_path)
        app = create_app(settings(database_url, "opensearch", tmp_path, f"http://127.0.0.1:{port}"))
        create_many(app, 30)
        worker = worker_for(app, batch_size=10)
        worker.run(until_idle=True, poll_interval=0.05)
        node("stop")
        with app.app_context():
            session = app.extensions["database"].session
            user = invited_member(session, email="second@example.com")
            for n in range(20):
                postings.create_posting(session, user, instrument_record(ref=f"during-{n}", title=f"停机期间 {n}"))
        outcome = worker.run_batch()
        assert outcome.claimed and outcome.done == 0 and outcome.dead == 0  # retried later, not poisoned
        node("start")
        with app.extensions["database"].new_session() as session:  # skip the backoff wait in the test
            session.execute(update(SearchChange).values(available_at=SearchChange.created_at - timedelta(seconds=1)))
            session.commit()
        worker.run(until_idle=True, poll_interval=0.05)
        assert_index_equals_database(app)
        assert app.extensions["search"].searcher.backend.count() == 50
        app.extensions["search"].searcher.backend.clear()
        app.extensions["database"].dispose()
    finally:
        subprocess.run(["bash", str(ROOT / "scripts" / "opensearch.sh"), "stop"], env=node_env, capture_output=True)
