"""The in-memory keyword engine scores exactly as SQLite FTS5's bm25() would, through updates,
deletes, its delta segment and merges: FTS5 is the reference here, run on the same listings."""
import random
import sqlite3

import numpy as np
import pytest

from search.analysis import Alternative, QueryGroup
from search.embedded.inverted import InvertedIndex, Scorer, count_terms, encode
from search.ranking import RankingSettings

TITLE_WEIGHT = RankingSettings().title_weight
WORDS = [f"w{i}" for i in range(40)] + ["hplc", "icp-ms", "液相色谱", "scanning.electron.microscope"]


class Reference:
    """The same listings in an FTS5 table; its bm25() is what the in-memory engine must reproduce."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE VIRTUAL TABLE fts USING fts5(title, body, tokenize = \"unicode61 tokenchars '-+/.'\")")

    def put(self, row: int, title: str, body: str) -> None:
        self.delete(row)
        self.db.execute("INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)", (row, title, body))

    def delete(self, row: int) -> None:
        self.db.execute("DELETE FROM fts WHERE rowid = ?", (row,))

    def matches(self, groups: list[list[str]], operator: str) -> dict[int, float]:
        query = f" {operator} ".join("(" + " OR ".join(f'"{term}"' for term in group) + ")" for group in groups)
        rows = self.db.execute(f"SELECT rowid, -bm25(fts, {TITLE_WEIGHT}, 1.0) FROM fts WHERE fts MATCH ?", (query,))
        return dict(rows.fetchall())


class Engine:
    """InvertedIndex fed the way the embedded backend feeds it: changed rows, encoded postings."""

    def __init__(self, capacity: int) -> None:
        self.index, self.term_ids, self.live = InvertedIndex(TITLE_WEIGHT), {}, np.zeros(capacity, dtype=bool)
        self.index.grow(capacity)

    def apply(self, changes: dict[int, tuple[str, str] | None]) -> None:
        rows = np.array(sorted(changes), dtype=np.int64)
        lengths, encoded = [], []
        for row in rows:
            text = changes[row]
            self.live[row] = text is not None
            if text is None:
                lengths.append(None), encoded.append(None)
                continue
            title, body = count_terms(*text)
            unseen = sorted((title.keys() | body.keys()) - self.term_ids.keys())
            new = [(len(self.term_ids) + 1 + i, w) for i, w in enumerate(unseen)]
            self.term_ids.update((w, i) for i, w in new)
            self.index.add_terms(new)
            lengths.append(title.total() + body.total())
            encoded.append(encode(self.term_ids, title, body))
        self.index.replace(rows, self.live, lengths, encoded)

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


def test_scores_equal_fts5_bm25_through_updates_deletes_and_merges():
    rng, reference, engine = random.Random(7), Reference(), Engine(capacity=400)
    first = {row: (random_text(rng, rng.randint(1, 6)), random_text(rng, rng.randint(0, 60))) for row in range(1, 300)}
    for row, text in first.items():
        reference.put(row, *text)
    engine.apply(first)
    assert_same(engine, reference, rng)
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
        delta_sizes.append(len(engine.index.delta))
    assert delta_sizes[0] > 0 and 0 in delta_sizes, delta_sizes  # both paths ran


def test_a_term_no_listing_has_any_more_matches_nothing():
    engine = Engine(capacity=8)
    engine.apply({1: ("hplc", "液相色谱"), 2: ("nmr", "")})
    engine.apply({1: None})
    assert engine.matches([["hplc"]], "OR") == {} and engine.matches([["unknown"]], "OR") == {}
    assert engine.matches([["nmr"]], "AND").keys() == {2}
