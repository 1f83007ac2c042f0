"""Reciprocal rank fusion: one ranking from several, using ranks only (scores of BM25 and cosine do
not share a scale). Both backends fuse their keyword and vector legs with this same function."""
from __future__ import annotations

from typing import Sequence

DEFAULT_K = 60


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = DEFAULT_K,
                           weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    weights = weights or [1.0] * len(rankings)
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights):
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
