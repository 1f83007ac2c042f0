"""The embedded backend's keyword engine: term postings held in numpy arrays, scored with BM25F.

SQLite FTS5 did this before, but it computes BM25 for every match before any LIMIT, so a broad query
at 100k listings cost it about five times what these arrays cost, and more than 5,000 matches had to
be ranked by a cruder score. Here one posting list is a slice of sorted arrays and a stage is a few
vectorised operations over them, so every match gets the full BM25.

The score is the one OpenSearch gives the same listing (Lucene's combined-fields BM25F, which
search.opensearch.queries asks for), so both backends rank alike; tests/search/test_backend_contract.py
compares them. A listing is one pseudo-field: a term's frequency is the title weight
(RankingSettings.title_weight) times its title count plus its body count, the length is the title
weight times the title's length plus the body's, each length rounded as Lucene stores it
(`stored_length`); the term's document count is the larger of its title's and body's, and IDF is
log(1 + (N - n + 0.5) / (n + 0.5)) with N the listings holding any text (Lucene's docCount).

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
from typing import NamedTuple

import numpy as np

from search.analysis import QueryGroup
from search.embedded import kernels

K1, B = 1.2, 0.75  # Lucene's (and so OpenSearch's) BM25 defaults
POSTING = np.dtype([("term", "<u4"), ("title", "<u2"), ("body", "<u2")])
IN_TITLE, IN_BODY = 1, 2  # a posting's fields, as bits
NOWHERE, BASE, DELTA = 0, 1, 2
MAX_COUNT = np.iinfo(np.uint16).max


def stored_length(length: np.ndarray) -> np.ndarray:
    """Field lengths as Lucene keeps them in its one-byte norms (SmallFloat.intToByte4, then back):
    exact below 24, above that 24 plus the rest rounded down to four significant bits."""
    length = np.asarray(length, dtype=np.int64)
    rest = np.maximum(length - EXACT_LENGTHS, 0)
    shift = np.maximum(np.floor(np.log2(np.maximum(rest, 1))).astype(np.int64) - 3, 0)
    return np.where(length < EXACT_LENGTHS, length, EXACT_LENGTHS + ((rest >> shift) << shift))


EXACT_LENGTHS = 24


def count_terms(title_terms: str, body_terms: str) -> tuple[Counter[str], Counter[str]]:
    return Counter(title_terms.split()), Counter(body_terms.split())


def encode(term_ids: dict[str, int], title: Counter[str], body: Counter[str]) -> bytes:
    """A listing's postings as stored in the index database."""
    postings = np.array([(term_ids[w], min(title[w], MAX_COUNT), min(body[w], MAX_COUNT))
                         for w in title.keys() | body.keys()], dtype=POSTING)
    return postings.tobytes()


class Batch(NamedTuple):
    """Some listings' postings as decoded, before a segment sorts them, and each listing's lengths."""
    rows: np.ndarray
    title_length: np.ndarray  # tokens in each listing's title, in its body
    body_length: np.ndarray
    postings: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # terms, rows, frequencies, fields


def decode(rows: np.ndarray, encoded: Sequence[bytes | None], title_weight: float) -> Batch:
    """The postings of `rows` as stored in the index database (`encode`), one entry per row."""
    counts = np.array([len(p or b"") // POSTING.itemsize for p in encoded], dtype=np.int64)
    postings = np.frombuffer(b"".join(p or b"" for p in encoded), dtype=POSTING)
    title, body = postings["title"].astype(np.float32), postings["body"].astype(np.float32)
    fields = np.where(title > 0, IN_TITLE, 0) | np.where(body > 0, IN_BODY, 0)
    listing = np.repeat(np.arange(len(rows)), counts)
    return Batch(rows, np.bincount(listing, weights=title, minlength=len(rows)),
                 np.bincount(listing, weights=body, minlength=len(rows)),
                 (postings["term"].copy(), np.repeat(rows, counts).astype(np.int32), title_weight * title + body,
                  fields.astype(np.uint8)))


class _Segment:
    """Postings sorted by term, then by row: a term's postings are one slice of contiguous arrays, its
    rows ascending. `starts[t]` is where term id t's slice starts, so the sorted terms themselves are not
    kept (at 1M listings 89M postings: 0.36 GB less)."""

    def __init__(self, terms: np.ndarray, rows: np.ndarray, frequencies: np.ndarray, fields: np.ndarray) -> None:
        self.starts = np.zeros(int(terms.max()) + 2 if len(terms) else 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(self.starts) - 1), out=self.starts[1:])
        # A term's rows must ascend (the Scorer finds rows by binary search). A whole load arrives in row
        # order, so sorting terms stably is enough; a merge appends the delta's rows after the base's, and
        # then the postings are sorted by term and row (measured a fifth slower at 30M postings).
        order = np.argsort(terms, kind="stable")
        self.rows = rows[order]
        if not self._rows_ascend():
            order = np.argsort((terms.astype(np.uint64) << np.uint64(32)) | rows.astype(np.uint64))
            self.rows = rows[order]
        self.frequencies, self.fields = frequencies[order], fields[order]

    def _rows_ascend(self) -> bool:
        descending = self.rows[1:] < self.rows[:-1]
        boundaries = self.starts[(self.starts > 0) & (self.starts < len(self.rows))]
        descending[boundaries - 1] = False  # the last row of one term and the first of the next
        return not np.any(descending)

    def terms(self) -> np.ndarray:
        """Each posting's term id, as the segment was built from."""
        return np.repeat(np.arange(len(self.starts) - 1, dtype=np.uint32), np.diff(self.starts))

    @classmethod
    def of(cls, batches: Sequence[Batch]) -> _Segment:
        """The segment of these batches' postings: their arrays joined, then sorted once."""
        return cls(*(np.concatenate(column) for column in zip(*(batch.postings for batch in batches), strict=True)))

    @classmethod
    def join(cls, first: _Segment, first_kept: np.ndarray, second: _Segment) -> _Segment:
        return cls(np.concatenate([first.terms()[first_kept], second.terms()]),
                   np.concatenate([first.rows[first_kept], second.rows]),
                   np.concatenate([first.frequencies[first_kept], second.frequencies]),
                   np.concatenate([first.fields[first_kept], second.fields]))

    @classmethod
    def empty(cls) -> _Segment:
        return cls(np.zeros(0, dtype=np.uint32), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32),
                   np.zeros(0, dtype=np.uint8))

    def __len__(self) -> int:
        return len(self.rows)

    def postings(self, term_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if term_id + 1 >= len(self.starts):  # a term added after this segment was built
            return self.rows[:0], self.frequencies[:0], self.fields[:0]
        span = slice(int(self.starts[term_id]), int(self.starts[term_id + 1]))
        return self.rows[span], self.frequencies[span], self.fields[span]


class InvertedIndex:
    """BM25 over the listings' postings; rows are the embedded index's docs.id, like its other columns."""

    def __init__(self, title_weight: float) -> None:
        self.title_weight = title_weight
        self.vocabulary: dict[str, int] = {}
        self.title_length = np.zeros(0, dtype=np.float32)  # tokens in the title, in the body
        self.body_length = np.zeros(0, dtype=np.float32)
        self.owner = np.zeros(0, dtype=np.int8)
        self.base, self.delta = _Segment.empty(), _Segment.empty()
        self.base_superseded = False  # some listing in the base has changed since: check owner
        self.listings = 0
        self.with_text = 0  # BM25's N: the listings holding title or body terms (Lucene's docCount)
        self.length_norm = np.zeros(0, dtype=np.float32)  # BM25's k1 * (1 - b + b * length / average)

    def grow(self, capacity: int) -> None:
        extra = capacity - len(self.title_length)
        self.title_length = np.concatenate([self.title_length, np.zeros(extra, dtype=np.float32)])
        self.body_length = np.concatenate([self.body_length, np.zeros(extra, dtype=np.float32)])
        self.owner = np.concatenate([self.owner, np.zeros(extra, dtype=np.int8)])

    def add_terms(self, terms: Sequence[tuple[int, str]]) -> None:
        self.vocabulary.update((term, term_id) for term_id, term in terms)

    def replace(self, batches: Sequence[Batch], live: np.ndarray) -> None:
        """Take the current postings of changed rows (a deleted row has none), decoded batch by batch
        (`decode`): a whole index's load is sorted once, not once per batch."""
        rows = np.concatenate([batch.rows for batch in batches])
        self.base_superseded |= bool(np.any(self.owner[rows] == BASE))
        self.owner[rows] = NOWHERE
        for batch in batches:
            self.title_length[batch.rows], self.body_length[batch.rows] = batch.title_length, batch.body_length
        added = _Segment.of(batches)
        if not len(self.base) and not len(self.delta):
            self.base = added
            self.owner[added.rows] = BASE
        else:
            self.delta = _Segment.join(self.delta, self.owner[self.delta.rows] == DELTA, added)
            self.owner[added.rows] = DELTA
            if len(self.delta) * 4 > len(self.base):
                self._merge()
        self.listings = int(np.count_nonzero(live))
        title, body = self.title_length * live, self.body_length * live
        self.with_text = max(int(np.count_nonzero(title)), int(np.count_nonzero(body)))
        average = (self.title_weight * float(title.sum()) + float(body.sum())) / max(self.with_text, 1)
        # Lucene adds the fields' stored lengths, rounds half up and stores the sum the same way.
        length = stored_length(np.floor(self.title_weight * stored_length(title) + stored_length(body) + 0.5))
        self.length_norm = (K1 * (1 - B + B * length / max(average, 1e-9))).astype(np.float32)

    def _merge(self) -> None:
        self.base = _Segment.join(self.base, self.owner[self.base.rows] == BASE, self.delta)
        self.owner[self.owner == DELTA] = BASE
        self.delta = _Segment.empty()
        self.base_superseded = False

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rows holding `term` now (ascending), its weighted frequency in each, and the fields (bits)
        holding it."""
        term_id = self.vocabulary.get(term)
        if term_id is None:
            return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32), np.zeros(0, dtype=np.uint8)
        rows, frequencies, fields = self.base.postings(term_id)
        if self.base_superseded:
            current = self.owner[rows] == BASE
            rows, frequencies, fields = rows[current], frequencies[current], fields[current]
        if len(self.delta):
            delta_rows, delta_frequencies, delta_fields = self.delta.postings(term_id)
            current = self.owner[delta_rows] == DELTA
            if np.any(current):
                # Two ascending runs: a stable sort merges them in linear time.
                order = np.argsort(np.concatenate([rows, delta_rows[current]]), kind="stable")
                rows = np.concatenate([rows, delta_rows[current]])[order]
                frequencies = np.concatenate([frequencies, delta_frequencies[current]])[order]
                fields = np.concatenate([fields, delta_fields[current]])[order]
        return rows, frequencies, fields


class _Term(NamedTuple):
    rows: np.ndarray  # ascending
    frequencies: np.ndarray
    idf: float


class Scorer:
    """One search's keyword stages. A stage makes one pass over each of its terms' postings, adding
    every posting's BM25 contribution into a score per row and counting the query groups each row holds
    (search.embedded.kernels, compiled): its cost follows the postings, at 1M listings a million or so
    for a query whose words have a few synonyms each. An AND stage whose rarest group is in very few rows
    looks those rows up in the other terms' postings by binary search instead, so its cost follows the
    rarest group rather than the commonest word (at 1M listings a word such as "test" or "国产" is in
    100,000 to 400,000 of them). Either way a row's score adds the same contributions in the same order."""

    # The AND stage's lookup by binary search pays when its rarest group holds fewer than this share of
    # the rows: at 1M listings (bench.search's queries) a share of 1/64, 1/256 or none measured alike.
    few_rows_share = 1 / 256

    def __init__(self, index: InvertedIndex) -> None:
        self.index = index
        self._terms: dict[str, _Term] = {}
        self._unions: dict[QueryGroup, np.ndarray] = {}
        self.size = len(index.owner)

    def _term(self, term: str) -> _Term:
        if term not in self._terms:
            rows, frequencies, fields = self.index.postings(term)
            matched = max(np.count_nonzero(fields & IN_TITLE), np.count_nonzero(fields & IN_BODY))
            idf = math.log(1 + (self.index.with_text - matched + 0.5) / (matched + 0.5))
            self._terms[term] = _Term(rows, frequencies, idf)
        return self._terms[term]

    def _contribution(self, term: _Term, positions: np.ndarray | slice) -> np.ndarray:
        frequencies = term.frequencies[positions]
        return term.idf * frequencies / (frequencies + self.index.length_norm[term.rows[positions]])

    def _postings_count(self, group: QueryGroup) -> int:
        return sum(len(self._term(alternative.term).rows) for alternative in group.alternatives)

    def _rows(self, group: QueryGroup) -> np.ndarray:
        """Rows holding any of the group's alternatives, each once, ascending."""
        if group not in self._unions:
            rows = [self._term(alternative.term).rows for alternative in group.alternatives]
            if len(rows) == 1:
                self._unions[group] = rows[0]
            elif self._postings_count(group) * 4 < self.size:  # few: sorting them beats a pass over every row
                joined = np.sort(np.concatenate(rows))  # np.unique hashes: ten to thirty times slower here
                first = np.ones(len(joined), dtype=bool)
                first[1:] = joined[1:] != joined[:-1]
                self._unions[group] = joined[first]
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
        return self._all_of(groups) if operator == "AND" else self._any_of(groups)

    def _all_of(self, groups: Sequence[QueryGroup]) -> tuple[np.ndarray, np.ndarray]:
        by_size = sorted(groups, key=self._postings_count)
        if not self._postings_count(by_size[0]):
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        rows = self._rows(by_size[0])
        if not self._few(rows):  # many rows: one pass over every group's postings
            scores, groups_held = self._accumulate(groups)
            rows = kernels.rows_holding(groups_held, len(groups))
            return rows, scores[rows]
        # Few rows: find each of them in each term's postings once, to narrow and to score.
        located = {alternative.term: self._positions(self._term(alternative.term), rows)
                   for group in groups for alternative in group.alternatives}
        held = np.ones(len(rows), dtype=bool)
        for group in by_size[1:]:
            held &= np.logical_or.reduce([located[alternative.term][1] for alternative in group.alternatives])
        scores = np.zeros(len(rows), dtype=np.float64)
        for group in groups:
            for alternative in group.alternatives:
                positions, found = located[alternative.term]
                scores[found] += self._contribution(self._term(alternative.term), positions[found])
        return rows[held], scores[held]

    def _few(self, rows: np.ndarray) -> bool:
        """Few enough to look up one by one: a binary search per row and term costs less than a pass
        over the terms' postings."""
        return len(rows) < self.few_rows_share * self.size

    @staticmethod
    def _positions(term: _Term, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where each of `rows` (ascending) is in the term's postings, and whether it is there at all."""
        if not len(term.rows):
            return np.zeros(len(rows), dtype=np.int64), np.zeros(len(rows), dtype=bool)
        positions = np.minimum(np.searchsorted(term.rows, rows), len(term.rows) - 1)
        return positions, term.rows[positions] == rows

    def _accumulate(self, groups: Sequence[QueryGroup]) -> tuple[np.ndarray, np.ndarray]:
        """The BM25 score of every row (0 where no group is held) and how many of the groups it holds."""
        scores = np.zeros(self.size, dtype=np.float64)
        groups_held = np.zeros(self.size, dtype=np.uint16)
        last_group = np.zeros(self.size, dtype=np.uint16)
        for number, group in enumerate(groups, start=1):
            for alternative in group.alternatives:
                term = self._term(alternative.term)
                kernels.add_term(term.rows, term.frequencies, np.float32(term.idf), number,
                                 self.index.length_norm, scores, groups_held, last_group)
        return scores, groups_held

    def _any_of(self, groups: Sequence[QueryGroup]) -> tuple[np.ndarray, np.ndarray]:
        scores, groups_held = self._accumulate(groups)
        rows = kernels.rows_holding(groups_held, 1)
        return rows, scores[rows]
