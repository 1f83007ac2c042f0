"""The embedded backend (the default; no server): a SQLite file holds the listings (versions,
tombstones, filter fields, term postings, vectors), and each process keeps an in-memory numpy copy for
BM25 (search.inverted), filter masks, facet counts and cosine top-k (exact, or approximate through
search.ann).

Vector search: vectors are kept as float16 in a torch matrix (torch is loaded for the embedding model
anyway), and a filter that keeps few listings is scored exactly over just those rows. Scoring every row
costs 15 ms at 100k listings (one thread), so from ANN_MIN_ROWS listings on a search that keeps many
rows goes to an approximate IVF index instead (search.ann: 2.5 ms at 100k, recall@50 0.993).

Processes: one writer (the indexer) and any number of readers (web workers) share the index. WAL gives
readers a consistent snapshot; each write transaction bumps a generation counter and stamps the rows it
touched, so a reader refreshes its in-memory copy with just those rows.

Files: `path` is a directory whose `CURRENT` file names the live database file. A rebuild writes a new
database file next to it and swaps `CURRENT` with os.replace, so readers see the old or the new index,
never a mix. Swapping the database file itself would be unsafe: its -wal and -shm files would be left
behind for connections that still have the old one open.
"""
from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from search import analysis
from search.analysis import QueryGroup
from search.ann import VectorCells
from search.backend import (
    FACET_SIZE,
    UNKNOWN_ANALYSIS,
    BackendQuery,
    BackendResult,
    BackendUnavailable,
    Delete,
    DocInfo,
    DocText,
    SearchFilters,
    Upsert,
    WriteOp,
    WriteResult,
    relaxed_stages,
)
from search.documents import matches_prefix
from search.inverted import InvertedIndex, Scorer, count_terms, encode
from search.ranking import RankingSettings

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
    category TEXT, region TEXT, origin TEXT, certifications TEXT, service_modes TEXT,
    price_low REAL, price_high REAL, completeness REAL, vector BLOB,
    length INTEGER,               -- tokens in title_terms and body_terms
    postings BLOB                 -- search.inverted.encode: (term id, title count, body count) triples
);
CREATE INDEX docs_generation ON docs (generation);
"""
# Bumped when SCHEMA changes: an index file in another format is rebuilt by `indexer verify --repair`.
# 2: in-memory postings replaced SQLite FTS5.
FORMAT = "2"
MASKS_KEPT = 64
REBUILD_BATCH = 500
OPEN_ATTEMPTS = 3
ROW_COLUMNS = ("id, doc_id, live, ref, kind, category, region, origin, certifications, service_modes, "
               "price_low, price_high, completeness, written_at, vector, length, postings")


class _Coded:
    """A text column as integer codes (-1: none) and its vocabulary: quick to mask and to count."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._codes_by_value: dict[str, int] = {}
        self.codes = np.zeros(0, dtype=np.int32)

    def grow(self, capacity: int) -> None:
        self.codes = np.concatenate([self.codes, np.full(capacity - len(self.codes), -1, dtype=np.int32)])

    def assign(self, rows: np.ndarray, values: Sequence[str | None]) -> None:
        self.codes[rows] = [-1 if not v else self._code(v) for v in values]

    def _code(self, value: str) -> int:
        code = self._codes_by_value.get(value)
        if code is None:
            code = self._codes_by_value[value] = len(self.values)
            self.values.append(value)
        return code

    def where(self, predicate: Callable[[str], bool]) -> np.ndarray:
        # A lookup by code, its last entry for -1 (no value): a fifth of what np.isin costs at 100k rows.
        accepted = np.array([predicate(value) for value in self.values] + [False], dtype=bool)
        return accepted[self.codes]

    def equal(self, value: str) -> np.ndarray:
        return self.codes == self._codes_by_value.get(value, -2)

    def counts(self, rows: np.ndarray, key: Callable[[str], str] = lambda value: value) -> dict[str, int]:
        codes = self.codes[rows]
        found = np.bincount(codes[codes >= 0], minlength=len(self.values))
        totals: dict[str, int] = {}
        for code in np.flatnonzero(found):
            name = key(self.values[code])
            totals[name] = totals.get(name, 0) + int(found[code])
        return totals


class _Flags:
    """A multi-valued text column (certifications, service modes) as one boolean array per value."""

    def __init__(self) -> None:
        self.columns: dict[str, np.ndarray] = {}
        self.capacity = 0

    def grow(self, capacity: int) -> None:
        for value, column in self.columns.items():
            self.columns[value] = np.concatenate([column, np.zeros(capacity - len(column), dtype=bool)])
        self.capacity = capacity

    def assign(self, rows: np.ndarray, value_sets: Sequence[frozenset[str]]) -> None:
        for value in set().union(*value_sets) - self.columns.keys():
            self.columns[value] = np.zeros(self.capacity, dtype=bool)
        for value, column in self.columns.items():
            column[rows] = [value in values for values in value_sets]

    def all_of(self, values: Sequence[str], mask: np.ndarray) -> None:
        for value in values:
            mask &= self.columns.get(value, False)

    def any_of(self, values: Sequence[str], mask: np.ndarray) -> None:
        wanted = np.zeros_like(mask)
        for value in values:
            wanted |= self.columns.get(value, False)
        mask &= wanted

    def counts(self, rows: np.ndarray) -> dict[str, int]:
        found = {value: int(np.count_nonzero(column[rows])) for value, column in self.columns.items()}
        return {value: count for value, count in found.items() if count}


def _top_level(path: str) -> str:
    return path.split("/", 1)[0]


class _Columns:
    """Postings, filter, facet and vector columns of one database file, as numpy arrays indexed by docs.id."""

    def __init__(self, file_id: str, ranking: RankingSettings) -> None:
        self.file_id = file_id
        self.ranking = ranking
        self.generation = -1
        self.last_term_id = 0
        self.capacity = 0
        self.doc_ids: list[str | None] = []
        self.refs: list[str | None] = []
        self.live = np.zeros(0, dtype=bool)
        self.completeness = np.zeros(0, dtype=np.float32)
        self.written_at = np.zeros(0, dtype=np.float64)
        self.price_low = np.zeros(0, dtype=np.float64)
        self.price_high = np.zeros(0, dtype=np.float64)
        self.kind, self.origin, self.region, self.category = _Coded(), _Coded(), _Coded(), _Coded()
        self.certifications, self.service_modes = _Flags(), _Flags()
        self.keywords = InvertedIndex(ranking.title_weight)
        self._masks: dict[SearchFilters, np.ndarray] = {}
        self.matrix = None  # torch float16 (capacity, dimension), created with the first vector
        self.cells: VectorCells | None = None  # the approximate index, once there are enough rows

    def _grow(self, needed: int, dimension: int) -> None:
        capacity = max(needed, 2 * self.capacity, 1024)
        extra = capacity - self.capacity
        self.doc_ids += [None] * extra
        self.refs += [None] * extra
        for name in ("live", "completeness", "written_at", "price_low", "price_high"):
            column = getattr(self, name)
            setattr(self, name, np.concatenate([column, np.zeros(extra, dtype=column.dtype)]))
        for coded in (self.kind, self.origin, self.region, self.category, self.certifications, self.service_modes,
                      self.keywords):
            coded.grow(capacity)
        if dimension:
            import torch

            matrix = torch.zeros((capacity, dimension), dtype=torch.float16)
            if self.matrix is not None and self.matrix.shape[1] == dimension:
                matrix[:self.capacity] = self.matrix
            self.matrix = matrix
        self.capacity = capacity

    def apply(self, rows: list[tuple], dimension: int) -> None:
        """Take in changed rows (ROW_COLUMNS order), a whole batch per numpy assignment."""
        self._masks.clear()
        if dimension and self.matrix is None:
            self._grow(self.capacity, dimension)  # the first upsert fixed the dimension
        if not rows:
            return
        (ids, doc_ids, live, refs, kinds, categories, regions, origins, certifications, service_modes,
         price_low, price_high, completeness, written_at, vectors, lengths, postings) = zip(*rows)
        index = np.array(ids, dtype=np.int64)
        if index.max() >= self.capacity:
            self._grow(int(index.max()) + 1, dimension)
        for position, doc_id, ref in zip(ids, doc_ids, refs):
            self.doc_ids[position], self.refs[position] = doc_id, ref
        self.live[index] = np.array(live, dtype=bool)
        self.completeness[index] = [1.0 if c is None else c for c in completeness]
        self.written_at[index] = [w or 0.0 for w in written_at]
        self.price_low[index] = [np.nan if p is None else p for p in price_low]
        self.price_high[index] = [np.nan if p is None else p for p in price_high]
        self.kind.assign(index, kinds)
        self.origin.assign(index, origins)
        self.region.assign(index, regions)
        self.category.assign(index, categories)
        self.certifications.assign(index, [frozenset(json.loads(c or "[]")) for c in certifications])
        self.service_modes.assign(index, [frozenset(json.loads(s or "[]")) for s in service_modes])
        self.keywords.replace(index, self.live, lengths, postings)
        if dimension:
            import torch

            self.matrix[torch.from_numpy(index)] = 0.0  # tombstones keep no vector
            with_vector = [i for i, v in enumerate(vectors) if v]
            block = np.frombuffer(b"".join(vectors[i] for i in with_vector), dtype=np.float32).reshape(-1, dimension)
            if with_vector:
                self.matrix[torch.from_numpy(index[with_vector])] = torch.from_numpy(block.astype(np.float16))
            if self.cells is not None:
                self.cells.replace(index, index[with_vector], block)

    def index_vectors(self) -> None:
        """Build the approximate index once there are ann_min_rows live listings, and train it again
        whenever their number has doubled since."""
        live = int(np.count_nonzero(self.live))
        if self.matrix is None or live < max(self.ranking.ann_min_rows, 1):
            return
        if self.cells is None or live >= 2 * self.cells.trained_rows:
            import torch

            rows = np.flatnonzero(self.live)
            self.cells = VectorCells(rows, self.matrix[torch.from_numpy(rows)].float().numpy(), self.ranking)

    def mask(self, filters: SearchFilters) -> np.ndarray:
        """Live rows that pass the filters (read-only). Remembered until the next change: most searches
        share a few filters, and building one costs half a millisecond at 100k listings."""
        if filters not in self._masks:
            if len(self._masks) >= MASKS_KEPT:
                self._masks.clear()
            self._masks[filters] = self._new_mask(filters)
            self._masks[filters].flags.writeable = False
        return self._masks[filters]

    def _new_mask(self, filters: SearchFilters) -> np.ndarray:
        mask = self.live.copy()
        if filters.kinds:
            mask &= self.kind.where(lambda kind: kind in filters.kinds)
        if filters.region:
            mask &= self.region.where(lambda region: matches_prefix(region, filters.region))
        if filters.category:
            mask &= self.category.where(lambda category: matches_prefix(category, filters.category))
        if filters.origin:
            mask &= self.origin.equal(filters.origin)
        self.certifications.all_of(filters.certifications, mask)
        if filters.service_modes:
            self.service_modes.any_of(filters.service_modes, mask)
        with np.errstate(invalid="ignore"):  # listings without a price never pass a price filter
            if filters.price_min is not None:
                mask &= self.price_high >= filters.price_min
            if filters.price_max is not None:
                mask &= self.price_low <= filters.price_max
        return mask

    def facets(self, rows: np.ndarray, names: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
        counters = {
            "kind": lambda: self.kind.counts(rows),
            "region": lambda: self.region.counts(rows, _top_level),
            "category": lambda: self.category.counts(rows, _top_level),
            "origin": lambda: self.origin.counts(rows),
            "certification": lambda: self.certifications.counts(rows),
            "service_mode": lambda: self.service_modes.counts(rows),
        }
        return {name: sorted(counters[name]().items(), key=lambda item: (-item[1], item[0]))[:FACET_SIZE]
                for name in names}

    def info(self, row: int) -> DocInfo:
        return DocInfo(kind=self.kind.values[self.kind.codes[row]], ref=self.refs[row],
                       completeness=float(self.completeness[row]))


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` highest scores, best first (ties by position, for stable pages)."""
    if depth <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if depth < len(scores):
        candidates = np.argpartition(-scores, depth - 1)[:depth]
    else:
        candidates = np.arange(len(scores))
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def _exact_scores(matrix, rows: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Cosines of `rows` (ascending) with `vector`: a scan of the span the rows cover (the matrix has
    spare capacity past the last row), or a gather of the rows when they are under a third of it
    (measured: a gathered row costs about 2.5 times a scanned one)."""
    import torch

    query = torch.from_numpy(np.array(vector, dtype=np.float32)).to(torch.float16)  # a writable copy
    first, end = int(rows[0]), int(rows[-1]) + 1
    if len(rows) < (end - first) // 3:
        return (matrix.index_select(0, torch.from_numpy(rows)) @ query).float().numpy()
    return (matrix[first:end] @ query).float().numpy()[rows - first]


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: str | os.PathLike, ranking: RankingSettings) -> None:
        self.directory = Path(path)
        self.ranking = ranking
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._connections_lock = threading.Lock()
        self._columns: _Columns | None = None
        # Guards the in-memory columns: refreshes change them in place while searches read them.
        self._columns_lock = threading.Lock()

    # -- files and connections ---------------------------------------------------------------------
    @property
    def _pointer(self) -> Path:
        return self.directory / "CURRENT"

    def _live_file(self) -> Path:
        try:
            return self.directory / self._pointer.read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return self._create_first_file()

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
            connection.executemany("INSERT INTO meta VALUES (?, ?)", [("file_id", uuid.uuid4().hex), ("generation", "0"),
                                                                      ("analysis", analysis.fingerprint()),
                                                                      ("format", FORMAT)])
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

    def warm(self) -> None:
        """Load the in-memory columns (about 10 s at 100k listings, mostly vectors and postings)."""
        self._fresh_columns()

    # -- writes ------------------------------------------------------------------------------------
    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return self._write_on(self._db(), ops)

    def _write_on(self, db: sqlite3.Connection, ops: Sequence[WriteOp]) -> list[WriteResult]:
        if not ops:
            return []
        # Analyse before taking the write lock: jieba is the slow part of a write.
        terms = {id(op): (analysis.index_text(op.document.title), analysis.index_text(op.document.body))
                 for op in ops if isinstance(op, Upsert)}
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
        vector = None
        if isinstance(op, Upsert):
            vector = np.asarray(op.vector, dtype=np.float32)
            norm = float(np.linalg.norm(vector)) if vector.shape == (dimension,) else 0.0
            if vector.shape != (dimension,) or not np.isfinite(norm) or norm == 0.0:
                return WriteResult(op.doc_id, "error",
                                   f"vector of shape {vector.shape} (norm {norm}) for an index of {dimension} dimensions")
            vector = vector / norm  # cosine becomes a dot product
        if isinstance(op, Delete):
            values = dict(doc_id=op.doc_id, version=op.version, live=0, generation=generation, written_at=time.time())
        else:
            document = op.document
            title, body = count_terms(*terms)
            values = dict(
                doc_id=document.doc_id, version=document.version, live=1, generation=generation,
                written_at=time.time(), kind=document.kind, ref=document.ref, title=document.title,
                body=document.body, title_terms=terms[0], body_terms=terms[1], category=document.category,
                region=document.region, origin=document.origin, certifications=json.dumps(document.certifications),
                service_modes=json.dumps(document.service_modes), price_low=document.price_cny_low,
                price_high=document.price_cny_high, completeness=document.completeness, vector=vector.tobytes(),
                length=title.total() + body.total(), postings=encode(self._term_ids(db, title.keys() | body.keys()),
                                                                     title, body))
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
    def _refresh(self, db: sqlite3.Connection) -> _Columns:
        """The in-memory columns, brought up to the generation of the caller's read snapshot."""
        meta = self._current_meta(db)
        generation = int(meta["generation"])
        with self._columns_lock:
            columns = self._columns
            if columns is None or columns.file_id != meta["file_id"]:
                columns = self._columns = _Columns(meta["file_id"], self.ranking)
            if generation > columns.generation:
                terms = db.execute("SELECT id, term FROM terms WHERE id > ?", (columns.last_term_id,)).fetchall()
                columns.keywords.add_terms(terms)
                columns.last_term_id = max((term_id for term_id, _ in terms), default=columns.last_term_id)
                rows = db.execute(f"SELECT {ROW_COLUMNS} FROM docs WHERE generation > ?",
                                  (columns.generation,)).fetchall()
                columns.apply(rows, int(meta.get("dimension", 0)))
                columns.generation = generation
                columns.index_vectors()
            return columns

    def _fresh_columns(self) -> _Columns:
        db = self._db()
        db.execute("BEGIN")  # one snapshot for the generation and the rows the refresh reads
        try:
            return self._refresh(db)
        finally:
            db.execute("COMMIT")

    def search(self, query: BackendQuery) -> BackendResult:
        columns = self._fresh_columns()
        with self._columns_lock:
            mask = columns.mask(query.filters)
            matches = self._keyword_stages(columns.keywords, mask, query.keywords.groups, self.ranking) if (
                query.runs("keyword") and query.keywords) else []
            return self._answer(columns, mask, query, matches)

    @staticmethod
    def _keyword_stages(keywords: InvertedIndex, mask: np.ndarray, groups: Sequence[QueryGroup],
                        ranking: RankingSettings) -> list[tuple[np.ndarray, np.ndarray]]:
        """(rows, BM25 scores) of each keyword stage run: the AND of all groups, then relaxed stages
        until one finds enough_matches filtered listings."""
        scorer = Scorer(keywords)
        matches = [scorer.matches(groups, "AND")]
        if np.count_nonzero(mask[matches[0][0]]) < ranking.enough_matches and len(groups) > 1:
            frequencies = [scorer.frequency(group) for group in groups]
            for stage in relaxed_stages(groups, frequencies, keywords.listings, ranking.common_word_matches):
                matches.append(scorer.matches(stage.groups, stage.operator))
                if np.count_nonzero(mask[matches[-1][0]]) >= ranking.enough_matches:
                    break
        return matches

    def _answer(self, columns: _Columns, mask: np.ndarray, query: BackendQuery, matches: list) -> BackendResult:
        keyword: dict[int, float] = {}  # row -> score, best first
        counted = np.zeros(0, dtype=np.int64)  # the rows that total and facets describe
        if matches:
            for ids, scores in matches:  # earlier (stricter) stages' matches first
                keep = mask[ids]
                ids, scores = ids[keep], scores[keep]
                for position in _top(scores, query.keyword_depth):
                    keyword.setdefault(int(ids[position]), float(scores[position]))
                counted = ids
        elif query.runs("keyword"):  # browse
            counted = np.flatnonzero(mask)
            order = np.lexsort((-counted, -columns.written_at[counted], -columns.completeness[counted]))
            keyword = {int(row): float(columns.completeness[row]) for row in counted[order[:query.keyword_depth]]}
        vector: dict[int, float] = {}
        if query.runs("vector") and columns.matrix is not None:
            if columns.matrix.shape[1] != len(query.vector):
                raise ValueError(f"query vector has {len(query.vector)} dimensions, the index "
                                 f"{columns.matrix.shape[1]}: reindex after changing the embedding model")
            vector = self._nearest(columns, mask, query)
            if not len(counted):
                counted = np.array(list(vector), dtype=np.int64)
        return BackendResult(
            keyword=[(columns.doc_ids[row], score) for row, score in list(keyword.items())[:query.keyword_depth]],
            vector=[(columns.doc_ids[row], score) for row, score in vector.items()],
            total=len(counted), facets=columns.facets(counted, query.facets),
            info={columns.doc_ids[row]: columns.info(row) for row in {**keyword, **vector}})

    def _nearest(self, columns: _Columns, mask: np.ndarray, query: BackendQuery) -> dict[int, float]:
        rows = np.flatnonzero(mask)
        if not len(rows):
            return {}
        if columns.cells is not None and len(rows) > self.ranking.exact_max_rows:
            rows, scores = columns.cells.search(query.vector, mask, len(rows) / max(np.count_nonzero(columns.live), 1),
                                                query.vector_depth)
        else:
            rows, scores = rows, _exact_scores(columns.matrix, rows, query.vector)
        keep = scores >= query.min_similarity
        rows, scores = rows[keep], scores[keep]
        return {int(rows[p]): float(scores[p]) for p in _top(scores, query.vector_depth)}

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

    # -- maintenance -------------------------------------------------------------------------------
    def rebuild(self, upserts: Iterable[Upsert]) -> None:
        """Write a complete new file next to the live one, carry the tombstones over, then swap.

        Writes that reach the old file while this runs are not in the new one: the caller replays
        them afterwards (the indexer replays its outbox), and external versions make that idempotent.
        """
        old = self._live_file()
        fresh_path = self._new_file()
        fresh = self._connect(fresh_path)
        try:
            batch: list[Upsert] = []
            for upsert in upserts:
                batch.append(upsert)
                if len(batch) >= REBUILD_BATCH:
                    self._rebuild_batch(fresh, batch)
            self._rebuild_batch(fresh, batch)
            fresh.execute("ATTACH DATABASE ? AS old", (f"file:{old}?mode=ro",))
            fresh.execute("INSERT INTO docs (doc_id, version, live, generation, written_at) "
                          "SELECT doc_id, version, 0, 1, written_at FROM old.docs "
                          "WHERE live = 0 AND doc_id NOT IN (SELECT doc_id FROM main.docs)")
            fresh.execute("DETACH DATABASE old")
            fresh.execute("PRAGMA wal_checkpoint(TRUNCATE)")
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

    def _rebuild_batch(self, connection: sqlite3.Connection, batch: list[Upsert]) -> None:
        failed = [r for r in self._write_on(connection, batch) if r.status == "error"]
        if failed:
            raise ValueError(f"rebuild: {len(failed)} documents failed, e.g. {failed[0]}")
        batch.clear()

    def clear(self) -> None:
        db = self._db()
        db.execute("BEGIN IMMEDIATE")
        db.execute("DELETE FROM docs")
        db.execute("DELETE FROM terms")
        db.execute("DELETE FROM meta WHERE key = 'dimension'")
        db.execute("UPDATE meta SET value = ? WHERE key = 'file_id'", (uuid.uuid4().hex,))
        db.execute("COMMIT")

    def close(self) -> None:
        with self._connections_lock:
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()
        self._local = threading.local()
