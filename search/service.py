"""Searcher: analyse the query, embed it, ask the backend for both legs, fuse, paginate, explain.

Search returns ids and scores (plus highlights and reasons for the page); the web app renders the
rows from SQL in this order.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from search import analysis
from search.backend import (
    FACETS,
    BackendQuery,
    BackendResult,
    DocInfo,
    DocText,
    Leg,
    SearchBackend,
    SearchFilters,
)
from search.documents import matches_prefix
from search.embeddings import Embedder
from search.fusion import convex_fusion
from search.highlight import highlighter
from search.ranking import RankingSettings

__all__ = ["Hit", "Preferences", "SearchFilters", "SearchRequest", "SearchResponse", "Searcher"]

log = logging.getLogger(__name__)
Mode = Literal["hybrid", "keyword", "vector"]
# How long a search trusts the last answer to "was the index built with our model?" (a rebuild with
# the new model is noticed this long after it swapped in).
MODEL_CHECK_SECONDS = 10.0


@dataclass(frozen=True)
class Preferences:
    """What the searcher would like without insisting: listings that have it rank higher, the others
    stay (filters are what excludes). The multipliers are RankingSettings'."""

    kinds: tuple[str, ...] = ()  # e.g. ("instrument",) for a test-service need
    region: str | None = None  # path prefix, as the region filter: "湖北省/武汉市"
    certifications: tuple[str, ...] = ()  # upper case; a listing holding all of them ranks higher

    def __bool__(self) -> bool:
        return bool(self.kinds or self.region or self.certifications)


@dataclass(frozen=True)
class SearchRequest:
    text: str = ""  # empty: browse the filtered listings, most complete first
    filters: SearchFilters = field(default_factory=SearchFilters)
    preferences: Preferences = field(default_factory=Preferences)
    mode: Mode = "hybrid"
    limit: int = 20
    offset: int = 0
    # Keep only candidates with evidence of answering the text (Searcher._with_evidence): for lists that
    # introduce people to each other, not for a search page, which ranks everything it finds.
    evidence_required: bool = False


@dataclass(frozen=True)
class Hit:
    doc_id: str
    kind: str
    ref: str
    score: float
    highlights: dict[str, list[str]]  # {"title": [html], "body": [html snippets]}: escaped, only <mark> added
    keyword_rank: int | None  # 1-based rank in each leg, None when the leg did not find it
    vector_rank: int | None
    vector_similarity: float | None
    matched_terms: tuple[str, ...]  # e.g. ("液相色谱 ≈ hplc", "武汉")
    # When the request required evidence: those of matched_terms that are (Searcher._telling), e.g.
    # ("液相色谱 ≈ hplc",) where 武汉 is in a fifth of the listings.
    telling_terms: tuple[str, ...] = ()


@dataclass
class SearchResponse:
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    mode: Mode  # what actually ran: "keyword" while the embedding model is still loading
    # False when the query matched no word of any listing and no listing came near enough in meaning
    # (RankingSettings.good_match_similarity): then hits are empty, and the page says "no good match".
    good_match: bool = True


class Searcher:
    """Fuses, pages and explains with `ranking` (search.ranking); the backend must have been built with
    the same settings, which marketplace/search_gateway.py does."""

    def __init__(self, backend: SearchBackend, embedder: Embedder, ranking: RankingSettings) -> None:
        self.backend = backend
        self.embedder = embedder
        self.ranking = ranking
        self._warming: threading.Thread | None = None
        self._warming_lock = threading.Lock()
        self._model_check: tuple[float, bool] | None = None  # (when, whether the index's model is ours)

    def search(self, request: SearchRequest) -> SearchResponse:
        text = request.text.strip()
        keywords = analysis.analyse_query(text)
        mode = request.mode
        vector = self._query_vector(keywords, mode)
        if vector is not None and not self._index_matches_model():
            vector, mode = None, "keyword"
        legs: set[Leg] = set()
        # Browsing (no text) is the keyword leg's job; a query of stop words only has no keyword leg.
        if mode != "vector" and (keywords or not text):
            legs.add("keyword")
        if vector is not None:
            legs.add("vector")
        depth = max(self.ranking.fusion_depth, request.offset + request.limit)
        result = self.backend.search(BackendQuery(
            keywords=keywords, vector=vector, filters=request.filters, legs=frozenset(legs), keyword_depth=depth,
            vector_depth=depth, min_similarity=self.ranking.min_similarity, facets=FACETS,
            frequencies=request.evidence_required and bool(keywords)))
        ran: Mode = "hybrid" if legs == {"keyword", "vector"} else ("vector" if "vector" in legs else "keyword")
        if text and not self._good_match(result, text):
            return SearchResponse(total=0, hits=[], facets={}, mode=ran, good_match=False)
        result = self._without_padding(result)
        ranked = self._prefer(self._rank(result, keywords), result, request.preferences)
        # Hybrid adds vector candidates to the keyword matches; the backend counted the latter.
        total, texts, telling = max(result.total, len(ranked)), None, None
        if request.evidence_required and keywords:
            texts, telling = self.backend.texts([doc_id for doc_id, _ in ranked]), self._telling(result)
            ranked = self._with_evidence(ranked, result, keywords, texts, telling)
            if text and not ranked:
                return SearchResponse(total=0, hits=[], facets={}, mode=ran, good_match=False)
            total = len(ranked)
        page = ranked[request.offset:request.offset + request.limit]
        return SearchResponse(total=total, hits=self._hits(page, result, keywords, texts, telling),
                              facets=result.facets, mode=ran)

    def _good_match(self, result: BackendResult, text: str) -> bool:
        """Some listing matched a word of the query, or one is near enough in meaning to show; and the
        catalogue knows enough of the query's words, or a candidate is surely near in meaning; and it
        holds some instrument or method the query asks for, or a candidate clearly matches."""
        if not (result.keyword or self._near_enough(result)):
            return False
        if self._lacks_what_is_asked_for(result):
            return self._similar(result, self.ranking.clear_match_similarity)
        return not self._words_unknown(result, text) or self._similar(result, self.ranking.sure_match_similarity)

    @staticmethod
    def _lacks_what_is_asked_for(result: BackendResult) -> bool:
        """The query asks for instruments or methods, by name or by a need they answer (techniques.txt),
        and no listing holds any of them. The dictionary searched every name it knows for each, in both
        languages, so the catalogue lacks them: "矢量网络分析仪 S参数 测试" over a catalogue without one
        otherwise showed an EMC receiver and particle sizers, near in meaning (0.88) as unrelated
        instruments are, with the listings that share 测试."""
        if result.complete_match or not result.frequencies:
            return False
        asked = [listings for group, listings in result.frequencies.items() if analysis.asks_for_technique(group)]
        return bool(asked) and not any(asked)

    def _near_enough(self, result: BackendResult) -> bool:
        """Some vector candidate is similar enough to show on its own (the model's good-match floor)."""
        return self._similar(result, self.ranking.good_match_similarity)

    @staticmethod
    def _similar(result: BackendResult, floor: float) -> bool:
        best_similarity = max((similarity for _, similarity in result.vector), default=None)
        return best_similarity is not None and best_similarity >= floor

    def _words_unknown(self, result: BackendResult, text: str) -> bool:
        """The catalogue lacks most of the query's words: fewer than ranking.known_words_share of its
        groups are held by any listing (the backend counts them whenever the AND of all groups matched
        nothing). A query about something else ("北京明天天气预报") then matches only a place or an
        everyday word, and its nearest listings in meaning are as near as a real need's. Words say
        nothing of listings in the other language, which share them only through the synonym
        dictionary: when the nearest listing is one of those, near enough to show on its own, the
        query stays. (Any such listing near enough kept "减肥食谱推荐": everyday questions reach the
        good-match floor in both languages.)"""
        if result.complete_match or not result.frequencies:
            return False
        # A query naming an instrument or method that some listing holds, or a need that one answers,
        # asks for it, however many of its other words are the writer's context (a long need's company,
        # customers, prices, deadline).
        if any(held and analysis.asks_for_technique(group) for group, held in result.frequencies.items()):
            return False
        nearest = max(result.vector, key=lambda candidate: candidate[1], default=None)
        if (nearest and nearest[1] >= self.ranking.good_match_similarity
                and result.info[nearest[0]].language not in (analysis.language_of(text), "")):
            return False
        held = sum(1 for listings in result.frequencies.values() if listings)
        return held < self.ranking.known_words_share * len(result.frequencies)

    def _without_padding(self, result: BackendResult) -> BackendResult:
        """Hybrid search when no listing is near enough in meaning to show on its own: the keyword
        matches, ranked with their similarity, and no vector candidate besides them. Otherwise a query
        matching one listing's word ("how to cook rice": a rice-testing listing) came back padded to a
        full page of the nearest unrelated listings. Tuning sets: no answerable query ranks otherwise."""
        if not result.keyword or not result.vector or self._near_enough(result):
            return result
        matched = {doc_id for doc_id, _ in result.keyword}
        return replace(result, vector=[(doc_id, similarity) for doc_id, similarity in result.vector
                                       if doc_id in matched])

    def _telling(self, result: BackendResult) -> set[analysis.QueryGroup]:
        """The query groups whose sharing is evidence: held by at most ranking.informative_share of the
        listings (or by at most ranking.informative_count: in a small catalogue every word is in a fifth
        of it), and not a bare number."""
        most = max(self.ranking.informative_share * result.listings, self.ranking.informative_count)
        return {group for group, held in result.frequencies.items()
                if held <= most and not analysis.is_bare_number(group.label)}

    def _with_evidence(self, ranked: list[tuple[str, float]], result: BackendResult, keywords: analysis.AnalysedQuery,
                       texts: dict[str, DocText], telling: set[analysis.QueryGroup]) -> list[tuple[str, float]]:
        """The candidates with evidence of answering the query: in the query's language a shared telling
        word. A long need shares common words (检测, 样品, 报告, GB, testing) with most listings, and for
        long texts the model puts related and unrelated listings alike at 0.89-0.93, so neither the
        keyword leg nor the vector leg alone keeps an electron microscope out of an aflatoxin need's
        matches. A listing in the other language shares words only through the synonym dictionary: for
        it closeness in meaning (the vector leg, with its floors) is the evidence, as in search."""
        language = analysis.language_of(keywords.text)
        close = {doc_id for doc_id, _ in result.vector}

        def has_evidence(doc_id: str) -> bool:
            if doc_id in close and result.info[doc_id].language not in (language, ""):
                return True
            text = texts.get(doc_id)
            return text is not None and any(group in telling for group, _ in analysis.matches(keywords, text.terms))

        return [(doc_id, score) for doc_id, score in ranked if has_evidence(doc_id)]

    def _index_matches_model(self) -> bool:
        """False while the index holds vectors of another model (until `indexer verify --repair` has
        rebuilt it): searches then run by keywords only, never comparing two models' vectors. Asked of
        the backend at most every MODEL_CHECK_SECONDS, not on every search."""
        now = time.monotonic()
        if self._model_check is None or now - self._model_check[0] > MODEL_CHECK_SECONDS:
            indexed = self.backend.embedded_with()
            self._model_check = (now, indexed is None or indexed == self.embedder.fingerprint.key)
        return self._model_check[1]

    def _query_vector(self, keywords: analysis.AnalysedQuery, mode: Mode) -> np.ndarray | None:
        if mode == "keyword" or not keywords.text:
            return None
        if not self.embedder.ready and mode == "hybrid":
            self._warm_up()
            return None  # keyword results now rather than a wait of seconds while the model loads
        vector = self.embedder.embed_query(analysis.embedding_text(keywords, self.ranking.chinese_gloss_terms,
                                                                  self.ranking.technique_gloss_terms))
        return vector if np.any(vector) else None  # a text the model has no features for is like no text

    def health(self) -> dict[str, str]:
        """Readiness of the search side, for a load balancer: the backend answers, the embedding model is
        loaded. Asking while the model is not loaded starts loading it, so a new instance becomes ready
        without waiting for a first search."""
        try:
            self.backend.count()
            backend = "ok"
        except Exception:  # whatever stops the backend answering makes this instance not ready; logged
            log.warning("search backend health check failed", exc_info=True)
            backend = "unreachable"
        if not self.embedder.ready:
            self._warm_up()
        return {"search_backend": backend, "embedding_model": "ready" if self.embedder.ready else "loading"}

    def _warm_up(self) -> None:
        with self._warming_lock:
            if self._warming is None or not self._warming.is_alive():
                self._warming = threading.Thread(target=self.embedder.embed_query, args=("warm up",),
                                                 name="embedding-model-load", daemon=True)
                self._warming.start()

    def _rank(self, result: BackendResult, keywords: analysis.AnalysedQuery) -> list[tuple[str, float]]:
        if not keywords.text:
            return result.keyword  # browsing: the backend's completeness-then-recency order
        ranking = self.ranking
        other_language = self._cross_lingual(result, keywords.text)
        fused = convex_fusion(result.keyword, result.vector, keyword_share=ranking.keyword_share,
                              similarity_window=ranking.similarity_window, boosted=other_language,
                              boost=self._cross_lingual_boost(result) if other_language else 0.0)
        floor = ranking.completeness_floor
        # Sorting is stable: equal scores keep fusion's order (the keyword leg's, then the vector leg's).
        return sorted(((doc_id, score * (floor + (1 - floor) * result.info[doc_id].completeness))
                       for doc_id, score in fused), key=lambda item: -item[1])

    def _cross_lingual(self, result: BackendResult, text: str) -> set[str]:
        """The vector candidates written in the other language than the query and nearly as similar as
        the best candidate: they get a boost, because the keyword leg cannot match their words (only the
        synonym dictionary's), so they lose to partial keyword matches. Without keyword matches (vector
        mode, or no word matched) the vector ranking stands alone."""
        if not self.ranking.cross_lingual_boost or not result.vector or not result.keyword:
            return set()
        language = analysis.language_of(text)
        close = max(similarity for _, similarity in result.vector) - self.ranking.cross_lingual_margin
        return {doc_id for doc_id, similarity in result.vector
                if similarity >= close and result.info[doc_id].language not in (language, "")}

    def _cross_lingual_boost(self, result: BackendResult) -> float:
        """The cross-lingual boost, 0 when the best keyword match holds every word of the query: then the
        query's own language has its answer ("金相 晶粒度 夹杂物", a metallography service), and the other
        language's near misses (particle sizers: 粒度 is particle size) must not outrank it. A
        share-of-words scaling gained a little more on the tuning sets (market-tune 0.744 against 0.741,
        with rank fusion) but let a match of one generic word (测试) push the English answer out of the
        top 2 (docs/perf-log.md, 2026-12-03)."""
        return 0.0 if result.complete_match else self.ranking.cross_lingual_boost

    def _prefer(self, ranked: list[tuple[str, float]], result: BackendResult,
                preferences: Preferences) -> list[tuple[str, float]]:
        """Multiply each score by what the candidate offers of the preferences, after fusion: ranks
        alone are fused, so a preference moves a listing past near-equals, not past clearly better ones."""
        if not preferences:
            return ranked
        ranking = self.ranking
        wanted = set(preferences.certifications)
        region = preferences.region
        province = region.split("/", 1)[0] if region else None

        def multiplier(info: DocInfo) -> float:
            factor = ranking.preferred_kind_multiplier if info.kind in preferences.kinds else 1.0
            if region and matches_prefix(info.region, region):
                factor *= ranking.preferred_region_multiplier
            elif province and province != region and matches_prefix(info.region, province):
                factor *= ranking.preferred_province_multiplier
            if wanted and wanted <= set(info.certifications):
                factor *= ranking.preferred_certifications_multiplier
            return factor

        return sorted(((doc_id, score * multiplier(result.info[doc_id])) for doc_id, score in ranked),
                      key=lambda item: -item[1])

    def _hits(self, page: list[tuple[str, float]], result: BackendResult, keywords: analysis.AnalysedQuery,
              texts: dict[str, DocText] | None = None, telling: set[analysis.QueryGroup] | None = None) -> list[Hit]:
        keyword_rank = {doc_id: rank for rank, (doc_id, _) in enumerate(result.keyword, start=1)}
        vector_rank = {doc_id: rank for rank, (doc_id, _) in enumerate(result.vector, start=1)}
        similarity = dict(result.vector)
        if texts is None:
            texts = self.backend.texts([doc_id for doc_id, _ in page]) if page and keywords else {}
        highlight = highlighter(tuple(analysis.highlight_terms(keywords)))
        hits = []
        for doc_id, score in page:
            info, text = result.info[doc_id], texts.get(doc_id)
            matched = analysis.matches(keywords, text.terms) if text else []
            hits.append(Hit(
                doc_id=doc_id, kind=info.kind, ref=info.ref, score=round(score, 6),
                highlights=highlight(text.title, text.body) if text else {},
                keyword_rank=keyword_rank.get(doc_id), vector_rank=vector_rank.get(doc_id),
                vector_similarity=round(similarity[doc_id], 4) if doc_id in similarity else None,
                matched_terms=tuple(reason for _, reason in matched),
                telling_terms=tuple(reason for group, reason in matched if telling and group in telling)))
        return hits

