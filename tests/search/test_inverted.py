"""The in-memory keyword engine scores as Lucene's combined-fields BM25F defines it, through updates,
deletes, its delta segment and merges: the reference here computes it listing by listing from the
definition (that OpenSearch computes the same is tests/search/test_backend_parity.py's job)."""
import functools
import math
import random

import numpy as np
import pytest

from search.analysis import Alternative, QueryGroup
from search.embedded.inverted import K1, B, InvertedIndex, Scorer, count_terms, decode, encode, stored_length
from search.ranking import RankingSettings

TITLE_WEIGHT = RankingSettings().title_weight
WORDS = [f"w{i}" for i in range(40)] + ["hplc", "icp-ms", "液相色谱", "scanning.electron.microscope"]


def lucene_length(n: float) -> int:
    return int(stored_length(np.array([n]))[0])


class Reference:
    """BM25F over the same listings, one listing at a time: the weighted term frequency and length, the
    larger of the fields' document counts, Lucene's IDF and stored lengths."""

    def __init__(self) -> None:
        self.listings: dict[int, tuple[list[str], list[str]]] = {}

    def put(self, row: int, title: str, body: str) -> None:
        self.listings[row] = (title.split(), body.split())

    def delete(self, row: int) -> None:
        self.listings.pop(row, None)

    def matches(self, groups: list[list[str]], operator: str) -> dict[int, float]:
        listings = self.listings.values()
        with_text = max(sum(1 for title, _ in listings if title), sum(1 for _, body in listings if body))
        average = sum(TITLE_WEIGHT * len(title) + len(body) for title, body in listings) / with_text

        @functools.cache  # once per term and query: the reference is slow enough already
        def idf(term: str) -> float:
            count = max(sum(term in title for title, _ in listings), sum(term in body for _, body in listings))
            return math.log(1 + (with_text - count + 0.5) / (count + 0.5))

        found = {}
        for row, (title, body) in self.listings.items():
            held = [group for group in groups if any(term in title or term in body for term in group)]
            if not held or (operator == "AND" and len(held) < len(groups)):
                continue
            weighted = TITLE_WEIGHT * lucene_length(len(title)) + lucene_length(len(body))
            length = lucene_length(math.floor(weighted + 0.5))
            norm = K1 * (1 - B + B * length / average)
            found[row] = 0.0
            for term in (term for group in groups for term in group):  # a term in two groups counts twice
                frequency = TITLE_WEIGHT * title.count(term) + body.count(term)
                if frequency:
                    found[row] += idf(term) * frequency / (frequency + norm)
        return found


class Engine:
    """InvertedIndex fed the way the embedded backend feeds it: changed rows, encoded postings."""

    def __init__(self, capacity: int) -> None:
        self.index, self.term_ids, self.live = InvertedIndex(TITLE_WEIGHT), {}, np.zeros(capacity, dtype=bool)
        self.index.grow(capacity)

    def apply(self, changes: dict[int, tuple[str, str] | None], batch_rows: int = 1000, reverse: bool = False) -> None:
        """`batch_rows`: rows per decoded batch, as the backend reads a whole index in batches, which
        SQLite may return in any order (`reverse`: the last batch first)."""
        rows = np.array(sorted(changes), dtype=np.int64)
        encoded = []
        for row in rows:
            text = changes[row]
            self.live[row] = text is not None
            if text is None:
                encoded.append(None)
                continue
            title, body = count_terms(*text)
            unseen = sorted((title.keys() | body.keys()) - self.term_ids.keys())
            new = [(len(self.term_ids) + 1 + i, w) for i, w in enumerate(unseen)]
            self.term_ids.update((w, i) for i, w in new)
            self.index.add_terms(new)
            encoded.append(encode(self.term_ids, title, body))
        batches = [decode(rows[start:start + batch_rows], encoded[start:start + batch_rows], TITLE_WEIGHT)
                   for start in range(0, len(rows), batch_rows)]
        self.index.replace(batches[::-1] if reverse else batches, self.live)

    def matches(self, groups: list[list[str]], operator: str) -> dict[int, float]:
        query_groups = [QueryGroup(group[0], tuple(Alternative((term,), term) for term in group)) for group in groups]
        rows, scores = Scorer(self.index).matches(query_groups, operator)
        return dict(zip(rows.tolist(), scores.tolist(), strict=True))


def random_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS[:rng.choice([8, 44])]) for _ in range(words))


def assert_same(engine: Engine, reference: Reference, rng: random.Random) -> None:
    for _ in range(20):
        groups = [rng.sample(WORDS, rng.randint(1, 3)) for _ in range(rng.randint(1, 3))]
        for operator in ("AND", "OR"):
            expected, found = reference.matches(groups, operator), engine.matches(groups, operator)
            assert found.keys() == expected.keys(), (groups, operator)
            assert found == pytest.approx(expected, rel=1e-5), (groups, operator)


# An AND stage scores by one pass over the postings or, when its rarest group is in few rows, by looking
# those rows up: 0 forces the pass, 1 the lookup.
STRATEGIES = pytest.mark.parametrize("few_rows_share", [0.0, 1.0], ids=["postings-pass", "lookup"])


@STRATEGIES
def test_scores_equal_bm25f_through_updates_deletes_and_merges(few_rows_share, monkeypatch):
    monkeypatch.setattr(Scorer, "few_rows_share", few_rows_share)
    rng, reference, engine = random.Random(7), Reference(), Engine(capacity=400)
    first = {row: (random_text(rng, rng.randint(1, 6)), random_text(rng, rng.randint(0, 60))) for row in range(1, 300)}
    for row, text in first.items():
        reference.put(row, *text)
    engine.apply(first, batch_rows=64, reverse=True)  # loaded in batches, sorted together
    assert_same(engine, reference, rng)
    for term in WORDS:  # the Scorer finds rows in a term's postings by binary search
        rows = engine.index.postings(term)[0]
        assert np.all(np.diff(rows) > 0), term
    delta_sizes = []
    for _ in range(12):  # small rounds stay in the delta segment; their sum outgrows it and merges
        changes = {}
        for row in rng.sample(range(1, 400), 15):
            if rng.random() < 0.3:
                changes[row] = None
                reference.delete(row)
            else:
                changes[row] = (random_text(rng, rng.randint(1, 6)), random_text(rng, rng.randint(0, 60)))
                reference.put(row, *changes[row])
        engine.apply(changes)
        assert_same(engine, reference, rng)
        assert all(np.all(np.diff(engine.index.postings(term)[0]) > 0) for term in WORDS)
        delta_sizes.append(len(engine.index.delta))
    assert delta_sizes[0] > 0 and 0 in delta_sizes, delta_sizes  # both paths ran


def test_both_and_strategies_give_every_row_the_same_score_to_the_last_bit(monkeypatch):
    """Equal scores rank by row (a stable page), so the two ways must not differ even by rounding."""
    rng, engine = random.Random(11), Engine(capacity=600)
    engine.apply({row: (random_text(rng, rng.randint(1, 6)), random_text(rng, rng.randint(0, 60)))
                  for row in range(1, 500)})
    matched = 0
    for _ in range(30):
        groups = [rng.sample(WORDS, rng.randint(1, 3)) for _ in range(rng.randint(2, 3))]
        monkeypatch.setattr(Scorer, "few_rows_share", 0.0)
        passed = engine.matches(groups, "AND")
        monkeypatch.setattr(Scorer, "few_rows_share", 1.0)
        assert engine.matches(groups, "AND") == passed, groups
        matched += len(passed)
    assert matched > 1000  # the queries compared real matches, not empty sets


@STRATEGIES
def test_a_term_no_listing_has_any_more_matches_nothing(few_rows_share, monkeypatch):
    monkeypatch.setattr(Scorer, "few_rows_share", few_rows_share)
    engine = Engine(capacity=8)
    engine.apply({1: ("hplc", "液相色谱"), 2: ("nmr", "")})
    engine.apply({1: None})
    assert engine.matches([["hplc"]], "OR") == {} and engine.matches([["unknown"]], "OR") == {}
    assert engine.matches([["hplc", "unknown"], ["nmr"]], "OR").keys() == {2}
    assert engine.matches([["hplc", "unknown"], ["nmr"]], "AND") == {}
    assert engine.matches([["nmr"]], "AND").keys() == {2}


@pytest.mark.parametrize("length, stored", [(0, 0), (23, 23), (39, 39), (40, 40), (41, 40), (47, 46), (100, 96),
                                            (1000, 984)])
def test_lengths_are_rounded_as_lucene_stores_them_in_one_byte(length, stored):
    assert lucene_length(length) == stored
