"""The embedded index in memory: one process's numpy copy of a database file's rows, as columns
indexed by docs.id: filter and facet columns, the keyword postings (search.embedded.inverted), and the
vectors, held only by their IVF index (search.embedded.ann).
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from search.backend import FACET_SIZE, DocInfo, SearchFilters
from search.documents import matches_prefix
from search.embedded import kernels
from search.embedded.ann import VectorCells
from search.embedded.inverted import Batch, InvertedIndex, decode
from search.ranking import RankingSettings

# Filter masks kept per file: most searches share a few filters.
MASKS_KEPT = 64


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
        found = np.zeros(len(self.values) + 1, dtype=np.int64)  # found[0]: rows without a value
        kernels.count_codes(self.codes, rows, found)
        totals: dict[str, int] = {}
        for code in np.flatnonzero(found[1:]):
            name = key(self.values[code])
            totals[name] = totals.get(name, 0) + int(found[code + 1])
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

    def of(self, rows: np.ndarray) -> list[tuple[str, ...]]:
        """Each row's values, sorted: one gather per value, not one numpy scalar read per value and row."""
        names = sorted(self.columns)
        found: list[list[str]] = [[] for _ in range(len(rows))]
        if names:
            held = np.stack([self.columns[name][rows] for name in names], axis=1)
            for row, value in zip(*np.nonzero(held)):  # row-major: each row's values in sorted order
                found[row].append(names[value])
        return [tuple(values) for values in found]

    def counts(self, rows: np.ndarray) -> dict[str, int]:
        found = {value: int(np.count_nonzero(column[rows])) for value, column in self.columns.items()}
        return {value: count for value, count in found.items() if count}


@functools.lru_cache(maxsize=1024)
def _value_set(stored: str | None) -> frozenset[str]:
    """A multi-valued column as stored (a JSON list): a few distinct lists recur across every row."""
    return frozenset(json.loads(stored or "[]"))


def _top_level(path: str) -> str:
    return path.split("/", 1)[0]


class Columns:
    """Postings, filter, facet and vector columns of one database file, as arrays indexed by docs.id."""

    def __init__(self, file_id: str, ranking: RankingSettings) -> None:
        self.file_id = file_id
        self.ranking = ranking
        self.generation = -1
        self.last_term_id = 0
        self.capacity = 0
        self.doc_ids: list[str] = []  # "" for a row not written yet
        self.refs: list[str] = []
        self.live = np.zeros(0, dtype=bool)
        self.completeness = np.zeros(0, dtype=np.float32)
        self.written_at = np.zeros(0, dtype=np.float64)
        self.price_low = np.zeros(0, dtype=np.float64)
        self.price_high = np.zeros(0, dtype=np.float64)
        self.kind, self.origin, self.region, self.category = _Coded(), _Coded(), _Coded(), _Coded()
        self.language = _Coded()
        self.certifications, self.service_modes = _Flags(), _Flags()
        self.keywords = InvertedIndex(ranking.title_weight)
        self._masks: dict[SearchFilters, np.ndarray] = {}
        self.dimension = 0  # the vectors' dimension; 0 before the first vector
        self.cells: VectorCells | None = None  # every live row's vector, built once the rows are in

    def __getstate__(self) -> dict[str, Any]:
        """For a checkpoint (search.embedded.checkpoint): without the filter masks, which are a cache."""
        return {**self.__dict__, "_masks": {}}

    def _grow(self, needed: int) -> None:
        capacity = max(needed, 2 * self.capacity, 1024)
        extra = capacity - self.capacity
        self.doc_ids += [""] * extra
        self.refs += [""] * extra
        for name in ("live", "completeness", "written_at", "price_low", "price_high"):
            column = getattr(self, name)
            setattr(self, name, np.concatenate([column, np.zeros(extra, dtype=column.dtype)]))
        for coded in (self.kind, self.origin, self.region, self.category, self.language, self.certifications,
                      self.service_modes, self.keywords):
            coded.grow(capacity)
        self.capacity = capacity

    def apply(self, batches: Iterable[list[tuple[Any, ...]]], dimension: int, last_row: int) -> None:
        """Take in changed rows (search.embedded.store.ROW_COLUMNS order) batch by batch, a whole batch per
        numpy assignment; `last_row` is the highest row id the store holds."""
        self._masks.clear()
        self.dimension = dimension
        if last_row >= self.capacity:
            self._grow(last_row + 1)
        postings = [self._assign(rows, dimension) for rows in batches]
        if postings:
            self.keywords.replace(postings, self.live)

    def _assign(self, rows: list[tuple[Any, ...]], dimension: int) -> Batch:
        """Assign one batch's columns and vectors; returns its postings, decoded for the keyword index."""
        (ids, doc_ids, live, refs, kinds, categories, regions, origins, certifications, service_modes, languages,
         price_low, price_high, completeness, written_at, vectors, postings) = zip(*rows, strict=True)
        index = np.array(ids, dtype=np.int64)
        for position, doc_id, ref in zip(ids, doc_ids, refs, strict=True):
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
        self.language.assign(index, languages)
        self.certifications.assign(index, [_value_set(c) for c in certifications])
        self.service_modes.assign(index, [_value_set(s) for s in service_modes])
        if self.cells is not None:  # before it is built, index_vectors reads every vector from the store
            with_vector = [i for i, v in enumerate(vectors) if v]
            block = np.frombuffer(b"".join(vectors[i] for i in with_vector), dtype=np.float32).reshape(-1, dimension)
            self.cells.replace(index, index[with_vector], block)
        return decode(index, postings, self.keywords.title_weight)

    def index_vectors(self, stored_vectors: Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]) -> None:
        """Build the vectors' index from `stored_vectors` (batches of live rows and their vectors, from the
        index store) once there are any, and again whenever the live rows have doubled since: k-means cells
        trained on fewer listings grow long."""
        live = int(np.count_nonzero(self.live))
        if not self.dimension or not live or (self.cells is not None and live < 2 * self.cells.trained_rows):
            return
        rows, vectors = [], []
        for batch_rows, batch_vectors in stored_vectors():
            rows.append(batch_rows)
            vectors.append(batch_vectors.astype(np.float16))  # as the index keeps them: half the float32 copy
        if rows:
            self.cells = VectorCells(np.concatenate(rows), np.concatenate(vectors), self.ranking)

    def mask(self, filters: SearchFilters) -> np.ndarray:
        """Live rows that pass the filters (read-only). Remembered until the next change: most searches
        share a few filters, and building one is a pass over every row."""
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
        region, category = filters.region, filters.category
        if region:
            mask &= self.region.where(lambda value: matches_prefix(value, region))
        if category:
            mask &= self.category.where(lambda value: matches_prefix(value, category))
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

    def info(self, rows: list[int]) -> dict[str, DocInfo]:
        """What ranking needs of each candidate row, by doc id: read a column at a time."""
        index = np.array(rows, dtype=np.int64)
        columns = zip(rows, self.kind.codes[index].tolist(), self.completeness[index].tolist(),
                      self.region.codes[index].tolist(), self.certifications.of(index),
                      self.language.codes[index].tolist())
        return {self.doc_ids[row]: DocInfo(kind=self.kind.values[kind], ref=self.refs[row], completeness=completeness,
                                           region=self.region.values[region] if region >= 0 else None,
                                           certifications=certifications,
                                           language=self.language.values[language] if language >= 0 else "")
                for row, kind, completeness, region, certifications, language in columns}
