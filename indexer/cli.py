"""`flask --app app indexer ...`: run the worker, rebuild, verify, report status."""
from __future__ import annotations

import signal
import time
from collections.abc import Callable
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from indexer import maintenance, outbox
from indexer.locks import ReindexRunning
from indexer.status import index_status, sync_status
from indexer.worker import Worker
from marketplace.db import Database
from marketplace.progress import ProgressPrinter
from marketplace.services import alerts
from search.backend import BackendUnavailable, SearchBackend
from search.embeddings import Embedder
from search.service import Searcher

indexer_cli = AppGroup("indexer", help="Keep the search index in step with the database.")


def _parts() -> tuple[Database, SearchBackend, Embedder]:
    database = current_app.extensions["database"]
    searcher = current_app.extensions["search"].searcher
    return database, searcher.backend, searcher.embedder


def _alerts(database: Database, searcher: Searcher) -> Callable[[list[int]], None]:
    def announce(created: list[int]) -> None:
        with database.new_session() as session:
            alerts.announce_new_listings(session, searcher, created, sync_status(session).pending)
    return announce


@indexer_cli.command("run")
@click.option("--until-idle", is_flag=True, help="Drain the outbox, then exit.")
@click.option("--batch-size", default=64, show_default=True)
@click.option("--poll-interval", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--lease-seconds", default=120, show_default=True,
              help="How long a claimed batch stays reserved; a crashed worker's batch is retried after it.")
def run(until_idle: bool, batch_size: int, poll_interval: float, lease_seconds: int) -> None:
    """Apply outbox changes to the search backend continuously (or until idle)."""
    database, backend, embedder = _parts()
    try:
        stale = maintenance.stale_dictionaries(backend)
    except BackendUnavailable as error:  # the worker waits for it like for any outage
        stale = None
        click.echo(f"warning: {error}; retrying with backoff", err=True)
    if stale:
        click.echo("warning: the search index was built with other dictionaries (search/data); "
                   "run `flask --app app indexer reindex`", err=True)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    worker = Worker(database.new_session, backend, embedder, batch_size=batch_size,
                    lease=timedelta(seconds=lease_seconds),
                    on_created=_alerts(database, current_app.extensions["search"].searcher))
    printer, started = ProgressPrinter(), time.monotonic()
    # A worker that runs until stopped would print a line per batch for ever: only a catch-up reports progress.
    progress = (lambda count: printer("changes indexed", count)) if until_idle else None
    try:
        count = worker.run(until_idle=until_idle, poll_interval=poll_interval, stop=lambda: bool(stopping),
                           progress=progress)
    except KeyboardInterrupt:
        count = 0
    click.echo(f"indexed {count} changes in {time.monotonic() - started:.1f}s")


@indexer_cli.command("reindex")
@click.option("--batch-size", default=64, show_default=True)
def reindex(batch_size: int) -> None:
    """Rebuild the whole index aside and swap it in with no downtime."""
    database, backend, embedder = _parts()
    printer, started = ProgressPrinter(), time.monotonic()
    try:
        count = maintenance.reindex(database.new_session, backend, embedder, batch_size,
                                    progress=lambda count: printer("postings read", count))
    except ReindexRunning as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"rebuilt index with {count} postings in {time.monotonic() - started:.1f}s")


@indexer_cli.command("verify")
@click.option("--repair", is_flag=True, help="Queue fixes for every difference and apply them.")
def verify(repair: bool) -> None:
    """Compare database and index (ids and versions) and print the differences."""
    database, backend, embedder = _parts()
    with database.new_session() as session:
        drift = maintenance.verify(session, backend, embedder)
        for line in drift.lines():
            click.echo(line)
        if drift.clean:
            click.echo("index matches the database")
            return
        if not repair:
            raise SystemExit(1)
        if drift.needs_rebuild:
            try:
                done = f"rebuilt the index with {maintenance.reindex(database.new_session, backend, embedder)} postings"
            except ReindexRunning as error:
                raise click.ClickException(str(error)) from None
        else:
            done = f"repaired {maintenance.repair(session, drift)} differences"
    Worker(database.new_session, backend, embedder).run(until_idle=True, poll_interval=0.2)
    click.echo(done)


@indexer_cli.command("status")
def status() -> None:
    """Sync lag, throughput, dead letters and index size."""
    database, backend, _ = _parts()
    with database.new_session() as session:
        state = index_status(session, backend)
    sync = state.sync
    lag = f"{sync.oldest_pending_age_s:.1f}s" if sync.oldest_pending_age_s is not None else "none"
    indexed = state.indexed if state.indexed is not None else f"unknown: the search backend is down ({state.problem})"
    click.echo(f"pending changes: {sync.pending}\noldest pending (sync lag): {lag}\n"
               f"throughput (last 5 min): {sync.throughput_per_s:.2f} changes/s\n"
               f"dead letters: {sync.dead_letters}\nindexed documents: {indexed}")
    if state.indexed is None:
        raise SystemExit(2)


@indexer_cli.command("retry-dead")
def retry_dead() -> None:
    """Move dead letters back to the outbox after fixing their cause."""
    database, _, _ = _parts()
    with database.new_session() as session:
        click.echo(f"requeued {outbox.retry_dead_letters(session)} changes")
