"""The searcher on top of a backend: modes, the keyword-only fallback while the model loads,
browsing and totals. These tests only read: each backend indexes the catalogue once for the module."""
import threading
from dataclasses import replace

import pytest

from search.embeddings import HashingEmbedder
from search.service import Searcher, SearchRequest
from tests.search.catalogue import ALL


class LoadingEmbedder:
    """Loads until told to finish, then behaves like the hashing embedder."""

    def __init__(self):
        self.loaded = threading.Event()
        self._inner = HashingEmbedder()
        self.dimension = self._inner.dimension

    @property
    def ready(self):
        return self.loaded.is_set()

    def embed(self, texts):
        self.loaded.wait(timeout=10)
        return self._inner.embed(texts)

    def embed_query(self, text):
        return self.embed([text])[0]

    @property
    def fingerprint(self):
        return self._inner.fingerprint


class RefusingEmbedder(HashingEmbedder):
    def embed_query(self, text):
        raise AssertionError("keyword search must not embed the query")


@pytest.fixture(scope="module")
def backend(catalogue_backend):
    return catalogue_backend  # every test here only reads


def test_hybrid_search_answers_by_keywords_while_the_model_loads(backend, ranking):
    embedder = LoadingEmbedder()
    searcher = Searcher(backend, embedder, ranking)
    response = searcher.search(SearchRequest("液相色谱"))
    assert response.mode == "keyword" and response.hits
    embedder.loaded.set()
    searcher._warming.join(timeout=10)
    assert searcher.search(SearchRequest("液相色谱")).mode == "hybrid"


def test_keyword_mode_never_embeds_the_query(backend, ranking):
    response = Searcher(backend, RefusingEmbedder(), ranking).search(SearchRequest("扫描电镜", mode="keyword"))
    assert [hit.ref for hit in response.hits] == ["sem"] and response.mode == "keyword"


def test_browsing_never_embeds_and_keeps_the_backend_order(backend, ranking):
    response = Searcher(backend, RefusingEmbedder(), ranking).search(SearchRequest("", limit=100))
    assert response.total == len(ALL) and len(response.hits) == len(ALL)
    assert all(hit.highlights == {} and hit.matched_terms == () for hit in response.hits)


def test_a_query_of_stop_words_only_matches_nothing_instead_of_listing_everything(backend, ranking):
    response = Searcher(backend, RefusingEmbedder(), ranking).search(SearchRequest("the of 的", mode="keyword"))
    assert response.total == 0 and response.hits == []


def test_the_total_counts_vector_candidates_that_the_keywords_missed(backend, embedder, ranking):
    searcher = Searcher(backend, embedder, replace(ranking, min_similarity=-1.0))
    keyword_total = searcher.search(SearchRequest("扫描电镜", mode="keyword")).total
    hybrid = searcher.search(SearchRequest("扫描电镜", limit=100))
    assert keyword_total == 1 and hybrid.total == len(hybrid.hits) > 1


def test_a_query_nothing_matches_well_returns_no_hit_and_says_so(backend, embedder, ranking):
    # Every listing is a vector candidate (min_similarity -1), but none is near enough to show.
    searcher = Searcher(backend, embedder, replace(ranking, min_similarity=-1.0, good_match_similarity=0.5))
    for nonsense in ("asdfgh qwerty", "紫色的大象跳舞"):
        response = searcher.search(SearchRequest(nonsense))
        assert (response.total, response.hits, response.good_match) == (0, [], False)
    found = searcher.search(SearchRequest("扫描电镜"))
    assert found.good_match and found.hits[0].ref == "sem"


def test_vector_candidates_near_enough_in_meaning_are_shown_without_a_keyword_match(backend, embedder, ranking):
    searcher = Searcher(backend, embedder, replace(ranking, min_similarity=-1.0, good_match_similarity=-1.0))
    response = searcher.search(SearchRequest("asdfgh qwerty", mode="vector"))
    assert response.good_match and response.total == len(response.hits) > 0


@pytest.mark.parametrize("asked", ["somebody to run ICP-MS on", "the heavy metals measured in"])
def test_a_long_need_asking_for_what_an_instrument_of_the_catalogue_does_is_answered(backend, ranking, asked):
    """Most of a long need's words are the writer's context (company, customers, report, price), which
    no listing holds; the instrument it names, or the need one answers (techniques.txt), decides.
    Keyword mode: no vector candidate can vouch."""
    need = ("We are a small bakery supplier and customers keep asking us about our flour, so we would "
            f"like {asked} twenty samples and a signed report with prices")
    response = Searcher(backend, RefusingEmbedder(), ranking).search(SearchRequest(need, mode="keyword"))
    assert response.good_match and response.hits[0].ref == "icp-ms"
    everyday = Searcher(backend, RefusingEmbedder(), ranking).search(
        SearchRequest("a small bakery supplier asking about flour prices and a signed report", mode="keyword"))
    assert (everyday.hits, everyday.good_match) == ([], False)


@pytest.mark.parametrize("nearest_language, good_match", [("zh", False), ("en", True)])
def test_unknown_words_decide_only_when_the_nearest_listing_speaks_the_querys_language(
        backend, embedder, ranking, nearest_language, good_match):
    """An everyday Chinese question reaches the good-match floor (0.85) in both languages; the catalogue
    holds none of its words. Only an English listing nearest of all says the words may not judge."""
    from search import analysis
    from search.backend import BackendResult, DocInfo
    searcher = Searcher(backend, embedder, replace(ranking, good_match_similarity=0.85, sure_match_similarity=0.89))
    text = "减肥 食谱 推荐"
    other = "en" if nearest_language == "zh" else "zh"
    result = BackendResult(
        vector=[("nearest", 0.87), ("second", 0.86)],
        info={doc_id: DocInfo("instrument", doc_id, 1.0, None, (), language)
              for doc_id, language in (("nearest", nearest_language), ("second", other))},
        frequencies=dict.fromkeys(analysis.analyse_query(text).groups, 0))
    assert searcher._good_match(result, text) is good_match
