"""Behaviour every backend must share: filters, facets, deletes, versions, pagination, languages,
synonyms, highlights, ranking and rebuilds. Runs against the embedded engine and a real OpenSearch."""
import pytest

from search.backend import Delete, SearchFilters, Upsert
from search.documents import build_document
from search.service import SearchRequest

HPLC_WUHAN = {"kind": "instrument", "ref": "hplc-wh", "title": "高效液相色谱仪 Agilent 1260 Infinity II",
              "description": "可开展药物有关物质检查与含量测定，送样检测。", "region": "湖北省/武汉市",
              "category": "分析仪器/色谱仪器", "origin": "imported", "certifications": ["CMA"],
              "service_modes": ["sample_submission"], "fees": [{"item": "有关物质", "price_cny": 300, "unit": "sample"}]}
HPLC_BEIJING = {"kind": "instrument", "ref": "hplc-bj", "title": "Liquid chromatograph Waters e2695",
                "description": "HPLC for impurity profiling of drug substances. Self-service after training.",
                "region": "北京市/北京市", "category": "分析仪器/色谱仪器", "origin": "imported",
                "certifications": ["CNAS"], "service_modes": ["self_service"],
                "fees": [{"item": "machine time", "price_cny": 200, "unit": "hour"}]}
HPLC_PRODUCT = {"kind": "product", "ref": "lc-3000", "title": "国产液相色谱仪 LC-3000",
                "description": "Domestic HPLC replacing Agilent 1260 Infinity II.", "origin": "domestic",
                "region": "上海市/上海市", "category": "分析仪器/色谱仪器", "price_min_cny": 180000, "price_max_cny": 260000}
SEM = {"kind": "instrument", "ref": "sem", "title": "场发射扫描电镜 ZEISS Sigma 300", "description": "形貌观察与能谱分析。",
       "region": "湖北省/武汉市", "category": "分析仪器/电子光学仪器", "origin": "imported", "certifications": ["CMA", "CNAS"],
       "service_modes": ["operated_by_staff"], "fees": [{"item": "形貌", "price_cny": 500, "unit": "hour"}]}
XRD = {"kind": "instrument", "ref": "xrd", "title": "X-ray diffractometer Bruker D8 ADVANCE",
       "description": "Phase identification and crystallinity.", "region": "江苏省/南京市",
       "category": "分析仪器/X射线仪器", "origin": "imported", "service_modes": ["sample_submission"],
       "fees": [{"item": "phase", "price_cny": 150, "unit": "sample"}]}
TRANSFER = {"kind": "transfer", "ref": "column", "title": "手性色谱柱填料制备技术", "description": "用于药物杂质分离的色谱柱。",
            "region": "湖北省/武汉市", "asking_price_cny": 500000}
XSS = {"kind": "instrument", "ref": "xss", "title": "<script>alert(1)</script> 液相色谱仪", "description": "<b>bold</b>",
       "region": "湖南省/长沙市"}
ALL = [HPLC_WUHAN, HPLC_BEIJING, HPLC_PRODUCT, SEM, XRD, TRANSFER, XSS]


@pytest.fixture
def catalogue(put):
    assert {r.status for r in put(*ALL)} == {"ok"}


def refs(response):
    return [hit.ref for hit in response.hits]


def search(searcher, text="", **options):
    filters = SearchFilters(**options.pop("filters", {}))
    return searcher.search(SearchRequest(text=text, filters=filters, **options))


def test_a_chinese_query_finds_english_listings_and_back(searcher, catalogue):
    assert "hplc-bj" in refs(search(searcher, "液相色谱"))
    assert "hplc-wh" in refs(search(searcher, "HPLC", mode="keyword"))
    assert "sem" in refs(search(searcher, "scanning electron microscope", mode="keyword"))


def test_the_exact_title_ranks_first(searcher, catalogue):
    assert refs(search(searcher, "扫描电镜"))[0] == "sem"
    assert refs(search(searcher, "X-ray diffractometer"))[0] == "xrd"


@pytest.mark.parametrize("filters, expected", [
    ({"kinds": ("product",)}, {"lc-3000"}),
    ({"region": "湖北省"}, {"hplc-wh"}),
    ({"region": "北京市/北京市"}, {"hplc-bj"}),
    ({"category": "分析仪器/色谱仪器"}, {"hplc-wh", "hplc-bj", "lc-3000"}),
    ({"origin": "domestic"}, {"lc-3000"}),
    ({"certifications": ("CNAS",)}, {"hplc-bj"}),
    ({"service_modes": ("self_service", "sample_submission")}, {"hplc-wh", "hplc-bj"}),
    ({"price_min": 190000}, {"lc-3000"}),
    ({"price_max": 250}, {"hplc-bj"}),
])
def test_filters_narrow_the_results(searcher, catalogue, filters, expected):
    assert set(refs(search(searcher, "液相色谱", mode="keyword", filters=filters))) == expected


def test_browsing_without_text_lists_everything_that_passes_the_filters(searcher, catalogue):
    response = search(searcher, filters={"kinds": ("instrument",), "region": "湖北省"})
    assert set(refs(response)) == {"hplc-wh", "sem"} and response.total == 2


def test_facets_count_the_matches(searcher, catalogue):
    facets = search(searcher, "液相色谱", mode="keyword").facets
    assert dict(facets["kind"]) == {"instrument": 3, "product": 1}
    assert dict(facets["region"])["湖北省"] == 1
    assert dict(facets["certification"]) == {"CMA": 1, "CNAS": 1}


def test_pages_do_not_overlap_and_cover_all_matches(searcher, catalogue):
    seen = []
    for offset in range(0, 6, 2):
        seen += refs(search(searcher, "液相色谱", mode="keyword", limit=2, offset=offset))
    assert len(seen) == len(set(seen)) == search(searcher, "液相色谱", mode="keyword").total


def test_deletes_remove_documents(backend, searcher, catalogue):
    assert backend.write([Delete("sem", 2)])[0].status == "ok"
    assert "sem" not in refs(search(searcher, "扫描电镜"))
    assert "sem" not in backend.versions()


def test_external_versions_skip_stale_writes_including_after_a_delete(backend, put, searcher, catalogue):
    assert put({**SEM, "title": "SEM v3"}, version=3)[0].status == "ok"
    assert put({**SEM, "title": "SEM v2"}, version=2)[0].status == "stale"
    assert backend.versions()["sem"] == 3
    assert backend.write([Delete("sem", 4)])[0].status == "ok"
    assert put({**SEM, "title": "SEM late"}, version=3)[0].status == "stale"
    assert "sem" not in backend.versions()


def test_highlights_are_escaped_and_marked(searcher, catalogue):
    hit = next(h for h in search(searcher, "液相色谱").hits if h.ref == "xss")
    title = hit.highlights["title"][0]
    assert "<script>" not in title and "&lt;script&gt;" in title and "<mark>" in title


def test_hits_explain_which_words_and_synonyms_matched(searcher, catalogue):
    hit = next(h for h in search(searcher, "HPLC 杂质").hits if h.ref == "hplc-wh")
    assert any(term.startswith("hplc") for term in hit.matched_terms)
    assert hit.keyword_rank is not None


def test_vector_only_search_uses_the_embedding(searcher, catalogue):
    response = search(searcher, "场发射扫描电镜 ZEISS Sigma 300", mode="vector")
    assert refs(response)[0] == "sem" and response.hits[0].keyword_rank is None


def test_a_rebuild_swaps_in_a_new_index_and_keeps_tombstones(backend, embedder, searcher, catalogue):
    backend.write([Delete("xrd", 2)])
    kept = [HPLC_WUHAN, SEM]
    documents = [build_document(r["ref"], 1, r) for r in kept]
    vectors = embedder.embed([d.embedding_text() for d in documents])
    backend.rebuild(Upsert(d, v) for d, v in zip(documents, vectors))
    assert backend.versions() == {"hplc-wh": 1, "sem": 1}
    assert refs(search(searcher, "扫描电镜"))[0] == "sem"
    xrd = build_document("xrd", 1, XRD)
    assert backend.write([Upsert(xrd, embedder.embed([xrd.embedding_text()])[0])])[0].status == "stale"


def test_versions_and_count_report_what_was_written(backend, catalogue):
    assert backend.count() == len(ALL)
    assert backend.versions() == {r["ref"]: 1 for r in ALL}
