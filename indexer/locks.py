"""One reindex at a time per database: two would each build a full index and the later swap would
throw the earlier one away, or swap in an index that misses what the other replayed.

PostgreSQL: a session-level advisory lock, held by a connection of its own in autocommit (so it holds
no transaction or snapshot while the reindex runs). SQLite: flock() on a file next to the database
file. Both are released by the operating system or the server when the process dies, so a crashed
reindex never leaves a lock behind that an operator has to clear.
"""
from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

# The advisory lock's key (any 64-bit number no other code of the database uses): "yiqi" "idx".
REINDEX_KEY = 0x7969_7169_6964_78
_in_memory = threading.Lock()  # an in-memory SQLite database is private to its process


class ReindexRunning(Exception):
    """Another reindex of the same database holds the lock."""

    def __init__(self) -> None:
        super().__init__("a reindex of this database is already running; wait for it to finish "
                         "(`flask --app app indexer status` shows the sync state)")


@contextmanager
def reindex_lock(engine: Engine) -> Iterator[None]:
    """Hold the database's reindex lock for the block, or raise ReindexRunning at once."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            if not connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": REINDEX_KEY}):
                raise ReindexRunning()
            try:
                yield
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": REINDEX_KEY})
        return
    path = engine.url.database
    if not path or path == ":memory:":
        if not _in_memory.acquire(blocking=False):
            raise ReindexRunning()
        try:
            yield
        finally:
            _in_memory.release()
        return
    with open(f"{path}.reindex-lock", "w") as lock_file:
        try:
            # Locks of separate open() calls exclude each other, within one process too.
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ReindexRunning() from None
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
