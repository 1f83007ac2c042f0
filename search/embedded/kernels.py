"""The keyword leg's inner loops, compiled with numba.

At a million listings a common word's postings run to hundreds of thousands of rows, and a query with a
few synonyms per word adds over a million postings into the scores. numpy needs several passes and a
temporary array per term for that (about 9 ns a posting: 87 ms for the worst benchmark query,
docs/perf-log.md); one compiled loop over each term's postings, which ascend by row, does it in one
pass. Signatures are given, so the functions compile (or load from numba's cache) when this module is
imported: a server compiles them once, before its workers fork, and no search waits for the compiler.

Each contribution is computed exactly as numpy computed it before (float32, then added to a float64
score) and the contributions of a row are added in the query's order, so scores do not change.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit("void(int32[::1], float32[::1], float32, uint16, float32[::1], float64[::1], uint16[::1], uint16[::1])",
      cache=True, nogil=True)
def add_term(rows: np.ndarray, frequencies: np.ndarray, idf: np.float32, group: int, length_norm: np.ndarray,
             scores: np.ndarray, groups_held: np.ndarray, last_group: np.ndarray) -> None:
    """Add one term's BM25 contribution to each of its rows' scores, and count the query group (numbered
    from 1) as held by the row when the row has not had a term of this group yet. A group's terms are
    added one after another, so `last_group` (0 at first) is enough to count each group once. Rows
    ascend, so checking the last one keeps every write inside the arrays (numba does not check)."""
    if rows.shape[0] and rows[-1] >= min(length_norm.shape[0], scores.shape[0], groups_held.shape[0],
                                         last_group.shape[0]):
        raise IndexError("a posting's row is beyond the score arrays")
    for i in range(rows.shape[0]):
        row = rows[i]
        frequency = frequencies[i]
        scores[row] += idf * frequency / (frequency + length_norm[row])  # numpy's order: exact same float32
        if last_group[row] != group:
            last_group[row] = group
            groups_held[row] += 1


@njit("int64[::1](uint16[::1], uint16)", cache=True, nogil=True)
def rows_holding(groups_held: np.ndarray, at_least: int) -> np.ndarray:
    """The rows (ascending) that hold at least `at_least` of the query's groups."""
    count = 0
    for row in range(groups_held.shape[0]):
        if groups_held[row] >= at_least:
            count += 1
    rows = np.empty(count, dtype=np.int64)
    count = 0
    for row in range(groups_held.shape[0]):
        if groups_held[row] >= at_least:
            rows[count] = row
            count += 1
    return rows
