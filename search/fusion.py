"""Reciprocal rank fusion: one ranking from several, using ranks only, because BM25 scores and cosine
similarities do not share a scale. The searcher fuses every backend's legs with this one function,
with k and the weights of search.ranking.RankingSettings."""
from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int,
                           weights: Sequence[float] | None = None) -> list[tuple[str, float]]:
    """Score each id by the sum of weight / (k + rank) over the rankings it appears in, best first;
    ties go to the smaller id so that pages are stable. A small k lets the top ranks dominate."""
    if weights is None:
        weights = [1.0] * len(rankings)
    if len(weights) != len(rankings):
        raise ValueError(f"{len(weights)} weights for {len(rankings)} rankings")
    scores: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, doc_id in enumerate(ranking, start=1):
            scores[doc_id] = scores.get(doc_id, 0.0) + weight / (k + rank)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
