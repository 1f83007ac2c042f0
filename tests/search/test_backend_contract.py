"""Behaviour every search backend must share, run against the embedded engine and a real OpenSearch:
filters, facets, pagination, languages and synonyms, highlights, ranking. Same fixtures, same
expectations. These tests only read, so each backend indexes the catalogue (catalogue.py) once for the
module; writes, deletes, versions and rebuilds are in test_backend_writes.py."""
from dataclasses import replace

import pytest

from search.backend import SearchFilters
from search.service import Preferences, Searcher, SearchRequest
from tests.search.catalogue import ALL, HPLC_LISTINGS


@pytest.fixture(scope="module")
def backend(catalogue_backend):
    return catalogue_backend  # every test here only reads


def refs(response):
    return [hit.ref for hit in response.hits]


def search(searcher, text="", **options):
    filters = SearchFilters(**options.pop("filters", {}))
    return searcher.search(SearchRequest(text=text, filters=filters, limit=options.pop("limit", 50), **options))


@pytest.mark.parametrize("query, expected", [
    ("液相色谱", "hplc-bj"),  # English listing for a Chinese query
    ("scanning electron microscope", "sem"),  # Chinese listing for an English query
    ("电感耦合等离子体质谱", "icp-ms"),
    ("GC-MS", "gc-ms"),
    ("万能试验机", "utm"),
])
def test_a_query_in_one_language_finds_listings_written_in_the_other(searcher, query, expected):
    assert expected in refs(search(searcher, query, mode="keyword"))


def test_the_keyword_leg_finds_every_listing_that_names_the_concept(searcher):
    assert set(refs(search(searcher, "HPLC", mode="keyword"))) == HPLC_LISTINGS


def test_the_exact_title_ranks_first(searcher):
    assert refs(search(searcher, "场发射扫描电镜 ZEISS Sigma 300"))[0] == "sem"
    assert refs(search(searcher, "X-ray diffractometer Bruker D8 ADVANCE"))[0] == "xrd"
    assert refs(search(searcher, "Liquid chromatograph Waters e2695"))[0] == "hplc-bj"


@pytest.mark.parametrize("filters, expected", [
    ({"kinds": ("product",)}, {"lc-3000"}),
    ({"kinds": ("product", "need")}, {"lc-3000", "need-1"}),
    ({"region": "湖北省"}, {"hplc-wh", "need-1"}),
    ({"region": "北京市/北京市"}, {"hplc-bj"}),
    ({"region": "湖北"}, set()),  # prefixes match whole path segments
    ({"category": "分析仪器"}, {"hplc-wh", "hplc-bj", "lc-3000"}),
    ({"category": "分析仪器/色谱仪器"}, {"hplc-wh", "hplc-bj", "lc-3000"}),
    ({"origin": "domestic"}, {"lc-3000"}),
    ({"certifications": ("CNAS",)}, {"hplc-bj"}),
    ({"certifications": ("CMA", "CNAS")}, set()),  # all of them are required
    ({"service_modes": ("self_service", "sample_submission")}, {"hplc-wh", "hplc-bj"}),  # any of them
    ({"price_min": 190000}, {"lc-3000"}),
    ({"price_max": 250}, {"hplc-bj"}),
    ({"price_min": 5000, "price_max": 10000}, {"need-1"}),
])
def test_filters_narrow_the_results(searcher, filters, expected):
    assert set(refs(search(searcher, "液相色谱", mode="keyword", filters=filters))) == expected


def test_filters_apply_to_the_vector_leg_too(searcher):
    response = search(searcher, "液相色谱仪", mode="vector", filters={"region": "湖北省", "kinds": ("instrument",)})
    assert response.hits and set(refs(response)) <= {"hplc-wh", "sem", "gc-ms"}


def test_an_english_query_reaches_chinese_listings_by_vector_when_its_model_reads_chinese(backend, embedder, ranking):
    def vector_refs(chinese_gloss_terms):
        searcher = Searcher(backend, embedder, replace(ranking, chinese_gloss_terms=chinese_gloss_terms))
        return refs(search(searcher, "liquid chromatography", mode="vector"))
    assert "hplc-wh" not in vector_refs(0)  # 高效液相色谱仪 shares no word with the English query
    assert "hplc-wh" in vector_refs(4)  # its Chinese names, embedded after the English ones, do


def test_hybrid_adds_no_vector_candidate_when_none_is_near_enough_to_show_alone(backend, embedder, ranking):
    def hybrid_refs(good_match_similarity):
        searcher = Searcher(backend, embedder, replace(ranking, good_match_similarity=good_match_similarity))
        return set(refs(search(searcher, "液相色谱")))
    keyword_matches = set(refs(search(Searcher(backend, embedder, ranking), "液相色谱", mode="keyword")))
    assert hybrid_refs(0.0) > keyword_matches  # near enough: vector candidates join the keyword matches
    assert hybrid_refs(0.99) == keyword_matches  # none near enough: no padding


def test_facets_count_every_filtered_match_not_just_the_first_candidates(backend, embedder, ranking):
    narrow = Searcher(backend, embedder, replace(ranking, fusion_depth=2))
    response = narrow.search(SearchRequest("液相色谱", mode="keyword", limit=2))
    assert response.total == 5 and len(response.hits) == 2
    facets = response.facets
    assert dict(facets["kind"]) == {"instrument": 3, "product": 1, "need": 1}
    assert dict(facets["region"]) == {"湖北省": 2, "北京市": 1, "上海市": 1, "湖南省": 1}
    assert dict(facets["category"]) == {"分析仪器": 3}
    assert dict(facets["origin"]) == {"imported": 2, "domestic": 1}
    assert facets["certification"] == [("CMA", 1), ("CNAS", 1)]
    assert dict(facets["service_mode"]) == {"sample_submission": 1, "self_service": 1}


def test_facets_follow_the_filters(searcher):
    facets = search(searcher, "液相色谱", mode="keyword", filters={"kinds": ("instrument",)}).facets
    assert dict(facets["kind"]) == {"instrument": 3}


def test_pages_do_not_overlap_and_cover_all_matches(searcher):
    seen = []
    for offset in range(0, 6, 2):
        seen += refs(search(searcher, "液相色谱", mode="keyword", limit=2, offset=offset))
    assert len(seen) == len(set(seen)) == search(searcher, "液相色谱", mode="keyword").total == 5


def test_highlights_escape_listing_html_and_add_only_marks(searcher):
    hit = next(h for h in search(searcher, "液相色谱").hits if h.ref == "xss")
    title = hit.highlights["title"][0]
    assert title == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>液相色谱仪</mark>"


def test_highlights_mark_the_synonym_a_listing_uses(searcher):
    hit = next(h for h in search(searcher, "液相色谱").hits if h.ref == "hplc-bj")
    assert "<mark>Liquid chromatograph</mark>" in hit.highlights["title"][0]
    assert any("<mark>HPLC</mark>" in snippet for snippet in hit.highlights["body"])


def test_hits_explain_which_words_and_synonyms_matched(searcher):
    hits = {h.ref: h for h in search(searcher, "液相色谱 武汉").hits}
    assert hits["hplc-wh"].matched_terms == ("液相色谱", "武汉") and hits["hplc-wh"].keyword_rank == 1
    assert hits["hplc-bj"].matched_terms == ("液相色谱 ≈ hplc",)


def test_a_need_finds_the_instrument_that_measures_it_and_says_why(searcher):
    # search/data/techniques.txt: crystal structure => XRD; the listing is written in English.
    hit = next(h for h in search(searcher, "晶体结构", mode="keyword").hits if h.ref == "xrd")
    assert hit.matched_terms and hit.matched_terms[0].startswith("晶体结构 ≈ ")


def test_words_that_no_listing_has_all_of_still_find_the_closest_ones(searcher):
    # AND finds nothing, so the keyword leg falls back to OR.
    assert refs(search(searcher, "扫描电镜 核磁共振", mode="keyword"))[:2] in (["sem", "nmr"], ["nmr", "sem"])


def test_a_word_no_listing_has_does_not_stop_the_other_words_from_matching(searcher):
    response = search(searcher, "液相色谱 武汉 xyzzy", mode="keyword")
    assert set(refs(response)[:2]) == {"hplc-wh", "need-1"}  # both remaining words first
    assert {"hplc-bj", "sem"} <= set(refs(response))  # then either of them


def test_vector_search_ranks_by_embedding_alone(searcher):
    # Words with no synonyms: the test embedder hashes characters and would read the English gloss as noise.
    response = search(searcher, "ZEISS Sigma 300 场发射", mode="vector")
    assert refs(response)[0] == "sem"
    assert response.hits[0].keyword_rank is None and response.hits[0].vector_similarity > 0.5
    assert response.mode == "vector"


def test_hybrid_search_reports_both_legs(searcher):
    response = search(searcher, "高效液相色谱仪 Agilent 1260 Infinity II")
    agilent = next(hit for hit in response.hits if hit.ref == "hplc-wh")
    assert response.mode == "hybrid" and response.hits.index(agilent) < 2
    assert agilent.keyword_rank == 1 and agilent.vector_rank is not None and agilent.vector_similarity is not None



def test_candidates_carry_the_region_certifications_and_language_that_ranking_weighs(backend):
    from search import analysis
    from search.backend import BackendQuery
    result = backend.search(BackendQuery(keywords=analysis.analyse_query("液相色谱"), vector=None,
                                         legs=frozenset({"keyword"})))
    by_ref = {info.ref: info for info in result.info.values()}
    assert (by_ref["hplc-bj"].region, by_ref["hplc-bj"].certifications) == ("北京市/北京市", ("CNAS",))
    assert by_ref["lc-3000"].certifications == ()
    assert (by_ref["hplc-bj"].language, by_ref["hplc-wh"].language) == ("en", "zh")


def test_the_backend_counts_the_listings_holding_each_word_when_asked_or_when_none_holds_them_all(backend):
    from search import analysis
    from search.backend import BackendQuery
    keywords = analysis.analyse_query("液相色谱 形貌")
    chromatography, morphology = keywords.groups
    asked = backend.search(BackendQuery(keywords=keywords, vector=None, legs=frozenset({"keyword"}),
                                        filters=SearchFilters(kinds=("product",)), frequencies=True))
    # Of the whole catalogue: the filter narrows the matches, not the counts.
    assert [info.ref for info in asked.info.values()] == ["lc-3000"]
    assert asked.frequencies == {chromatography: len(HPLC_LISTINGS), morphology: 1} and asked.listings == len(ALL)
    # Unasked, counted only when the AND of all groups matched nothing (the relaxed stages need them).
    incomplete = backend.search(BackendQuery(keywords=keywords, vector=None, legs=frozenset({"keyword"})))
    assert not incomplete.complete_match and incomplete.frequencies == asked.frequencies
    complete = backend.search(BackendQuery(keywords=analysis.analyse_query("液相色谱 武汉"), vector=None,
                                           legs=frozenset({"keyword"})))
    assert complete.complete_match and (complete.frequencies, complete.listings) == ({}, 0)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_list_that_needs_evidence_keeps_only_listings_sharing_a_telling_word(backend, embedder, ranking, mode):
    """武汉 is in four of the twelve listings (a third), 形貌 only in the SEM's; 300 is in the SEM's
    title too, but a bare number says nothing of what a listing does."""
    searcher = Searcher(backend, embedder, replace(ranking, informative_count=0, good_match_similarity=0.0))
    assert {"sem", "hplc-wh", "column", "need-1"} <= set(refs(search(searcher, "形貌 武汉", mode=mode)))
    kept = search(searcher, "形貌 武汉", mode=mode, evidence_required=True)
    assert refs(kept) == ["sem"] and kept.total == 1 and kept.good_match
    sem = kept.hits[0]
    assert (sem.matched_terms, sem.telling_terms) == (("形貌", "武汉"), ("形貌",))
    for common_only in ("武汉", "300 武汉"):
        assert "sem" in refs(search(searcher, common_only, mode=mode))
        nothing = search(searcher, common_only, mode=mode, evidence_required=True)
        assert (nothing.hits, nothing.total, nothing.good_match) == ([], 0, False)


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_query_whose_words_the_catalogue_mostly_lacks_is_no_good_match_unless_surely_near(
        backend, embedder, ranking, mode):
    """武汉 is in four listings, lorem and ipsum in none: a third of the query's words known, and a place
    says nothing of what is wanted. 形貌 is a need the SEM answers (techniques.txt): it asks for it."""
    sure_at = {"never": 1.01, "any candidate": 0.0}
    searchers = {name: Searcher(backend, embedder, replace(ranking, good_match_similarity=0.0,
                                                           sure_match_similarity=floor))
                 for name, floor in sure_at.items()}
    nothing = search(searchers["never"], "武汉 lorem ipsum", mode=mode)
    assert (nothing.hits, nothing.total, nothing.good_match) == ([], 0, False)
    assert "sem" in refs(search(searchers["never"], "武汉 湖北省 lorem ipsum", mode=mode))  # half known
    assert "sem" in refs(search(searchers["never"], "形貌 lorem ipsum", mode=mode))
    surely = search(searchers["any candidate"], "武汉 lorem ipsum", mode=mode)
    assert bool(refs(surely)) is (mode == "hybrid")  # keyword mode has no vector candidate to be sure of


@pytest.mark.parametrize("mode", ["keyword", "hybrid"])
def test_a_query_asking_for_an_instrument_no_listing_holds_is_no_good_match_unless_clearly_near(
        backend, embedder, ranking, mode):
    """No listing is a vector network analyser (synonyms.txt knows it in both languages) or a salt-spray
    chamber; 武汉 is in four listings, so half the query's words are known and the word rule alone would
    show them."""
    clear_at = {"never": 1.01, "any candidate": -1.0}
    searchers = {name: Searcher(backend, embedder, replace(ranking, min_similarity=-1.0, good_match_similarity=-1.0,
                                                           sure_match_similarity=-1.0, clear_match_similarity=floor))
                 for name, floor in clear_at.items()}
    for lacking in ("矢量网络分析仪 武汉", "vector network analyzer Wuhan", "盐雾试验 武汉"):
        nothing = search(searchers["never"], lacking, mode=mode)
        assert (nothing.hits, nothing.total, nothing.good_match) == ([], 0, False)
        clearly = search(searchers["any candidate"], lacking, mode=mode)
        assert bool(refs(clearly)) is (mode == "hybrid")  # keyword mode has no vector candidate to be sure of
    assert "sem" in refs(search(searchers["never"], "扫描电镜 武汉 矢量网络分析仪", mode=mode))  # one asked for is held


def test_in_a_small_catalogue_a_word_in_a_few_listings_is_telling_however_large_their_share(searcher):
    found = refs(search(searcher, "武汉", mode="keyword"))
    assert len(found) == 4 and refs(search(searcher, "武汉", mode="keyword", evidence_required=True)) == found


@pytest.mark.parametrize("text, filters, complete", [
    ("液相色谱 武汉", {}, True),  # hplc-wh holds both words
    ("扫描电镜 核磁共振", {}, False),  # no listing holds both: the best match comes from the OR stage
    ("液相色谱 武汉", {"region": "北京市"}, False),  # the listing holding both is filtered out
])
def test_the_result_says_whether_the_best_keyword_match_holds_every_word(backend, text, filters, complete):
    from search import analysis
    from search.backend import BackendQuery
    result = backend.search(BackendQuery(keywords=analysis.analyse_query(text), vector=None,
                                         filters=SearchFilters(**filters), legs=frozenset({"keyword"})))
    assert result.keyword and result.complete_match is complete


@pytest.mark.parametrize("preferences, preferred, multiplier", [
    (Preferences(kinds=("product",)), "lc-3000", "preferred_kind_multiplier"),
    (Preferences(kinds=("need",)), "need-1", "preferred_kind_multiplier"),
    (Preferences(region="北京市/北京市"), "hplc-bj", "preferred_region_multiplier"),
    (Preferences(region="上海市"), "lc-3000", "preferred_region_multiplier"),
    (Preferences(certifications=("CNAS",)), "hplc-bj", "preferred_certifications_multiplier"),
])
def test_a_preference_multiplies_the_score_of_what_has_it_without_removing_anything(
        searcher, ranking, preferences, preferred, multiplier):
    plain = search(searcher, "液相色谱仪", mode="keyword")
    preferring = search(searcher, "液相色谱仪", mode="keyword", preferences=preferences)
    assert sorted(refs(plain)) == sorted(refs(preferring))
    before, after = (next(hit for hit in response.hits if hit.ref == preferred) for response in (plain, preferring))
    assert after.score == pytest.approx(before.score * getattr(ranking, multiplier), rel=1e-4)
    assert refs(preferring).index(preferred) <= refs(plain).index(preferred)


def test_a_preference_lifts_a_listing_past_a_near_equal_but_not_past_a_clearly_better_one(searcher):
    """hplc-bj (CNAS) scores a little below xss and far below the best match, hplc-wh."""
    plain = refs(search(searcher, "液相色谱仪", mode="keyword"))
    cnas = refs(search(searcher, "液相色谱仪", mode="keyword", preferences=Preferences(certifications=("CNAS",))))
    assert plain.index("hplc-bj") > plain.index("xss") and cnas.index("hplc-bj") < cnas.index("xss")
    assert plain[0] == cnas[0] == "hplc-wh"


def test_a_preferred_city_ranks_above_its_province_and_the_province_above_elsewhere(searcher):
    wuhan = Preferences(region="湖北省/武汉市")
    ranked = refs(search(searcher, "液相色谱 高效液相色谱仪 气相色谱", mode="keyword", preferences=wuhan))
    assert ranked.index("hplc-wh") < ranked.index("gc-ms") < ranked.index("hplc-bj")
