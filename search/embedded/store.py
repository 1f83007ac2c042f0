"""The embedded index on disk: SQLite files in one directory, the CURRENT pointer, connections,
versioned writes, reads of what changed, and rebuilds.

Files: the directory's `CURRENT` file names the live database file. A rebuild writes a new database
file next to it and swaps `CURRENT` with os.replace, so readers see the old or the new index, never a
mix. Swapping the database file itself would be unsafe: its -wal and -shm files would be left behind
for connections that still have the old one open.

Processes: one writer (the indexer) and any number of readers (web workers) share the index. WAL gives
readers a consistent snapshot; each write transaction bumps a generation counter and stamps the rows it
touched, so a reader refreshes its in-memory columns (search.embedded.columns) with just those rows.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from search import analysis
from search.backend import UNKNOWN_ANALYSIS, BackendUnavailable, Delete, DocText, Upsert, WriteOp, WriteResult
from search.embedded.inverted import count_terms, encode

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Term ids for the postings: append-only, so a reader loads only the terms added since it last looked.
CREATE TABLE terms (id INTEGER PRIMARY KEY, term TEXT NOT NULL UNIQUE);
CREATE TABLE docs (
    id INTEGER PRIMARY KEY,       -- the row of the in-memory arrays
    doc_id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    live INTEGER NOT NULL,        -- 0 is a tombstone: kept so that older writes stay stale
    generation INTEGER NOT NULL,  -- the write transaction that last changed the row
    written_at REAL,
    kind TEXT, ref TEXT, title TEXT, body TEXT, title_terms TEXT, body_terms TEXT,
    category TEXT, region TEXT, origin TEXT, certifications TEXT, service_modes TEXT, language TEXT,
    price_low REAL, price_high REAL, completeness REAL, vector BLOB,
    postings BLOB                 -- search.embedded.inverted.encode: (term id, title count, body count) triples
);
CREATE INDEX docs_generation ON docs (generation);
"""
# Bumped when SCHEMA changes: an index file in another format is rebuilt by `indexer verify --repair`.
# 2: in-memory postings replaced SQLite FTS5. 3: each listing's language; lengths come from the postings.
FORMAT = "3"
REBUILD_BATCH = 500
READ_BATCH = 5000
OPEN_ATTEMPTS = 3
# What a reader loads of each changed row, in this order (search.embedded.columns.Columns.apply).
ROW_COLUMNS = ("id, doc_id, live, ref, kind, category, region, origin, certifications, service_modes, language, "
               "price_low, price_high, completeness, written_at, vector, postings")


class Snapshot:
    """One read transaction of the live file: the generation and the rows read from it agree."""

    def __init__(self, db: sqlite3.Connection, meta: dict[str, str]) -> None:
        self._db = db
        self.file_id = meta["file_id"]
        self.generation = int(meta["generation"])
        self.dimension = int(meta.get("dimension", 0))  # 0 until the first upsert fixed it

    def terms_after(self, term_id: int) -> list[tuple[int, str]]:
        return self._db.execute("SELECT id, term FROM terms WHERE id > ?", (term_id,)).fetchall()

    def rows_after(self, generation: int) -> Iterator[list[tuple[Any, ...]]]:
        """Rows (ROW_COLUMNS) that write transactions after `generation` changed, in batches: a whole
        index read at once would hold every vector and posting as Python objects (at 100k listings
        0.6 GB, which the heap then keeps)."""
        cursor = self._db.execute(f"SELECT {ROW_COLUMNS} FROM docs WHERE generation > ?", (generation,))
        while batch := cursor.fetchmany(READ_BATCH):
            yield batch

    def vectors(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Every live listing's row and vector (float32), in batches."""
        cursor = self._db.execute("SELECT id, vector FROM docs WHERE live = 1 AND vector IS NOT NULL")
        while batch := cursor.fetchmany(READ_BATCH):
            rows, vectors = zip(*batch, strict=True)
            yield (np.array(rows, dtype=np.int64),
                   np.frombuffer(b"".join(vectors), dtype=np.float32).reshape(len(rows), self.dimension))

    def last_row(self) -> int:
        """The highest docs.id: the in-memory columns' size (0 when empty)."""
        return self._db.execute("SELECT coalesce(max(id), 0) FROM docs").fetchone()[0]


class IndexStore:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.directory = Path(path)
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._pointer_read: tuple[tuple[int, int, int], Path] | None = None  # CURRENT's stat and the name it held

    # -- files and connections ---------------------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.directory / "CURRENT"

    def _live_file(self) -> Path:
        # CURRENT is only ever replaced by another file, never rewritten, so an unchanged inode and change
        # time mean an unchanged name: a stat instead of reading it, twice a search.
        try:
            status = os.stat(self._pointer)
            seen = (status.st_ino, status.st_mtime_ns, status.st_ctime_ns)
            if self._pointer_read is not None and self._pointer_read[0] == seen:
                return self._pointer_read[1]
            live = self.directory / self._pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return self._create_first_file()
        self._pointer_read = (seen, live)
        return live

    def _create_first_file(self) -> Path:
        """Create the first database file; when several processes race, link() lets exactly one
        CURRENT win and the others discard their file."""
        self.directory.mkdir(parents=True, exist_ok=True)
        database = self._new_file()
        staged = self._staged_pointer(database)
        try:
            os.link(staged, self._pointer)
        except FileExistsError:
            database.unlink()
            return self._live_file()
        finally:
            staged.unlink()
        return database

    def _new_file(self) -> Path:
        path = self.directory / f"index-{uuid.uuid4().hex[:12]}.sqlite3"
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(SCHEMA)
            connection.executemany("INSERT INTO meta VALUES (?, ?)",
                                   [("file_id", uuid.uuid4().hex), ("generation", "0"),
                                    ("analysis", analysis.fingerprint()), ("format", FORMAT)])
        finally:
            connection.close()
        return path

    def _staged_pointer(self, database: Path) -> Path:
        staged = self.directory / f"CURRENT.{uuid.uuid4().hex[:8]}"
        staged.write_text(database.name, encoding="utf-8")
        return staged

    def _connect(self, path: Path) -> sqlite3.Connection:
        # mode=rw: never create a file; a name read from CURRENT just before a swap deleted it must fail.
        connection = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=30, isolation_level=None,
                                     check_same_thread=False)
        # FULL: a committed write survives power loss, so an acknowledgement means durable.
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("PRAGMA mmap_size=268435456")
        with self._connections_lock:
            self._connections.append(connection)
        return connection

    def _db(self) -> sqlite3.Connection:
        """This thread's connection to the live file, reopened when a rebuild has swapped files."""
        for _ in range(OPEN_ATTEMPTS):
            live = self._live_file()
            connection = getattr(self._local, "connection", None)
            if connection is not None and self._local.file == live:
                return connection
            if connection is not None:
                self._forget(connection)
            try:
                self._local.connection, self._local.file = self._connect(live), live
                return self._local.connection
            except sqlite3.OperationalError:
                self._local.connection = None  # swapped away between reading CURRENT and opening: retry
        raise BackendUnavailable(f"cannot open the search index in {self.directory}")

    def _forget(self, connection: sqlite3.Connection) -> None:
        with self._connections_lock:
            if connection in self._connections:
                self._connections.remove(connection)
        connection.close()

    @property
    def open_connections(self) -> int:
        return len(self._connections)

    @staticmethod
    def _meta(db: sqlite3.Connection) -> dict[str, str]:
        return dict(db.execute("SELECT key, value FROM meta").fetchall())

    def _current_meta(self, db: sqlite3.Connection) -> dict[str, str]:
        """The meta of an index file this version can read and write."""
        meta = self._meta(db)
        if meta.get("format") != FORMAT:
            raise BackendUnavailable(f"the search index in {self.directory} was built by an older version: "
                                     "rebuild it with `flask --app app indexer verify --repair`")
        return meta

    def ensure_ready(self) -> None:
        try:
            self._meta(self._db())
        except sqlite3.Error as error:
            raise BackendUnavailable(f"search index in {self.directory}: {error}") from error

    # -- writes ------------------------------------------------------------------------------------
    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return self._write_on(self._db(), ops)

    def _write_on(self, db: sqlite3.Connection, ops: Sequence[WriteOp]) -> list[WriteResult]:
        if not ops:
            return []
        # Analyse before taking the write lock: jieba is the slow part of a write.
        terms = {id(op): op.document.terms() for op in ops if isinstance(op, Upsert)}
        db.execute("BEGIN IMMEDIATE")
        try:
            meta = self._current_meta(db)
            generation = int(meta["generation"]) + 1
            dimension = int(meta["dimension"]) if "dimension" in meta else None
            results = []
            for op in ops:
                if isinstance(op, Upsert) and dimension is None:
                    dimension = len(op.vector)
                    db.execute("INSERT INTO meta VALUES ('dimension', ?)", (str(dimension),))
                    if op.model:
                        db.execute("INSERT OR REPLACE INTO meta VALUES ('model', ?)", (op.model,))
                results.append(self._apply(db, op, terms.get(id(op)), generation, dimension))
            db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(generation),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return results

    def _apply(self, db: sqlite3.Connection, op: WriteOp, terms: tuple[str, str] | None, generation: int,
               dimension: int | None) -> WriteResult:
        row = db.execute("SELECT id, version FROM docs WHERE doc_id = ?", (op.doc_id,)).fetchone()
        if row is not None and row[1] >= op.version:
            return WriteResult(op.doc_id, "stale")
        if isinstance(op, Delete):
            values = dict(doc_id=op.doc_id, version=op.version, live=0, generation=generation, written_at=time.time())
        else:
            vector = np.asarray(op.vector, dtype=np.float32)
            norm = float(np.linalg.norm(vector)) if vector.shape == (dimension,) else 0.0
            if vector.shape != (dimension,) or not np.isfinite(norm) or norm == 0.0:
                return WriteResult(op.doc_id, "error", f"vector of shape {vector.shape} (norm {norm}) "
                                                       f"for an index of {dimension} dimensions")
            vector = vector / norm  # cosine becomes a dot product
            assert terms is not None  # analysed for every upsert in _write_on
            document = op.document
            title, body = count_terms(*terms)
            values = dict(
                doc_id=document.doc_id, version=document.version, live=1, generation=generation,
                written_at=time.time(), kind=document.kind, ref=document.ref, title=document.title,
                body=document.body, title_terms=terms[0], body_terms=terms[1], category=document.category,
                region=document.region, origin=document.origin, certifications=json.dumps(document.certifications),
                service_modes=json.dumps(document.service_modes), language=document.language,
                price_low=document.price_cny_low, price_high=document.price_cny_high,
                completeness=document.completeness, vector=vector.tobytes(),
                postings=encode(self._term_ids(db, title.keys() | body.keys()), title, body))
        if row is None:
            db.execute(f"INSERT INTO docs ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                       list(values.values()))
        else:
            # Columns not named (a tombstone's text and vector) are cleared.
            cleared = [c for c in ROW_COLUMNS.split(", ") + ["title", "body", "title_terms", "body_terms"]
                       if c not in values and c != "id"]
            assignments = [f"{c} = ?" for c in values] + [f"{c} = NULL" for c in cleared]
            db.execute(f"UPDATE docs SET {', '.join(assignments)} WHERE id = ?", [*values.values(), row[0]])
        return WriteResult(op.doc_id, "ok")

    @staticmethod
    def _term_ids(db: sqlite3.Connection, words: set[str]) -> dict[str, int]:
        words_json = json.dumps(list(words), ensure_ascii=False)
        db.execute("INSERT OR IGNORE INTO terms (term) SELECT value FROM json_each(?)", (words_json,))
        return dict(db.execute("SELECT term, id FROM terms WHERE term IN (SELECT value FROM json_each(?))",
                               (words_json,)).fetchall())

    # -- reads -------------------------------------------------------------------------------------
    @contextmanager
    def snapshot(self) -> Iterator[Snapshot]:
        """A read transaction of the live file, for a reader to catch up with what was written."""
        db = self._db()
        db.execute("BEGIN")
        try:
            yield Snapshot(db, self._current_meta(db))
        finally:
            db.execute("COMMIT")

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]:
        if not doc_ids:
            return {}
        rows = self._db().execute(
            f"SELECT doc_id, title, body, title_terms, body_terms FROM docs "
            f"WHERE live = 1 AND doc_id IN ({', '.join('?' * len(doc_ids))})", list(doc_ids)).fetchall()
        return {doc_id: DocText(title, body, f"{title_terms} {body_terms}")
                for doc_id, title, body, title_terms, body_terms in rows}

    def versions(self) -> dict[str, int]:
        return dict(self._db().execute("SELECT doc_id, version FROM docs WHERE live = 1").fetchall())

    def count(self) -> int:
        return self._db().execute("SELECT count(*) FROM docs WHERE live = 1").fetchone()[0]

    def analysed_with(self) -> str | None:
        meta = self._meta(self._db())
        return meta.get("analysis", UNKNOWN_ANALYSIS) if meta.get("format") == FORMAT else UNKNOWN_ANALYSIS

    def embedded_with(self) -> str | None:
        return self._meta(self._db()).get("model")

    # -- maintenance -------------------------------------------------------------------------------
    def rebuild(self, upserts: Iterable[Upsert],
                before_swap: Callable[[Snapshot], None] | None = None) -> list[WriteResult]:
        """Write a complete new file next to the live one, carry the tombstones over, let `before_swap`
        read it whole, then swap; returns the documents it refused (left out).

        Writes that reach the old file while this runs are not in the new one: the caller replays
        them afterwards (the indexer replays its outbox), and external versions make that idempotent.
        """
        old = self._live_file()
        fresh_path = self._new_file()
        fresh = self._connect(fresh_path)
        refused: list[WriteResult] = []
        try:
            batch: list[Upsert] = []
            for upsert in upserts:
                batch.append(upsert)
                if len(batch) >= REBUILD_BATCH:
                    refused += self._rebuild_batch(fresh, batch)
            refused += self._rebuild_batch(fresh, batch)
            fresh.execute("ATTACH DATABASE ? AS old", (f"file:{old}?mode=ro",))
            fresh.execute("INSERT INTO docs (doc_id, version, live, generation, written_at) "
                          "SELECT doc_id, version, 0, 1, written_at FROM old.docs "
                          "WHERE live = 0 AND doc_id NOT IN (SELECT doc_id FROM main.docs)")
            fresh.execute("DETACH DATABASE old")
            fresh.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            if before_swap is not None:
                fresh.execute("BEGIN")
                try:
                    before_swap(Snapshot(fresh, self._meta(fresh)))
                finally:
                    fresh.execute("COMMIT")
        except BaseException:
            self._forget(fresh)
            fresh_path.unlink(missing_ok=True)
            raise
        self._forget(fresh)
        staged = self._staged_pointer(fresh_path)
        os.replace(staged, self._pointer)
        # Connections still open on the old file keep reading it until their next query reopens.
        for suffix in ("", "-wal", "-shm"):
            Path(f"{old}{suffix}").unlink(missing_ok=True)
        return refused

    def _rebuild_batch(self, connection: sqlite3.Connection, batch: list[Upsert]) -> list[WriteResult]:
        failed = [r for r in self._write_on(connection, batch) if r.status == "error"]
        batch.clear()
        return failed

    def clear(self) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM docs")
        db.execute("DELETE FROM terms")
        db.execute("DELETE FROM meta WHERE key IN ('dimension', 'model')")
        db.execute("UPDATE meta SET value = ? WHERE key = 'file_id'", (uuid.uuid4().hex,))
        db.execute("COMMIT")

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()
