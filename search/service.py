"""Searcher: analyse the query, embed it, ask the backend for both legs, fuse, facet, paginate, explain."""
from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Literal

from search import analysis
from search.backend import BackendQuery, DocInfo, SearchBackend, SearchFilters
from search.embeddings import Embedder
from search.fusion import reciprocal_rank_fusion
from search.highlight import highlight

__all__ = ["Hit", "SearchFilters", "SearchRequest", "SearchResponse", "Searcher"]

Mode = Literal["hybrid", "keyword", "vector"]
FACET_LIMIT = 20
# Incomplete listings rank lower but are never hidden: the factor ranges from 0.7 to 1.
COMPLETENESS_FLOOR = 0.7


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""
    filters: SearchFilters = field(default_factory=SearchFilters)
    mode: Mode = "hybrid"
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Hit:
    doc_id: str
    kind: str
    ref: str
    score: float
    highlights: dict[str, list[str]]
    keyword_rank: int | None
    vector_rank: int | None
    vector_similarity: float | None
    matched_terms: tuple[str, ...]


@dataclass
class SearchResponse:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    mode: Mode


def _facet_values(info: DocInfo) -> dict[str, tuple[str, ...]]:
    return {
        "kind": (info.kind,),
        "region": (info.region.split("/")[0],) if info.region else (),
        "category": (info.category.split("/")[0],) if info.category else (),
        "origin": (info.origin,) if info.origin else (),
        "certification": info.certifications,
        "service_mode": info.service_modes,
    }


def facet_counts(infos: list[DocInfo]) -> dict[str, list[tuple[str, int]]]:
    values: dict[str, list[str]] = {}
    for info in infos:
        for name, found in _facet_values(info).items():
            values.setdefault(name, []).extend(found)
    # One Counter per facet over a flat list: counting happens in C, not per document.
    return {name: sorted(Counter(found).items(), key=lambda item: (-item[1], item[0]))[:FACET_LIMIT]
            for name, found in values.items()}


class Searcher:
    # Fusion settings tuned on the labelled development set (bench/data/dev, python -m bench.quality):
    # a small k lets a strong keyword match lead, and the English-only default model gets little say on
    # Chinese queries. With them hybrid beats keyword-only and vector-only on nDCG@10 and recall@50.
    def __init__(self, backend: SearchBackend, embedder: Embedder, rrf_k: int = 10, min_similarity: float = 0.2,
                 depth: int = 100, vector_weight: float = 0.5, vector_weight_chinese: float = 0.1) -> None:
        self.backend = backend
        self.embedder = embedder
        self.rrf_k = rrf_k
        self.vector_weight = vector_weight
        self.vector_weight_chinese = vector_weight_chinese
        self.min_similarity = min_similarity
        self.depth = depth
        self._warming: threading.Thread | None = None

    def _query_vector(self, text: str, mode: Mode):
        if mode == "keyword" or not text.strip():
            return None
        if not self.embedder.ready:
            self._warm_up()
            if mode == "hybrid":
                return None  # keyword-only until the model has loaded, instead of making users wait
        return self.embedder.embed_query(text)

    def _warm_up(self) -> None:
        if self._warming is None or not self._warming.is_alive():
            self._warming = threading.Thread(target=self.embedder.embed_query, args=("warm up",), daemon=True)
            self._warming.start()

    def search(self, request: SearchRequest) -> SearchResponse:
        groups = analysis.query_groups(request.text)
        vector = self._query_vector(request.text, request.mode)
        depth = max(self.depth, request.offset + request.limit)
        use_keywords = request.mode != "vector" or not request.text.strip()
        candidates = self.backend.candidates(BackendQuery(
            groups=groups if use_keywords else (), vector=vector, filters=request.filters,
            keyword_depth=depth if use_keywords else 0, vector_depth=depth, min_similarity=self.min_similarity))
        keyword_ids = [doc_id for doc_id, _ in candidates.keyword]
        vector_ids = [doc_id for doc_id, _ in candidates.vector]
        fused = reciprocal_rank_fusion([keyword_ids, vector_ids], k=self.rrf_k,
                                       weights=[1.0, self._vector_weight(request.text)])
        ranked = sorted(
            ((doc_id, score * (COMPLETENESS_FLOOR + (1 - COMPLETENESS_FLOOR) * candidates.info[doc_id].completeness))
             for doc_id, score in fused),
            key=lambda item: (-item[1], item[0]))
        total = len(ranked) if request.text.strip() else candidates.keyword_total
        facets = facet_counts([candidates.info[doc_id] for doc_id, _ in ranked])
        page = ranked[request.offset:request.offset + request.limit]
        return SearchResponse(total=total, hits=self._hits(page, candidates, groups), facets=facets,
                              mode="hybrid" if vector is not None and use_keywords else
                              ("vector" if vector is not None else "keyword"))

    def _vector_weight(self, text: str) -> float:
        """Trust the vector leg by the query's language: an English-only model reads Chinese poorly."""
        chinese = sum(1 for ch in text if analysis.CJK.match(ch)) / max(1, len(text.replace(" ", "")))
        return self.vector_weight * (1 - chinese) + self.vector_weight_chinese * chinese

    def _hits(self, page, candidates, groups) -> list[Hit]:
        keyword_rank = {doc_id: rank for rank, (doc_id, _) in enumerate(candidates.keyword, start=1)}
        vector_rank = {doc_id: rank for rank, (doc_id, _) in enumerate(candidates.vector, start=1)}
        similarity = dict(candidates.vector)
        texts = self.backend.texts([doc_id for doc_id, _ in page]) if page else {}
        surfaces = analysis.highlight_terms(groups)
        hits = []
        for doc_id, score in page:
            info, text = candidates.info[doc_id], texts.get(doc_id)
            hits.append(Hit(
                doc_id=doc_id, kind=info.kind, ref=info.ref, score=round(score, 6),
                highlights=highlight(text.title, text.body, surfaces) if text else {},
                keyword_rank=keyword_rank.get(doc_id), vector_rank=vector_rank.get(doc_id),
                vector_similarity=round(similarity[doc_id], 4) if doc_id in similarity else None,
                matched_terms=tuple(analysis.matched_groups(groups, text.terms)) if text else ()))
        return hits
