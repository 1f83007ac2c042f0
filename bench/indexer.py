"""Indexer benchmark, for each backend in one run:

- throughput: N listings imported at once, then one worker drains the outbox (embedding included);
- sync lag: a steady write load (R listings/s for T seconds through the posting service) while a
  worker process runs; lag = the change's commit to its acknowledgement by the backend (done_at).

Writes bench/results/indexer.md.

    python -m bench.indexer --listings 1000 --rate 5 --seconds 60
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import select

from app import create_app
from bench.common import listings, percentile, table, write_report
from indexer.models import SearchChange
from indexer.worker import Worker
from marketplace import migrations
from marketplace.services import catalog, postings
from marketplace.services.accounts import register

ROOT = Path(__file__).resolve().parents[1]


def make_app(backend: str, workdir: Path, precision: str):
    config = {"SECRET_KEY": "bench", "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
              "SEARCH_BACKEND": backend, "SEARCH_PATH": str(workdir / "index"),
              "OPENSEARCH_URL": os.environ.get("MARKETPLACE_OPENSEARCH_URL", "http://127.0.0.1:9200"),
              "OPENSEARCH_INDEX": f"bench-indexer-{uuid.uuid4().hex[:8]}", "EMBEDDING_PRECISION": precision}
    app = create_app(config)
    migrations.upgrade(app.extensions["database"].engine)
    return app, config


def throughput(app, count: int) -> float:
    database = app.extensions["database"]
    with database.new_session() as session:
        catalog.import_records(session, enumerate(listings(count), start=1))
    searcher = app.extensions["search"].searcher
    searcher.embedder.embed_query("warm up")
    started = time.perf_counter()
    done = Worker(database.new_session, searcher.backend, searcher.embedder).run(until_idle=True, poll_interval=0.01)
    return done / (time.perf_counter() - started)


def lag_under_load(app, config: dict, rate: float, seconds: float) -> tuple[list[float], int]:
    env = {**os.environ, **{f"MARKETPLACE_{k}": str(v) for k, v in config.items()}, "HF_HUB_OFFLINE": "1"}
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "indexer", "run", "--poll-interval",
                               "0.1"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    database = app.extensions["database"]
    records = listings(int(rate * seconds) + 10)
    try:
        with database.new_session() as session:
            user = register(session, app.extensions["passwords"], email=f"load-{uuid.uuid4().hex[:6]}@bench.local",
                            password="bench-pass-1", display_name="load",
                            organisation_name=f"负载测试机构 {uuid.uuid4().hex[:6]}",
                            organisation_kind="university")
            # One listing first, and wait for it: the measured lag starts once the worker is up and
            # its model loaded, which a fixed sleep did not guarantee (start-up showed up as p95 lag).
            postings.create_posting(session, user, {**next(records), "ref": f"warm-{uuid.uuid4().hex[:6]}"})
        _wait_until_applied(database, after=0, timeout=180)
        with database.new_session() as session:
            first = session.scalar(select(SearchChange.id).order_by(SearchChange.id.desc()).limit(1)) or 0
        started, written = time.monotonic(), 0
        with database.new_session() as session:
            while time.monotonic() - started < seconds:
                record = next(records)
                postings.create_posting(session, user, {**record, "ref": f"load-{written}-{uuid.uuid4().hex[:6]}"})
                written += 1
                time.sleep(max(0.0, started + written / rate - time.monotonic()))
        _wait_until_applied(database, after=first, timeout=120)
        with database.new_session() as session:
            rows = session.execute(select(SearchChange.created_at, SearchChange.done_at)
                                   .where(SearchChange.id > first, SearchChange.done_at.is_not(None))).all()
    finally:
        worker.terminate()
        worker.wait(10)
    return [(done - created).total_seconds() for created, done in rows], written


def _wait_until_applied(database, after: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with database.new_session() as session:
            pending = session.scalar(select(SearchChange.id).where(SearchChange.id > after,
                                                                   SearchChange.done_at.is_(None)).limit(1))
        if pending is None:
            return
        time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--backends", nargs="+", default=["embedded", "opensearch"])
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=5.0, help="listings written per second during the lag test")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = parser.parse_args()
    rows = []
    for backend in args.backends:
        with tempfile.TemporaryDirectory(prefix="bench-indexer-") as tmp:
            app, config = make_app(backend, Path(tmp), args.precision)
            rate = throughput(app, args.listings)
            lags, written = lag_under_load(app, config, args.rate, args.seconds)
            rows.append([backend, f"{rate:.0f}", f"{written} at {args.rate:g}/s", len(lags),
                         f"{percentile(lags, 50):.2f}", f"{percentile(lags, 95):.2f}", f"{max(lags):.2f}"])
            print(rows[-1], flush=True)
            app.extensions["search"].searcher.backend.clear()
            app.extensions["database"].dispose()
    body = (f"Embedding: all-MiniLM-L6-v2 in {args.precision}, batches of 64; database: SQLite.\n\n"
            + table(["backend", "throughput (listings/s, end to end)", "steady load", "changes applied",
                     "lag p50 (s)", "lag p95 (s)", "lag max (s)"], rows)
            + "\n\nThroughput drains an outbox of freshly imported listings with one worker. Lag is measured "
              "from the change's commit to the backend's acknowledgement while a worker process polls every 0.1 s.")
    print(write_report("indexer", "Indexer benchmark", body))


if __name__ == "__main__":
    main()
