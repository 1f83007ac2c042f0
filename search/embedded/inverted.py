"""The embedded backend's keyword engine: term postings held in numpy arrays, scored with BM25.

SQLite FTS5 did this before, but it computes BM25 for every match before any LIMIT, so a broad query
at 100k listings cost it about five times what these arrays cost, and more than 5,000 matches had to
be ranked by a cruder score. Here one posting list is a slice of sorted arrays and a stage is a few
vectorised operations over them, so every match gets the full BM25.

The score is FTS5's bm25() with column weights, so rankings did not change with the engine (a test
compares the two): each query alternative is a phrase; its frequency in a listing is the title weight
(RankingSettings.title_weight) times the title count plus the body count; the length is the listing's
token count; IDF is log((N - n + 0.5) / (n + 0.5)), at least 1e-6.

Updates: the index database stores, for each listing, its (term id, title count, body count) triples
(`encode`). A reader loads all of them once into a base segment; listings written later go to a small
delta segment, re-sorted at each refresh and merged into the base once it is a quarter of its size.
`owner` says which segment holds a listing's current postings, so a posting of a listing that has
changed since its segment was built is skipped.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np

from search.analysis import QueryGroup

K1, B = 1.2, 0.75  # FTS5's bm25() constants
POSTING = np.dtype([("term", "<u4"), ("title", "<u2"), ("body", "<u2")])
NOWHERE, BASE, DELTA = 0, 1, 2
MAX_COUNT = np.iinfo(np.uint16).max


def count_terms(title_terms: str, body_terms: str) -> tuple[Counter[str], Counter[str]]:
    return Counter(title_terms.split()), Counter(body_terms.split())


def encode(term_ids: dict[str, int], title: Counter[str], body: Counter[str]) -> bytes:
    """A listing's postings as stored in the index database."""
    postings = np.array([(term_ids[w], min(title[w], MAX_COUNT), min(body[w], MAX_COUNT))
                         for w in title.keys() | body.keys()], dtype=POSTING)
    return postings.tobytes()


class _Segment:
    """Postings sorted by term, then by row: a term's postings are one slice of contiguous arrays."""

    def __init__(self, terms: np.ndarray, rows: np.ndarray, frequencies: np.ndarray) -> None:
        order = np.argsort(terms, kind="stable")  # stable: rows stay ascending within a term
        self.terms, self.rows, self.frequencies = terms[order], rows[order], frequencies[order]

    @classmethod
    def decode(cls, rows: np.ndarray, encoded: Sequence[bytes | None], title_weight: float) -> _Segment:
        counts = np.array([len(p or b"") // POSTING.itemsize for p in encoded], dtype=np.int64)
        postings = np.frombuffer(b"".join(p or b"" for p in encoded), dtype=POSTING)
        frequencies = title_weight * postings["title"].astype(np.float32) + postings["body"]
        return cls(postings["term"].copy(), np.repeat(rows, counts).astype(np.int32), frequencies)

    @classmethod
    def join(cls, first: _Segment, first_kept: np.ndarray, second: _Segment) -> _Segment:
        return cls(np.concatenate([first.terms[first_kept], second.terms]),
                   np.concatenate([first.rows[first_kept], second.rows]),
                   np.concatenate([first.frequencies[first_kept], second.frequencies]))

    @classmethod
    def empty(cls) -> _Segment:
        return cls(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.rows)

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray]:
        term = np.uint32(term_id)  # a Python int would make searchsorted cast all the terms to int64
        span = slice(int(np.searchsorted(self.terms, term, "left")), int(np.searchsorted(self.terms, term, "right")))
        return self.rows[span], self.frequencies[span]


class InvertedIndex:
    """BM25 over the listings' postings; rows are the embedded index's docs.id, like its other columns."""

    def __init__(self, title_weight: float) -> None:
        self.title_weight = title_weight
        self.vocabulary: dict[str, int] = {}
        self.length = np.zeros(0, dtype=np.float32)  # tokens in title and body
        self.owner = np.zeros(0, dtype=np.int8)
        self.base, self.delta = _Segment.empty(), _Segment.empty()
        self.base_superseded = False  # some listing in the base has changed since: check owner
        self.listings = 0
        self.length_norm = np.zeros(0, dtype=np.float32)  # BM25's k1 * (1 - b + b * length / average)

    def grow(self, capacity: int) -> None:
        extra = capacity - len(self.length)
        self.length = np.concatenate([self.length, np.zeros(extra, dtype=np.float32)])
        self.owner = np.concatenate([self.owner, np.zeros(extra, dtype=np.int8)])

    def add_terms(self, terms: Sequence[tuple[int, str]]) -> None:
        self.vocabulary.update((term, term_id) for term_id, term in terms)

    def replace(self, rows: np.ndarray, live: np.ndarray, lengths: Sequence[int | None],
                encoded: Sequence[bytes | None]) -> None:
        """Take the current postings of changed rows (a deleted row has none)."""
        self.base_superseded |= bool(np.any(self.owner[rows] == BASE))
        self.owner[rows] = NOWHERE
        self.length[rows] = [n or 0 for n in lengths]
        added = _Segment.decode(rows, encoded, self.title_weight)
        if not len(self.base) and not len(self.delta):
            self.base = added
            self.owner[added.rows] = BASE
        else:
            self.delta = _Segment.join(self.delta, self.owner[self.delta.rows] == DELTA, added)
            self.owner[added.rows] = DELTA
            if len(self.delta) * 4 > len(self.base):
                self._merge()
        self.listings = int(np.count_nonzero(live))
        average = float(self.length[live].sum()) / max(self.listings, 1)
        self.length_norm = (K1 * (1 - B + B * self.length / max(average, 1e-9))).astype(np.float32)

    def _merge(self) -> None:
        self.base = _Segment.join(self.base, self.owner[self.base.rows] == BASE, self.delta)
        self.owner[self.owner == DELTA] = BASE
        self.delta = _Segment.empty()
        self.base_superseded = False

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The rows holding `term` now, and its weighted frequency in each."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32)
        rows, frequencies = self.base.postings(term_id)
        if self.base_superseded:
            current = self.owner[rows] == BASE
            rows, frequencies = rows[current], frequencies[current]
        if len(self.delta):
            delta_rows, delta_frequencies = self.delta.postings(term_id)
            current = self.owner[delta_rows] == DELTA
            rows = np.concatenate([rows, delta_rows[current]])
            frequencies = np.concatenate([frequencies, delta_frequencies[current]])
        return rows, frequencies


class Scorer:
    """One search's keyword stages: each alternative's BM25 contributions are computed once and
    reused by every stage and frequency count."""

    def __init__(self, index: InvertedIndex) -> None:
        self.index = index
        self._contributions: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._unions: dict[QueryGroup, np.ndarray] = {}
        self.size = len(index.owner)

    def _contribution(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        if term not in self._contributions:
            rows, frequencies = self.index.postings(term)
            matched = len(rows)
            idf = max(math.log((self.index.listings - matched + 0.5) / (matched + 0.5)), 1e-6)
            contribution = idf * (K1 + 1) * frequencies / (frequencies + self.index.length_norm[rows])
            self._contributions[term] = rows, contribution
        return self._contributions[term]

    def _rows(self, group: QueryGroup) -> np.ndarray:
        """Rows holding any of the group's alternatives, each once."""
        if group not in self._unions:
            rows = [self._contribution(alternative.term)[0] for alternative in group.alternatives]
            if len(rows) == 1:
                self._unions[group] = rows[0]
            else:
                found = np.zeros(self.size, dtype=bool)
                for some in rows:
                    found[some] = True
                self._unions[group] = np.flatnonzero(found)
        return self._unions[group]

    def frequency(self, group: QueryGroup) -> int:
        """Listings holding any of the group's alternatives."""
        return len(self._rows(group))

    def matches(self, groups: Sequence[QueryGroup], operator: str) -> tuple[np.ndarray, np.ndarray]:
        """Rows holding every group (AND) or any (OR), with their BM25 scores, in row order."""
        if operator == "AND" and not all(len(self._rows(group)) for group in groups):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        scores = np.zeros(self.size, dtype=np.float64)
        groups_found = np.zeros(self.size, dtype=np.int32)
        for group in groups:
            for alternative in group.alternatives:
                rows, contribution = self._contribution(alternative.term)
                scores[rows] += contribution
            groups_found[self._rows(group)] += 1
        found = np.flatnonzero(groups_found == len(groups) if operator == "AND" else groups_found)
        return found, scores[found]
