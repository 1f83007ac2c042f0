"""The embedded backend's vectors, in memory: a faiss IVF index, their only copy in the process.

k-means splits the vectors into cells; an approximate search scores only the vectors of the cells
nearest to the query, an exact one (a filter keeping few listings, or a catalogue too small to split)
probes every cell. IVF rather than a graph index (HNSW) because it removes and replaces vectors in
place (a listing edit is a remove and an add) and applies a filter while it scans (an id selector),
so a filtered search still returns `depth` filtered neighbours. Vectors are kept as float16.

Measured with the 40 benchmark queries, one thread: the vector leg takes about half the exact scan's
time at 10k listings and a sixth at 100k, and finds 0.986 and 0.993 of the exact top 50
(bench/results/search.md). How many cells and how many of them a query probes (RankingSettings.ann_*):
bench/results/ann.md.

Each process builds its own from the vectors the index store holds (seeded k-means on a sample), or loads
it with the columns checkpoint (search.embedded.checkpoint), and retrains once the catalogue has doubled
since: cells trained on fewer listings grow long, which slows searches but does not make them wrong.
"""
from __future__ import annotations

import math
import os
from typing import Any

import faiss
import numpy as np

from search.ranking import RankingSettings

TRAINING_ROWS_PER_CELL = 40  # the sample k-means learns from (faiss warns below 39)
ADD_BATCH = 20_000

# faiss's OpenMP threads do not survive a fork, and a child whose OpenMP runtime waits for them hangs
# in its next parallel region (a server's workers fork after the master built this index). So a forked
# child computes with one thread: a search of one query is serial anyway.
os.register_at_fork(after_in_child=lambda: faiss.omp_set_num_threads(1))


class VectorCells:
    def __init__(self, rows: np.ndarray, vectors: np.ndarray, ranking: RankingSettings) -> None:
        """`rows` are the ids searches return (int64); `vectors` L2-normalised, one per row (float16 or
        float32). Below ranking.ann_min_rows rows one cell holds them all, so every search is exact; the
        number of cells and of cells probed come from `ranking`."""
        count, dimension = vectors.shape
        self.trained_rows = count
        cells = int(ranking.ann_cells_per_sqrt_row * math.sqrt(count)) if count >= ranking.ann_min_rows else 1
        self.cells = max(1, min(count, cells))
        self.unfiltered_probes = min(ranking.ann_max_probes,
                                     max(ranking.ann_min_probes, ranking.ann_probed_share * self.cells))
        self._quantizer = faiss.IndexFlatIP(dimension)  # the index refers to it without owning it
        self._index = faiss.IndexIVFScalarQuantizer(self._quantizer, dimension, self.cells,
                                                    faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        sample = np.random.default_rng(0).choice(count, min(count, TRAINING_ROWS_PER_CELL * self.cells), replace=False)
        self._index.train(vectors[np.sort(sample)].astype(np.float32))
        for start in range(0, count, ADD_BATCH):  # float32 a batch at a time: the index keeps float16
            self._index.add_with_ids(vectors[start:start + ADD_BATCH].astype(np.float32), rows[start:start + ADD_BATCH])

    def __getstate__(self) -> dict[str, Any]:
        """For a checkpoint (search.embedded.checkpoint): faiss indexes pickle as their serialised bytes."""
        return {**self.__dict__, "_quantizer": None, "_index": faiss.serialize_index(self._index)}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._index = faiss.deserialize_index(state["_index"])  # owns the quantizer it reads back

    def replace(self, rows: np.ndarray, vector_rows: np.ndarray, vectors: np.ndarray) -> None:
        """Forget `rows`, then add `vectors` for `vector_rows` (the rows that still have one)."""
        self._index.remove_ids(np.ascontiguousarray(rows, dtype=np.int64))
        if len(vector_rows):
            self._index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32),
                                     np.ascontiguousarray(vector_rows, dtype=np.int64))

    def search(self, vector: np.ndarray, mask: np.ndarray, kept_share: float, depth: int,
               exact: bool) -> tuple[np.ndarray, np.ndarray]:
        """Up to `depth` rows where `mask` is true, nearest first, with their cosines. `exact` probes every
        cell. Otherwise `kept_share`, the share of the listings the mask keeps, sets the cells probed:
        more when it is small, so that about as many filtered vectors are scored as an unfiltered search
        would score."""
        probes = self.cells if exact else min(self.cells, math.ceil(self.unfiltered_probes / max(kept_share, 1e-9)))
        bitmap = np.packbits(mask, bitorder="little")  # bit i of the bitmap is row i
        selector = faiss.IDSelectorBitmap(len(mask), faiss.swig_ptr(bitmap))
        scores, ids = self._index.search(np.asarray(vector, dtype=np.float32).reshape(1, -1), depth,
                                         params=faiss.SearchParametersIVF(nprobe=probes, sel=selector))
        found = ids[0] >= 0  # fewer than depth candidates pad with -1
        return ids[0][found], scores[0][found]
