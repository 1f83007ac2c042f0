"""The embedded backend: one SQLite file (FTS5 for BM25, rows for filters and versions, vectors as
blobs) plus an in-memory copy of the vectors and filter fields for exact cosine search.

Several processes may share the index (the indexer writes, web workers read): SQLite's WAL gives
readers a consistent view, and a generation counter tells readers which rows changed since they last
looked. The index is a directory: `CURRENT` names the live database file. A rebuild writes a new file
and then replaces `CURRENT` atomically (os.replace), so searches keep working throughout; swapping the
database file itself would be unsafe, because its WAL file would be left behind for the new one.
"""
from __future__ import annotations

import os
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from search import analysis
from search.backend import (
    BackendQuery,
    Candidates,
    Delete,
    DocInfo,
    DocText,
    SearchFilters,
    Upsert,
    WriteResult,
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    id INTEGER PRIMARY KEY,
    doc_id TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    live INTEGER NOT NULL,
    generation INTEGER NOT NULL,
    kind TEXT, ref TEXT, title TEXT, body TEXT, terms TEXT,
    category TEXT, region TEXT, origin TEXT, certifications TEXT, service_modes TEXT,
    price_low REAL, price_high REAL, completeness REAL, vector BLOB
);
CREATE INDEX IF NOT EXISTS docs_generation ON docs (generation);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title_terms, body_terms, tokenize = "unicode61 remove_diacritics 0 tokenchars '-+/._µ'"
);
"""
TITLE_WEIGHT = 3.0
AND_ENOUGH = 5  # when AND-ing the query's groups finds fewer, OR them as well
INSERT_BATCH = 500


def _packed(values: Sequence[str]) -> str:
    # '|CMA|CNAS|' lets SQL (LIKE) and numpy (find) test membership without a join table.
    return "|" + "|".join(values) + "|" if values else ""


def _unpacked(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split("|") if v)


def _fts_query(groups, combine: str) -> str:
    def quoted(term: str) -> str:
        return '"' + term.replace('"', '""') + '"'
    return f" {combine} ".join("(" + " OR ".join(quoted(t) for t in g.terms) + ")" for g in groups)


class _Memory:
    """Vectors and filter fields of every row, as numpy arrays for fast masking and scoring."""

    def __init__(self) -> None:
        self.file_id: str | None = None
        self.generation = -1
        self.rows: dict[str, int] = {}
        self.fields: dict[str, list] = {name: [] for name in (
            "doc_id", "live", "kind", "ref", "category", "region", "origin", "certifications", "service_modes",
            "price_low", "price_high", "completeness")}
        self.vectors: list[np.ndarray | None] = []
        self.arrays: dict[str, np.ndarray] = {}
        self.matrix = np.zeros((0, 0), dtype=np.float32)

    def apply(self, rows: list[sqlite3.Row], dimension: int) -> None:
        for row in rows:
            position = self.rows.get(row["doc_id"])
            if position is None:
                position = len(self.vectors)
                self.rows[row["doc_id"]] = position
                for values in self.fields.values():
                    values.append(None)
                self.vectors.append(None)
            for name, values in self.fields.items():
                values[position] = row[name]
            blob = row["vector"]
            self.vectors[position] = np.frombuffer(blob, dtype=np.float32) if blob else None
        if rows or not self.arrays:
            self._freeze(dimension)

    def _freeze(self, dimension: int) -> None:
        f = self.fields
        text = lambda name: np.array([v or "" for v in f[name]], dtype=str)  # noqa: E731
        self.arrays = {
            "live": np.array([bool(v) for v in f["live"]], dtype=bool),
            "kind": text("kind"), "region": text("region"), "category": text("category"),
            "origin": text("origin"), "certifications": text("certifications"),
            "service_modes": text("service_modes"),
            "province": np.array([(v or "").split("/")[0] for v in f["region"]], dtype=str),
            "top_category": np.array([(v or "").split("/")[0] for v in f["category"]], dtype=str),
            "price_low": np.array([np.nan if v is None else v for v in f["price_low"]], dtype=float),
            "price_high": np.array([np.nan if v is None else v for v in f["price_high"]], dtype=float),
        }
        self.matrix = np.zeros((len(self.vectors), dimension), dtype=np.float32)
        for position, vector in enumerate(self.vectors):
            if vector is not None and vector.shape[0] == dimension:
                self.matrix[position] = vector

    def info(self, position: int) -> DocInfo:
        f = self.fields
        return DocInfo(kind=f["kind"][position], ref=f["ref"][position],
                       completeness=f["completeness"][position] if f["completeness"][position] is not None else 1.0,
                       category=f["category"][position], region=f["region"][position], origin=f["origin"][position],
                       certifications=_unpacked(f["certifications"][position]),
                       service_modes=_unpacked(f["service_modes"][position]))

    def mask(self, filters: SearchFilters) -> np.ndarray:
        a = self.arrays
        mask = a["live"].copy()
        if filters.kinds:
            mask &= np.isin(a["kind"], list(filters.kinds))
        for field, top, value in (("region", "province", filters.region), ("category", "top_category", filters.category)):
            if value:
                if "/" in value:
                    mask &= (a[field] == value) | np.char.startswith(a[field], value + "/")
                else:
                    mask &= a[top] == value
        if filters.origin:
            mask &= a["origin"] == filters.origin
        for certification in filters.certifications:
            mask &= np.char.find(a["certifications"], f"|{certification}|") >= 0
        if filters.service_modes:
            any_mode = np.zeros_like(mask)
            for mode in filters.service_modes:
                any_mode |= np.char.find(a["service_modes"], f"|{mode}|") >= 0
            mask &= any_mode
        with np.errstate(invalid="ignore"):
            if filters.price_min is not None:
                mask &= a["price_high"] >= filters.price_min
            if filters.price_max is not None:
                mask &= a["price_low"] <= filters.price_max
        return mask


def _filter_sql(filters: SearchFilters) -> tuple[str, list]:
    clauses, params = ["d.live = 1"], []
    if filters.kinds:
        clauses.append(f"d.kind IN ({','.join('?' * len(filters.kinds))})")
        params += list(filters.kinds)
    for column, value in (("region", filters.region), ("category", filters.category)):
        if value:
            clauses.append(f"(d.{column} = ? OR substr(d.{column}, 1, ?) = ?)")
            params += [value, len(value) + 1, value + "/"]
    if filters.origin:
        clauses.append("d.origin = ?")
        params.append(filters.origin)
    for certification in filters.certifications:
        clauses.append("instr(d.certifications, ?) > 0")
        params.append(f"|{certification}|")
    if filters.service_modes:
        clauses.append("(" + " OR ".join("instr(d.service_modes, ?) > 0" for _ in filters.service_modes) + ")")
        params += [f"|{mode}|" for mode in filters.service_modes]
    if filters.price_min is not None:
        clauses.append("d.price_high >= ?")
        params.append(filters.price_min)
    if filters.price_max is not None:
        clauses.append("d.price_low <= ?")
        params.append(filters.price_max)
    return " AND ".join(clauses), params


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: str | os.PathLike) -> None:
        self.directory = Path(path)
        self._local = threading.local()
        self._memory = _Memory()
        self._memory_lock = threading.Lock()

    # -- connections -------------------------------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.directory / "CURRENT"

    def _current_file(self) -> Path:
        if not self._pointer.exists():
            self.directory.mkdir(parents=True, exist_ok=True)
            self._point_to(self._new_file(), only_if_absent=True)
        return self.directory / self._pointer.read_text(encoding="utf-8").strip()

    def _new_file(self) -> Path:
        return self.directory / f"index-{uuid.uuid4().hex[:12]}.sqlite3"

    def _point_to(self, database: Path, only_if_absent: bool = False) -> None:
        """Atomically make `database` the live file. The first creation uses link(), which fails if
        another process or thread got there first, so everyone agrees on one initial file."""
        staged = self.directory / f"CURRENT.{uuid.uuid4().hex[:8]}"
        staged.write_text(database.name, encoding="utf-8")
        if not only_if_absent:
            os.replace(staged, self._pointer)
            return
        try:
            os.link(staged, self._pointer)
        except FileExistsError:
            pass
        finally:
            staged.unlink()

    def _connect(self, path: Path) -> sqlite3.Connection:
        connection = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        connection.row_factory = sqlite3.Row
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.executescript(SCHEMA)
        connection.execute("INSERT OR IGNORE INTO meta VALUES ('file_id', ?)", (uuid.uuid4().hex,))
        connection.execute("INSERT OR IGNORE INTO meta VALUES ('generation', '0')")
        return connection

    def _db(self) -> sqlite3.Connection:
        """This thread's connection to the live file, reopened when a rebuild has swapped files."""
        current = self._local.__dict__.get("connection")
        live = self._current_file()
        if current is None or live != self._local.file:
            if current is not None:
                current.close()
            current = self._connect(live)
            self._local.connection, self._local.file = current, live
        return current

    def _meta(self, db: sqlite3.Connection, key: str) -> str | None:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def ensure_ready(self) -> None:
        self._db()

    # -- writes ------------------------------------------------------------------------------------
    def write(self, ops: Sequence[Upsert | Delete]) -> list[WriteResult]:
        return self._write_on(self._db(), ops)

    def _write_on(self, db: sqlite3.Connection, ops: Sequence[Upsert | Delete]) -> list[WriteResult]:
        results: list[WriteResult] = []
        db.execute("BEGIN IMMEDIATE")
        try:
            generation = int(self._meta(db, "generation")) + 1
            dimension = self._meta(db, "dimension")
            for op in ops:
                results.append(self._apply(db, op, generation, dimension))
                if dimension is None and isinstance(op, Upsert) and results[-1].status == "ok":
                    dimension = str(op.vector.shape[0])
                    db.execute("INSERT OR REPLACE INTO meta VALUES ('dimension', ?)", (dimension,))
            db.execute("UPDATE meta SET value = ? WHERE key = 'generation'", (str(generation),))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return results

    def _apply(self, db: sqlite3.Connection, op: Upsert | Delete, generation: int, dimension: str | None) -> WriteResult:
        row = db.execute("SELECT id, version FROM docs WHERE doc_id = ?", (op.doc_id,)).fetchone()
        if row is not None and row["version"] >= op.version:
            return WriteResult(op.doc_id, "stale")
        if isinstance(op, Delete):
            if row is None:
                db.execute("INSERT INTO docs (doc_id, version, live, generation) VALUES (?, ?, 0, ?)",
                           (op.doc_id, op.version, generation))
            else:
                db.execute("UPDATE docs SET version = ?, live = 0, generation = ?, title = NULL, body = NULL, "
                           "terms = NULL, vector = NULL WHERE id = ?", (op.version, generation, row["id"]))
                db.execute("DELETE FROM fts WHERE rowid = ?", (row["id"],))
            return WriteResult(op.doc_id, "ok")
        vector = np.asarray(op.vector, dtype=np.float32)
        if dimension is not None and vector.shape != (int(dimension),):
            return WriteResult(op.doc_id, "error", f"vector has {vector.shape} dimensions, index has {dimension}")
        document = op.document
        title_terms = analysis.index_terms(document.title)
        body_terms = analysis.index_terms(document.body)
        values = dict(
            doc_id=document.doc_id, version=document.version, generation=generation, kind=document.kind,
            ref=document.ref, title=document.title, body=document.body, terms=" ".join(set(title_terms + body_terms)),
            category=document.category, region=document.region, origin=document.origin,
            certifications=_packed(document.certifications), service_modes=_packed(document.service_modes),
            price_low=document.price_low, price_high=document.price_high, completeness=document.completeness,
            vector=vector.tobytes())
        columns = ", ".join(values)
        if row is None:
            cursor = db.execute(f"INSERT INTO docs (live, {columns}) VALUES (1, {', '.join('?' * len(values))})",
                                list(values.values()))
            rowid = cursor.lastrowid
        else:
            rowid = row["id"]
            db.execute(f"UPDATE docs SET live = 1, {', '.join(f'{c} = ?' for c in values)} WHERE id = ?",
                       [*values.values(), rowid])
            db.execute("DELETE FROM fts WHERE rowid = ?", (rowid,))
        db.execute("INSERT INTO fts (rowid, title_terms, body_terms) VALUES (?, ?, ?)",
                   (rowid, " ".join(title_terms), " ".join(body_terms)))
        return WriteResult(op.doc_id, "ok")

    # -- reads -------------------------------------------------------------------------------------
    def _fresh_memory(self, db: sqlite3.Connection) -> _Memory:
        """The in-memory copy, updated with the rows written since it was last read."""
        with self._memory_lock:
            file_id = self._meta(db, "file_id")
            generation = int(self._meta(db, "generation"))
            memory = self._memory
            if memory.file_id != file_id:
                memory = self._memory = _Memory()
                memory.file_id = file_id
            if generation != memory.generation or not memory.arrays:
                rows = db.execute("SELECT doc_id, live, kind, ref, category, region, origin, certifications, "
                                  "service_modes, price_low, price_high, completeness, vector FROM docs "
                                  "WHERE generation > ?", (memory.generation,)).fetchall()
                memory.apply(rows, int(self._meta(db, "dimension") or 0))
                memory.generation = generation
            return memory

    def candidates(self, query: BackendQuery) -> Candidates:
        db = self._db()
        db.execute("BEGIN")  # one snapshot for the SQL leg and the in-memory refresh
        try:
            memory = self._fresh_memory(db)
            result = Candidates()
            if query.keyword_depth:
                result.keyword, result.keyword_total = self._keyword_leg(db, query)
        finally:
            db.execute("COMMIT")
        mask = memory.mask(query.filters) if memory.arrays else np.zeros(0, dtype=bool)
        if query.vector is not None and mask.any() and memory.matrix.shape[1] == query.vector.shape[0]:
            result.vector = self._vector_leg(memory, mask, query)
        for doc_id, _ in result.keyword + result.vector:
            position = memory.rows.get(doc_id)
            if position is not None and doc_id not in result.info:
                result.info[doc_id] = memory.info(position)
        result.keyword = [(d, s) for d, s in result.keyword if d in result.info]
        return result

    def _keyword_leg(self, db: sqlite3.Connection, query: BackendQuery) -> tuple[list[tuple[str, float]], int]:
        where, params = _filter_sql(query.filters)
        if not query.groups:
            total = db.execute(f"SELECT count(*) FROM docs d WHERE {where}", params).fetchone()[0]
            rows = db.execute(f"SELECT d.doc_id, d.completeness FROM docs d WHERE {where} "
                              "ORDER BY d.completeness DESC, d.id DESC LIMIT ?", [*params, query.keyword_depth])
            return [(r[0], float(r[1] or 0)) for r in rows], total
        found: dict[str, float] = {}
        for combine in ("AND", "OR") if len(query.groups) > 1 else ("AND",):
            rows = db.execute(
                f"SELECT d.doc_id, bm25(fts, {TITLE_WEIGHT}, 1.0) AS rank FROM fts JOIN docs d ON d.id = fts.rowid "
                f"WHERE fts MATCH ? AND {where} ORDER BY rank LIMIT ?",
                [_fts_query(query.groups, combine), *params, query.keyword_depth]).fetchall()
            for doc_id, rank in rows:
                found.setdefault(doc_id, -rank)  # AND matches stay ahead of OR-only ones
            if len(found) >= AND_ENOUGH:
                break
        ranked = list(found.items())[:query.keyword_depth]
        return ranked, len(ranked)

    def _vector_leg(self, memory: _Memory, mask: np.ndarray, query: BackendQuery) -> list[tuple[str, float]]:
        scores = memory.matrix @ query.vector.astype(np.float32)
        scores[~mask] = -np.inf
        depth = min(query.vector_depth, int(mask.sum()))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        ids = memory.fields["doc_id"]
        return [(ids[i], float(scores[i])) for i in top if scores[i] >= query.min_similarity]

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]:
        if not doc_ids:
            return {}
        rows = self._db().execute(
            f"SELECT doc_id, title, body, terms FROM docs WHERE live = 1 AND doc_id IN ({','.join('?' * len(doc_ids))})",
            list(doc_ids)).fetchall()
        return {r["doc_id"]: DocText(r["title"] or "", r["body"] or "", frozenset((r["terms"] or "").split()))
                for r in rows}

    def versions(self) -> dict[str, int]:
        return dict(self._db().execute("SELECT doc_id, version FROM docs WHERE live = 1").fetchall())

    def count(self) -> int:
        return self._db().execute("SELECT count(*) FROM docs WHERE live = 1").fetchone()[0]

    # -- maintenance -------------------------------------------------------------------------------
    def rebuild(self, upserts: Iterable[Upsert]) -> None:
        """Write a complete new file next to the old one, keep the old tombstones, then swap."""
        old_path = self._current_file()
        fresh_path = self._new_file()
        fresh = self._connect(fresh_path)
        try:
            batch: list[Upsert] = []
            for upsert in upserts:
                batch.append(upsert)
                if len(batch) >= INSERT_BATCH:
                    self._write_to(fresh, batch)
                    batch = []
            self._write_to(fresh, batch)
            if old_path.exists():
                fresh.execute("ATTACH DATABASE ? AS old", (str(old_path),))
                fresh.execute("INSERT OR IGNORE INTO docs (doc_id, version, live, generation) "
                              "SELECT doc_id, version, 0, 1 FROM old.docs WHERE live = 0")
                fresh.execute("DETACH DATABASE old")
            fresh.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            fresh.close()
        self._point_to(fresh_path)
        # Readers still holding the old file keep reading it until their next query reopens.
        for suffix in ("", "-wal", "-shm"):
            Path(str(old_path) + suffix).unlink(missing_ok=True)

    def _write_to(self, connection: sqlite3.Connection, batch: list[Upsert]) -> None:
        failed = [r for r in self._write_on(connection, batch) if r.status == "error"] if batch else []
        if failed:
            raise ValueError(f"rebuild failed for {len(failed)} documents, e.g. {failed[0].doc_id}: {failed[0].error}")

    def clear(self) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM docs")
        db.execute("DELETE FROM fts")
        db.execute("DELETE FROM meta WHERE key = 'dimension'")
        db.execute("UPDATE meta SET value = ? WHERE key = 'file_id'", (uuid.uuid4().hex,))
        db.execute("COMMIT")

    def close(self) -> None:
        connection = self._local.__dict__.pop("connection", None)
        if connection is not None:
            connection.close()
