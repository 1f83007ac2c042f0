"""Behaviour every search backend must share, run against the embedded engine and a real OpenSearch:
filters, facets, deletes, external versions, pagination, languages and synonyms, highlights, ranking,
rebuilds and version reports. Same fixtures, same expectations."""
import sys
from dataclasses import replace

import numpy as np
import pytest

from search import analysis
from search.backend import UNKNOWN_ANALYSIS, Delete, SearchFilters, Upsert
from search.service import SearchRequest, Searcher
from tests.search.listings import (
    ALL,
    HPLC_LISTINGS,
    HPLC_WUHAN,
    NMR,
    SEM,
    XRD,
    renamed,
    upserts,
)


@pytest.fixture
def catalogue(put):
    assert {r.status for r in put(*ALL)} == {"ok"}


def refs(response):
    return [hit.ref for hit in response.hits]


def search(searcher, text="", **options):
    filters = SearchFilters(**options.pop("filters", {}))
    return searcher.search(SearchRequest(text=text, filters=filters, limit=options.pop("limit", 50), **options))


def test_an_empty_index_answers_with_nothing(searcher):
    response = search(searcher, "液相色谱")
    assert response.total == 0 and response.hits == []
    assert search(searcher).total == 0


@pytest.mark.parametrize("query, expected", [
    ("液相色谱", "hplc-bj"),  # English listing for a Chinese query
    ("scanning electron microscope", "sem"),  # Chinese listing for an English query
    ("电感耦合等离子体质谱", "icp-ms"),
    ("GC-MS", "gc-ms"),
    ("万能试验机", "utm"),
])
def test_a_query_in_one_language_finds_listings_written_in_the_other(searcher, catalogue, query, expected):
    assert expected in refs(search(searcher, query, mode="keyword"))


def test_the_keyword_leg_finds_every_listing_that_names_the_concept(searcher, catalogue):
    assert set(refs(search(searcher, "HPLC", mode="keyword"))) == HPLC_LISTINGS


def test_the_exact_title_ranks_first(searcher, catalogue):
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
def test_filters_narrow_the_results(searcher, catalogue, filters, expected):
    assert set(refs(search(searcher, "液相色谱", mode="keyword", filters=filters))) == expected


def test_filters_apply_to_the_vector_leg_too(searcher, catalogue):
    response = search(searcher, "液相色谱仪", mode="vector", filters={"region": "湖北省", "kinds": ("instrument",)})
    assert response.hits and set(refs(response)) <= {"hplc-wh", "sem", "gc-ms"}


def test_browsing_without_text_lists_the_filtered_listings_most_complete_first(backend, embedder, searcher, catalogue):
    backend.write(upserts(embedder, [replace(SEM, completeness=0.2)], version=2))
    response = search(searcher, filters={"region": "湖北省"})
    assert set(refs(response)) == {"hplc-wh", "sem", "gc-ms", "column", "need-1"} and response.total == 5
    assert refs(response)[-1] == "sem"
    assert dict(response.facets["kind"]) == {"instrument": 3, "transfer": 1, "need": 1}


def test_facets_count_every_filtered_match_not_just_the_first_candidates(backend, embedder, ranking, catalogue):
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


def test_facets_follow_the_filters(searcher, catalogue):
    facets = search(searcher, "液相色谱", mode="keyword", filters={"kinds": ("instrument",)}).facets
    assert dict(facets["kind"]) == {"instrument": 3}


def test_pages_do_not_overlap_and_cover_all_matches(searcher, catalogue):
    seen = []
    for offset in range(0, 6, 2):
        seen += refs(search(searcher, "液相色谱", mode="keyword", limit=2, offset=offset))
    assert len(seen) == len(set(seen)) == search(searcher, "液相色谱", mode="keyword").total == 5


def test_a_delete_removes_the_listing_from_search_versions_and_count(backend, searcher, catalogue):
    assert backend.write([Delete("sem", 2)])[0].status == "ok"
    assert "sem" not in refs(search(searcher, "扫描电镜"))
    assert "sem" not in refs(search(searcher, filters={"region": "湖北省"}))
    assert "sem" not in backend.versions() and backend.count() == len(ALL) - 1


def test_writes_older_than_what_the_index_holds_are_stale_not_errors(backend, put, catalogue):
    assert put(replace(SEM, title="SEM v3"), version=3)[0].status == "ok"
    assert put(replace(SEM, title="SEM v2"), version=2)[0].status == "stale"
    assert put(replace(SEM, title="SEM v3 again"), version=3)[0].status == "stale"
    assert backend.write([Delete("sem", 3)])[0].status == "stale"
    assert backend.versions()["sem"] == 3


def test_a_late_upsert_cannot_bring_back_a_deleted_listing(backend, put, searcher, catalogue):
    assert backend.write([Delete("sem", 4)])[0].status == "ok"
    assert put(replace(SEM, title="SEM late"), version=3)[0].status == "stale"
    assert backend.write([Delete("sem", 4)])[0].status == "stale"
    assert "sem" not in backend.versions() and "sem" not in refs(search(searcher, "SEM late"))
    assert put(replace(SEM, title="SEM relisted"), version=5)[0].status == "ok"
    assert backend.versions()["sem"] == 5


def test_a_delete_that_arrives_before_its_listing_keeps_the_listing_out(backend, put):
    assert backend.write([Delete("ghost", 2)])[0].status == "ok"
    assert put(replace(XRD, doc_id="ghost"), version=1)[0].status == "stale"
    assert backend.versions() == {}


def test_each_write_gets_its_own_result_and_a_bad_one_does_not_sink_the_batch(backend, embedder, catalogue):
    good = upserts(embedder, [NMR], version=2)[0]
    bad = Upsert(upserts(embedder, [XRD], version=2)[0].document, np.ones(7, dtype=np.float32))
    results = backend.write([good, bad, Delete("utm", 2)])
    assert [(r.doc_id, r.status) for r in results] == [("nmr", "ok"), ("xrd", "error"), ("utm", "ok")]
    assert results[1].error
    assert backend.versions()["xrd"] == 1


def test_highlights_escape_listing_html_and_add_only_marks(searcher, catalogue):
    hit = next(h for h in search(searcher, "液相色谱").hits if h.ref == "xss")
    title = hit.highlights["title"][0]
    assert title == "&lt;script&gt;alert(1)&lt;/script&gt; <mark>液相色谱仪</mark>"


def test_highlights_mark_the_synonym_a_listing_uses(searcher, catalogue):
    hit = next(h for h in search(searcher, "液相色谱").hits if h.ref == "hplc-bj")
    assert "<mark>Liquid chromatograph</mark>" in hit.highlights["title"][0]
    assert any("<mark>HPLC</mark>" in snippet for snippet in hit.highlights["body"])


def test_hits_explain_which_words_and_synonyms_matched(searcher, catalogue):
    hits = {h.ref: h for h in search(searcher, "液相色谱 武汉").hits}
    assert hits["hplc-wh"].matched_terms == ("液相色谱", "武汉") and hits["hplc-wh"].keyword_rank == 1
    assert hits["hplc-bj"].matched_terms == ("液相色谱 ≈ hplc",)


def test_words_that_no_listing_has_all_of_still_find_the_closest_ones(searcher, catalogue):
    # AND finds nothing, so the keyword leg falls back to OR.
    assert refs(search(searcher, "扫描电镜 核磁共振", mode="keyword"))[:2] in (["sem", "nmr"], ["nmr", "sem"])


def test_a_word_no_listing_has_does_not_stop_the_other_words_from_matching(searcher, catalogue):
    response = search(searcher, "液相色谱 武汉 xyzzy", mode="keyword")
    assert set(refs(response)[:2]) == {"hplc-wh", "need-1"}  # both remaining words first
    assert {"hplc-bj", "sem"} <= set(refs(response))  # then either of them


def test_vector_search_ranks_by_embedding_alone(searcher, catalogue):
    # Words with no synonyms: the test embedder hashes characters and would read the English gloss as noise.
    response = search(searcher, "ZEISS Sigma 300 场发射", mode="vector")
    assert refs(response)[0] == "sem"
    assert response.hits[0].keyword_rank is None and response.hits[0].vector_similarity > 0.5
    assert response.mode == "vector"


def test_hybrid_search_reports_both_legs(searcher, catalogue):
    response = search(searcher, "高效液相色谱仪 Agilent 1260 Infinity II")
    top = response.hits[0]
    assert response.mode == "hybrid" and top.ref == "hplc-wh"
    assert top.keyword_rank == 1 and top.vector_rank is not None


def test_a_rebuild_swaps_in_exactly_the_new_documents_and_keeps_tombstones(backend, embedder, searcher, catalogue):
    backend.write([Delete("xrd", 2)])
    backend.rebuild(upserts(embedder, [HPLC_WUHAN, replace(SEM, title="扫描电镜 rebuilt")], version=2))
    assert backend.versions() == {"hplc-wh": 2, "sem": 2} and backend.count() == 2
    assert refs(search(searcher, "rebuilt")) == ["sem"]
    assert backend.write(upserts(embedder, [XRD], version=1))[0].status == "stale"
    assert backend.write(upserts(embedder, [NMR], version=1))[0].status == "ok"  # writes go to the new index


def test_searches_keep_answering_from_the_old_index_while_a_rebuild_runs(backend, embedder, searcher, catalogue):
    answers = []

    def documents():
        for upsert in upserts(embedder, [SEM, XRD], version=2):
            answers.append(refs(search(searcher, "液相色谱", mode="keyword")))
            yield upsert

    backend.rebuild(documents())
    assert answers and all(set(answer) == HPLC_LISTINGS for answer in answers)
    assert search(searcher, "液相色谱", mode="keyword").total == 0
    assert backend.versions() == {"sem": 2, "xrd": 2}


def test_a_rebuild_from_nothing_leaves_an_empty_index_that_accepts_writes(backend, embedder, put, searcher, catalogue):
    backend.rebuild([])
    assert backend.count() == 0 and search(searcher, "液相色谱").total == 0
    assert put(SEM, version=2)[0].status == "ok"
    assert refs(search(searcher, "扫描电镜")) == ["sem"]


def test_versions_and_count_report_what_was_written(backend, put, catalogue):
    assert put(replace(NMR, title="NMR v7"), version=7)[0].status == "ok"
    assert backend.versions() == {**{d.doc_id: 1 for d in ALL}, "nmr": 7}
    assert backend.count() == len(ALL)


def test_texts_return_the_stored_text_of_live_listings_only(backend, catalogue):
    backend.write([Delete("nmr", 2)])
    texts = backend.texts(["sem", "nmr", "unknown"])
    assert set(texts) == {"sem"}
    assert texts["sem"].title == SEM.title and "扫描电镜" in texts["sem"].terms.split()


def test_an_index_names_the_dictionaries_it_was_built_with(backend, embedder, catalogue, monkeypatch):
    assert backend.analysed_with() == analysis.fingerprint()
    monkeypatch.setattr(analysis, "fingerprint", lambda: "edited-dictionaries")
    backend.rebuild(upserts(embedder, ALL, version=2))
    assert backend.analysed_with() == "edited-dictionaries"


# Where each backend keeps the format of the indexes it writes and reads.
FORMAT_MODULES = {"embedded": "search.embedded.store", "embedded-ann": "search.embedded.store",
                  "opensearch": "search.opensearch.mapping"}


def test_an_index_in_an_older_format_reports_unknown_dictionaries_until_a_rebuild(backend, backend_kind, embedder,
                                                                                catalogue, monkeypatch):
    """What `indexer verify` sees after an upgrade changed the index layout: it asks for a rebuild."""
    monkeypatch.setattr(sys.modules[FORMAT_MODULES[backend_kind]], "FORMAT", "a later format")
    assert backend.analysed_with() == UNKNOWN_ANALYSIS
    backend.rebuild(upserts(embedder, ALL, version=2))
    assert backend.analysed_with() == analysis.fingerprint()


def test_multi_word_synonyms_match_as_one_term_in_any_case_and_spacing(searcher, put):
    put(renamed(XRD, "sem-en", title="Field-emission SCANNING   Electron Microscope", body="Imaging."),
        renamed(XRD, "scattered", title="Electron beam welding", body="Scanning of microscope slides."))
    assert refs(search(searcher, "扫描电镜", mode="keyword")) == ["sem-en"]
