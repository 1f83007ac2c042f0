"""Convex fusion: one ranking from the keyword and vector legs, by a weighted sum of their scores, each
brought to a 0-1 scale first because BM25 scores and cosine similarities do not share one.

Scores rather than ranks (reciprocal rank fusion, used before): a rank hides whether the second
listing is nearly as good as the first or far behind, and the similarity gaps of a multilingual model
carry that. On the tuning sets, hybrid nDCG@10 went from 0.906 / 0.766 (RRF, dev / market-tune) to
0.923 / 0.781 with the same intent multiplier (docs/perf-log.md, 2026-12-03). The searcher fuses
every backend's legs with this one function, with the shares of search.ranking.RankingSettings.
"""
from __future__ import annotations

from collections.abc import Collection, Sequence


def keyword_scale(leg: Sequence[tuple[str, float]]) -> dict[str, float]:
    """Each BM25 score over the leg's first, never rising along the leg: the backend lists the AND
    matches before the relaxed stages' (search.backend.relaxed_stages), and a partial match with a
    higher raw score must not overtake a listing that holds every word."""
    if not leg:
        return {}
    top = leg[0][1] if leg[0][1] > 0 else 1.0
    scaled, running = {}, float("inf")
    for doc_id, score in leg:
        running = min(running, max(score, 0.0) / top)
        scaled[doc_id] = running
    return scaled


def similarity_scale(leg: Sequence[tuple[str, float]], window: float) -> dict[str, float]:
    """1 for the most similar candidate, falling linearly to 0 at `window` below it: a model's
    similarities mean something only relative to the best one of the query (e5's unrelated listings lie
    at 0.83, its related ones at 0.87; USE's spread from 0 to 1), so the window is per model."""
    if not leg:
        return {}
    best = max(similarity for _, similarity in leg)
    return {doc_id: max(0.0, 1.0 - (best - similarity) / window) for doc_id, similarity in leg}


def convex_fusion(keyword: Sequence[tuple[str, float]], vector: Sequence[tuple[str, float]], *,
                  keyword_share: float, similarity_window: float, boosted: Collection[str] = (),
                  boost: float = 0.0) -> list[tuple[str, float]]:
    """keyword_share * keyword score + (1 - keyword_share) * (vector score, plus `boost` for the ids in
    `boosted`), best first; a leg that did not find an id gives it 0. Ties (candidates past the window
    score 0 from the vector leg) keep the keyword leg's order, then the vector leg's."""
    if not 0.0 <= keyword_share <= 1.0:
        raise ValueError(f"keyword_share must lie in [0, 1], not {keyword_share}")
    if similarity_window <= 0:
        raise ValueError(f"similarity_window must be positive, not {similarity_window}")
    scores = {doc_id: keyword_share * score for doc_id, score in keyword_scale(keyword).items()}
    for doc_id, score in similarity_scale(vector, similarity_window).items():
        bonus = boost if doc_id in boosted else 0.0
        scores[doc_id] = scores.get(doc_id, 0.0) + (1.0 - keyword_share) * (score + bonus)
    keyword_position = {doc_id: rank for rank, (doc_id, _) in enumerate(keyword)}
    vector_position = {doc_id: rank for rank, (doc_id, _) in enumerate(vector)}
    return sorted(scores.items(), key=lambda item: (-item[1], keyword_position.get(item[0], len(keyword)),
                                                    vector_position.get(item[0], len(vector))))
