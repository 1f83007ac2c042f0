"""Indexer benchmark, for each backend in one run:

- throughput: N listings imported at once (import rows/s), the model alone embedding their texts (raw
  embedding throughput), then one worker draining the outbox end to end (read, embed, write, mark done);
- workers: with --postgres-url, 1, 2 and 4 worker processes draining N listings from PostgreSQL
  (FOR UPDATE SKIP LOCKED), each with its share of the cores as torch threads;
- sync lag: a steady write load (R listings/s through the posting service, for each rate given) while a
  worker process runs; lag = the change's commit to its acknowledgement by the backend (done_at).

Writes bench/results/indexer.md.

    python -m bench.indexer --listings 2000 --rates 20 50 100 --seconds 600 60 60 \\
        --postgres-url postgresql+psycopg://postgres@127.0.0.1:5433/yiqi_bench
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

from sqlalchemy import func, select, text

from app import create_app
from bench.common import listings, model_name, percentile, resolved_precision, table, write_report
from indexer.documents import posting_document
from indexer.models import SearchChange
from indexer.worker import Worker
from marketplace import migrations
from marketplace.db import Base
from marketplace.kinds import KINDS
from marketplace.models import Posting, User
from marketplace.services import catalog, postings
from marketplace.services.accounts import register
from search.embeddings import PRECISIONS

ROOT = Path(__file__).resolve().parents[1]
WORKER_COUNTS = (1, 2, 4)


def make_app(backend: str, workdir: Path, precision: str, database_url: str | None = None):
    config = {"SECRET_KEY": "bench", "DATABASE_URL": database_url or f"sqlite:///{workdir / 'bench.sqlite3'}",
              "SEARCH_BACKEND": backend, "SEARCH_PATH": str(workdir / "index"),
              "OPENSEARCH_URL": os.environ.get("MARKETPLACE_OPENSEARCH_URL", "http://127.0.0.1:9200"),
              "OPENSEARCH_INDEX": f"bench-indexer-{uuid.uuid4().hex[:8]}", "EMBEDDING_PRECISION": precision}
    app = create_app(config)
    migrations.upgrade(app.extensions["database"].engine)
    return app, config


def import_listings(app, count: int) -> float:
    """Rows/s of a catalogue import of `count` listings."""
    with app.extensions["database"].new_session() as session:
        started = time.perf_counter()
        report = catalog.import_records(session, enumerate(listings(count), start=1))
        elapsed = time.perf_counter() - started
    assert not report.errors, report.errors[:3]
    return count / elapsed


def throughput(app, count: int) -> dict[str, float]:
    """Import, the model's raw embedding rate over the same texts, and the worker's end-to-end rate."""
    database = app.extensions["database"]
    imported = import_listings(app, count)
    searcher = app.extensions["search"].searcher
    with database.new_session() as session:
        texts = [posting_document(p).embedding_text() for p in session.scalars(select(Posting))]
    searcher.embedder.embed_query("warm up")
    started = time.perf_counter()
    searcher.embedder.embed(texts)
    raw = len(texts) / (time.perf_counter() - started)
    started = time.perf_counter()
    done = Worker(database.new_session, searcher.backend, searcher.embedder).run(until_idle=True, poll_interval=0.01)
    end_to_end = done / (time.perf_counter() - started)
    return {"import": imported, "raw": raw, "end_to_end": end_to_end}


def worker_environment(config: dict, **extra: str) -> dict:
    return {**os.environ, **{f"MARKETPLACE_{k}": str(v) for k, v in config.items()}, "HF_HUB_OFFLINE": "1", **extra}


def start_worker(config: dict, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "indexer", "run", "--poll-interval", "0.1"],
                            cwd=ROOT, env=worker_environment(config, **extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop_worker(process: subprocess.Popen) -> None:
    """SIGTERM: the worker finishes the batches in flight first, which on a busy machine takes a while."""
    process.terminate()
    try:
        process.wait(300)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def workers_scaling(backend: str, postgres_url: str, count: int, precision: str) -> list[list[str]]:
    """1, 2 and 4 worker processes draining `count` freshly imported listings from PostgreSQL; the rate is
    taken between the first and the last acknowledgement, so the processes' start-up is not in it."""
    rows = []
    for workers in WORKER_COUNTS:
        with tempfile.TemporaryDirectory(prefix="bench-workers-") as tmp:
            app, config = make_app(backend, Path(tmp), precision, postgres_url)
            database = app.extensions["database"]
            with database.engine.begin() as connection:
                tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            import_listings(app, count)
            threads = str(max(1, (os.cpu_count() or 1) // workers))
            processes = [start_worker(config, OMP_NUM_THREADS=threads) for _ in range(workers)]
            try:
                _wait_until_applied(database, after=0, timeout=3600)
            finally:
                for process in processes:
                    stop_worker(process)
            with database.new_session() as session:
                first, last = session.execute(select(func.min(SearchChange.done_at),
                                                     func.max(SearchChange.done_at))).one()
            rate = count / max((last - first).total_seconds(), 1e-3)
            rows.append([backend, str(workers), threads, f"{rate:.0f}"])
            print(rows[-1], flush=True)
            app.extensions["search"].searcher.backend.clear()
            database.dispose()
    return rows


def lag_under_load(app, config: dict, rate: float, seconds: float) -> tuple[list[float], int, float]:
    """Lags (s) of the changes written at `rate` a second for `seconds`, how many were written, and the
    rate the writer reached."""
    worker = start_worker(config)
    database = app.extensions["database"]
    records = listings(int(rate * seconds) + 10)
    try:
        with database.new_session() as session:
            writer_ids = _writers(app, session)
        with database.new_session() as session:
            writers = {kind: session.get(User, user_id) for kind, user_id in writer_ids.items()}
            # One listing first, and wait for it: the measured lag starts once the worker is up and
            # its model loaded, which a fixed sleep did not guarantee (start-up showed up as p95 lag).
            record = next(records)
            postings.create_posting(session, writers[record["kind"]], {**record, "ref": f"warm-{uuid.uuid4().hex[:6]}"})
        _wait_until_applied(database, after=0, timeout=180)
        with database.new_session() as session:
            first = session.scalar(select(SearchChange.id).order_by(SearchChange.id.desc()).limit(1)) or 0
        started, written = time.monotonic(), 0
        with database.new_session() as session:
            writers = {kind: session.get(User, user_id) for kind, user_id in writer_ids.items()}
            while time.monotonic() - started < seconds:
                record = next(records)
                postings.create_posting(session, writers[record["kind"]],
                                        {**record, "ref": f"load-{written}-{uuid.uuid4().hex[:6]}"})
                written += 1
                time.sleep(max(0.0, started + written / rate - time.monotonic()))
        reached = written / (time.monotonic() - started)
        _wait_until_applied(database, after=first, timeout=300)
        with database.new_session() as session:
            rows = session.execute(select(SearchChange.created_at, SearchChange.done_at)
                                   .where(SearchChange.id > first, SearchChange.done_at.is_not(None))).all()
    finally:
        stop_worker(worker)
    return [(done - created).total_seconds() for created, done in rows], written, reached


def _writers(app, session) -> dict[str, int]:
    """The id of a member of an organisation of the kind that may post each kind of listing (vendors post
    products, universities instruments and transfers), as the write load posts all of them."""
    writers = {}
    for kind, kind_of_posting in KINDS.items():
        if not kind_of_posting.is_listing:
            continue
        tag = uuid.uuid4().hex[:6]
        writers[kind] = register(session, app.extensions["passwords"], email=f"load-{tag}@bench.local",
                                 password="bench-pass-1", display_name="load",
                                 organisation_name=f"负载测试机构 {tag}",
                                 organisation_kind=kind_of_posting.default_owner_kind).id
    return writers


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
    parser.add_argument("--listings", type=int, default=2000)
    parser.add_argument("--rates", type=float, nargs="+", default=[20, 50, 100],
                        help="listings written per second in the lag tests, one test each")
    parser.add_argument("--seconds", type=float, nargs="+", default=[600, 60, 60], help="duration of each rate's test")
    parser.add_argument("--precision", default="auto", choices=PRECISIONS, help="embedding precision")
    parser.add_argument("--postgres-url", help="measure 1, 2 and 4 workers on this (emptied!) PostgreSQL database")
    parser.add_argument("--workers-backends", nargs="+", default=["opensearch"],
                        help="backends of the several-workers test (PostgreSQL with OpenSearch is the production pair)")
    parser.add_argument("--skip", nargs="*", default=[], choices=["throughput", "workers", "lag"])
    parser.add_argument("--report", default="indexer",
                        help="bench/results/<report>.md: a partial run (--skip, one backend) keeps the full one")
    args = parser.parse_args()
    args.precision = resolved_precision(args.precision)
    if len(args.seconds) != len(args.rates):
        parser.error("give one --seconds per --rates")
    throughput_rows, lag_rows, worker_rows = [], [], []
    for backend in args.backends:
        with tempfile.TemporaryDirectory(prefix="bench-indexer-") as tmp:
            app, config = make_app(backend, Path(tmp), args.precision)
            if "throughput" not in args.skip:
                rates = throughput(app, args.listings)
                throughput_rows.append([backend, f"{rates['import']:,.0f}", f"{rates['raw']:.0f}",
                                        f"{rates['end_to_end']:.0f}", f"{rates['end_to_end'] / rates['raw']:.0%}"])
                print(throughput_rows[-1], flush=True)
            for rate, seconds in ([] if "lag" in args.skip else zip(args.rates, args.seconds, strict=True)):
                lags, written, reached = lag_under_load(app, config, rate, seconds)
                lag_rows.append([backend, f"{rate:g}/s for {seconds:g} s", f"{reached:.1f}/s", len(lags),
                                 f"{percentile(lags, 50):.2f}", f"{percentile(lags, 95):.2f}", f"{max(lags):.2f}"])
                print(lag_rows[-1], flush=True)
            app.extensions["search"].searcher.backend.clear()
            app.extensions["database"].dispose()
        if args.postgres_url and "workers" not in args.skip and backend in args.workers_backends:
            worker_rows += workers_scaling(backend, args.postgres_url, args.listings, args.precision)
    load = os.getloadavg()
    body = (f"Embedding: **{model_name()}** in {args.precision}, batches of 64. Load average at the end "
            f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) on this shared machine.\n\n"
            + (f"### Throughput ({args.listings:,} listings, SQLite, one worker)\n\n"
               + table(["backend", "import rows/s", "model alone (docs/s)", "worker end to end (listings/s)",
                        "end to end / model"], throughput_rows)
               + "\n\nThe model's rate is measured on the same texts in the same process just before the worker "
                 "drains the outbox; the worker reads the next batch and writes the previous one while it embeds.\n\n"
               if throughput_rows else "")
            + (f"### Several workers on PostgreSQL ({args.listings:,} listings, FOR UPDATE SKIP LOCKED)\n\n"
               + table(["backend", "worker processes", "torch threads each", "listings/s"], worker_rows)
               + "\n\nFrom the first to the last acknowledgement (process start-up excluded).\n\n"
               if worker_rows else "")
            + ("### Sync lag under a steady write load (SQLite, one worker process)\n\n"
               + table(["backend", "load", "reached", "changes applied", "lag p50 (s)", "lag p95 (s)",
                        "lag max (s)"], lag_rows)
               + "\n\nLag is measured from the change's commit to the backend's acknowledgement while a worker "
                 "process polls every 0.1 s; \"reached\" is the rate the writer (one process, through the posting "
                 "service) managed."
               if lag_rows else ""))
    print(write_report(args.report, "Indexer benchmark", body, module="indexer"))


if __name__ == "__main__":
    main()
