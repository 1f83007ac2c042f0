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
    """The rows (ascending) that hold at least `at_least` of the query's groups. Without a branch on the
    test, which a stage holding a large share of the rows at random mispredicts: 40% of 1M rows took 3.2
    ms with it and 0.5 without (synthetic); the benchmark's queries, holding fewer, take 0.5-0.7 either way."""
    count = 0
    for row in range(groups_held.shape[0]):
        count += groups_held[row] >= at_least
    rows = np.empty(count, dtype=np.int64)
    count = 0
    for row in range(groups_held.shape[0]):
        if count == rows.shape[0]:
            break
        rows[count] = row  # overwritten by the next row unless this one holds enough
        count += groups_held[row] >= at_least
    return rows


# Facets count the rows a search matched, at 1M listings up to half a million of them for a common word:
# one pass per coded column, without numpy's gathered copy and boolean compress (a third of the time; a
# flag column's np.count_nonzero(column[rows]) is already as quick as a compiled loop).
# Rows come as int64 (the keyword stages' passes, a browse) or int32 (the lookup stage, from postings).
ROWS_SIGNATURES = ("int64[::1]", "int32[::1]")


@njit([f"void(int32[::1], {rows}, int64[::1])" for rows in ROWS_SIGNATURES], cache=True, nogil=True)
def count_codes(codes: np.ndarray, rows: np.ndarray, counts: np.ndarray) -> None:
    """Add 1 to counts[code + 1] for each row's code: slot 0 counts the rows without a value (-1)."""
    for i in range(rows.shape[0]):
        row = rows[i]
        if row < 0 or row >= codes.shape[0] or codes[row] + 1 >= counts.shape[0]:
            raise IndexError("a row or a code is beyond the column")
        counts[codes[row] + 1] += 1
