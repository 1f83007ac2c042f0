"""The embedded backend's searches: both legs over the in-memory columns, which it keeps up to date
with the index store before each search.

Keyword leg: BM25 over the postings (search.embedded.inverted), the AND of the query's groups, then the
relaxed stages while too few filtered listings match. Vector leg: the IVF index (search.embedded.ann),
exact for a filter that keeps at most RankingSettings.exact_max_rows listings and for a catalogue under
ann_min_rows, approximate otherwise (why these thresholds: search/ranking.py and
bench/results/search.md).
"""
from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterable, Sequence

import numpy as np

from search.analysis import QueryGroup
from search.backend import BackendQuery, BackendResult, DocText, Upsert, WriteOp, WriteResult, relaxed_stages
from search.embedded import checkpoint
from search.embedded.columns import Columns
from search.embedded.inverted import InvertedIndex, Scorer
from search.embedded.store import IndexStore, Snapshot
from search.ranking import RankingSettings


def _top(scores: np.ndarray, depth: int) -> np.ndarray:
    """Positions of the `depth` highest scores, best first (ties by position, for stable pages)."""
    if depth <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if depth < len(scores):
        candidates = np.argpartition(-scores, depth - 1)[:depth]
    else:
        candidates = np.arange(len(scores))
    return candidates[np.lexsort((candidates, -scores[candidates]))]


def _return_freed_heap() -> None:
    """Hand the memory a whole index's load (or its checkpoint's) used and freed back to the system.
    glibc keeps freed heap for reuse, so a server's master would hold it and its forked workers inherit
    it: at 100k listings about 0.3 GB (docs/perf-log.md, 2026-12-04). Other C libraries: nothing to do."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is not None:
        trim(0)


def _catch_up(columns: Columns, snapshot: Snapshot) -> None:
    """Bring the columns to the snapshot's generation: its new terms, changed rows and vectors."""
    if snapshot.generation <= columns.generation:
        return
    terms = snapshot.terms_after(columns.last_term_id)
    columns.keywords.add_terms(terms)
    columns.last_term_id = max((term_id for term_id, _ in terms), default=columns.last_term_id)
    columns.apply(snapshot.rows_after(columns.generation), snapshot.dimension, snapshot.last_row())
    columns.generation = snapshot.generation
    columns.index_vectors(snapshot.vectors)


class EmbeddedBackend:
    name = "embedded"

    def __init__(self, path: str | os.PathLike[str], ranking: RankingSettings) -> None:
        self.store = IndexStore(path)
        self.ranking = ranking
        self._columns: Columns | None = None
        # Guards the in-memory columns: refreshes change them in place while searches read them.
        self._columns_lock = threading.Lock()

    def ensure_ready(self) -> None:
        self.store.ensure_ready()

    def warm(self) -> None:
        """Load the in-memory columns (at 100k listings, mostly vectors and postings): from the checkpoint
        an earlier process saved, then the rows written since, or else from every row."""
        self._fresh_columns()

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        return self.store.write(ops)

    # -- reads -------------------------------------------------------------------------------------
    def _fresh_columns(self) -> Columns:
        """The in-memory columns, brought up to the generation of one read snapshot of the store."""
        with self.store.snapshot() as snapshot, self._columns_lock:
            columns, replaced = self._columns, False
            if columns is None or columns.file_id != snapshot.file_id:
                columns = self._columns = (checkpoint.load(self.store.directory, snapshot.file_id, self.ranking)
                                           or Columns(snapshot.file_id, self.ranking))
                replaced = True
            loading = columns.generation < 0
            _catch_up(columns, snapshot)
            if loading:
                checkpoint.save(columns, self.store.directory)
            if replaced:
                _return_freed_heap()
            return columns

    def search(self, query: BackendQuery) -> BackendResult:
        columns = self._fresh_columns()
        with self._columns_lock:
            mask = columns.mask(query.filters)
            scorer = Scorer(columns.keywords)
            matches = self._keyword_stages(scorer, columns.keywords, mask, query.keywords.groups) if (
                query.runs("keyword") and query.keywords) else []
            result = self._answer(columns, mask, query, matches)
            if query.frequencies or (matches and not result.complete_match):
                result.frequencies = {group: scorer.frequency(group) for group in query.keywords.groups}
                result.listings = columns.keywords.listings
            return result

    def _keyword_stages(self, scorer: Scorer, keywords: InvertedIndex, mask: np.ndarray,
                        groups: Sequence[QueryGroup]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(rows, BM25 scores) of each keyword stage run: the AND of all groups, then relaxed stages
        until one finds enough_matches filtered listings."""
        enough = self.ranking.enough_matches
        matches = [scorer.matches(groups, "AND")]
        if np.count_nonzero(mask[matches[0][0]]) < enough and len(groups) > 1:
            frequencies = [scorer.frequency(group) for group in groups]
            for stage in relaxed_stages(groups, frequencies, keywords.listings, self.ranking.common_word_matches):
                matches.append(scorer.matches(stage.groups, stage.operator))
                if np.count_nonzero(mask[matches[-1][0]]) >= enough:
                    break
        return matches

    def _answer(self, columns: Columns, mask: np.ndarray, query: BackendQuery,
                matches: list[tuple[np.ndarray, np.ndarray]]) -> BackendResult:
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
        if query.vector is not None and query.runs("vector") and columns.dimension:
            if columns.dimension != len(query.vector):
                raise ValueError(f"query vector has {len(query.vector)} dimensions, the index "
                                 f"{columns.dimension}: reindex after changing the embedding model")
            vector = self._nearest(columns, mask, query.vector, query)
            if not len(counted):
                counted = np.array(list(vector), dtype=np.int64)
        return BackendResult(
            keyword=[(columns.doc_ids[row], score) for row, score in list(keyword.items())[:query.keyword_depth]],
            vector=[(columns.doc_ids[row], score) for row, score in vector.items()],
            total=len(counted), facets=columns.facets(counted, query.facets),
            info=columns.info(list({**keyword, **vector})),
            complete_match=bool(matches) and bool(np.count_nonzero(mask[matches[0][0]])))

    def _nearest(self, columns: Columns, mask: np.ndarray, vector: np.ndarray,
                 query: BackendQuery) -> dict[int, float]:
        kept = int(np.count_nonzero(mask))
        if not kept or columns.cells is None:
            return {}
        rows, scores = columns.cells.search(vector, mask, kept / max(int(np.count_nonzero(columns.live)), 1),
                                            query.vector_depth, exact=kept <= self.ranking.exact_max_rows)
        keep = scores >= query.min_similarity
        rows, scores = rows[keep], scores[keep]
        return {int(rows[p]): float(scores[p]) for p in _top(scores, query.vector_depth)}

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]:
        return self.store.texts(doc_ids)

    def versions(self) -> dict[str, int]:
        return self.store.versions()

    def count(self) -> int:
        return self.store.count()

    def analysed_with(self) -> str | None:
        return self.store.analysed_with()

    # -- maintenance -------------------------------------------------------------------------------
    def embedded_with(self) -> str | None:
        return self.store.embedded_with()

    def rebuild(self, upserts: Iterable[Upsert]) -> list[WriteResult]:
        return self.store.rebuild(upserts, before_swap=self._save_checkpoint)

    def _save_checkpoint(self, snapshot: Snapshot) -> None:
        """Build the new file's columns once, in the rebuilding process, and save them before the file
        goes live: the servers then start from the checkpoint in seconds instead of each building the
        columns from every row (62 s at 1M listings, bench/results/search-1m.md)."""
        if snapshot.last_row() < checkpoint.MIN_ROWS:
            return  # too small to save (checkpoint.save would skip it): do not build the columns for nothing
        columns = Columns(snapshot.file_id, self.ranking)
        _catch_up(columns, snapshot)
        checkpoint.save(columns, self.store.directory)
        del columns
        _return_freed_heap()  # the rebuilding process (the indexer) goes on without them

    def clear(self) -> None:
        self.store.clear()

    def close(self) -> None:
        self.store.close()
