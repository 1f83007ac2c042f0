"""Behaviour every search backend must share, run against the embedded engine and a real OpenSearch:
filters, facets, pagination, languages and synonyms, highlights, ranking. Same fixtures, same
expectations. These tests only read, so each backend indexes the catalogue once for the module;
writes, deletes, versions and rebuilds are in test_backend_writes.py."""
import pytest

from search.backend import SearchFilters
from search.embeddings import HashingEmbedder
from search.service import Searcher, SearchRequest
from tests.search.conftest import upserts

HPLC_WUHAN = {"kind": "instrument", "ref": "hplc-wh", "title": "高效液相色谱仪 Agilent 1260 Infinity II",
              "description": "可开展药物有关物质检查与含量测定，送样检测。", "region": "湖北省/武汉市",
              "category": "分析仪器/色谱仪器", "origin": "imported", "certifications": ["CMA"],
              "service_modes": ["sample_submission"],
              "fees": [{"item": "有关物质", "price_cny": 300, "unit": "sample"}],
              "owner": {"name": "武汉大学分析测试中心", "kind": "university"}}
HPLC_BEIJING = {"kind": "instrument", "ref": "hplc-bj", "title": "Liquid chromatograph Waters e2695",
                "description": "HPLC for impurity profiling of drug substances. Self-service after training.",
                "region": "北京市/北京市", "category": "分析仪器/色谱仪器", "origin": "imported",
                "certifications": ["cnas"], "service_modes": ["self_service"],
                "fees": [{"item": "machine time", "price_cny": 200, "unit": "hour"}]}
HPLC_PRODUCT = {"kind": "product", "ref": "lc-3000", "title": "国产液相色谱仪 LC-3000",
                "description": "Domestic HPLC replacing Agilent 1260 Infinity II.", "origin": "domestic",
                "region": "上海市/上海市", "category": "分析仪器/色谱仪器", "replaces": ["Agilent 1260"],
                "price_min_cny": 180000, "price_max_cny": 260000}
SEM = {"kind": "instrument", "ref": "sem", "title": "场发射扫描电镜 ZEISS Sigma 300",
       "description": "形貌观察与能谱分析。",
       "region": "湖北省/武汉市", "category": "分析仪器/电子光学仪器", "origin": "imported",
       "certifications": ["CMA", "CNAS"],
       "service_modes": ["operated_by_staff"], "fees": [{"item": "形貌", "price_cny": 500, "unit": "hour"}]}
XRD = {"kind": "instrument", "ref": "xrd", "title": "X-ray diffractometer Bruker D8 ADVANCE",
       "description": "Phase identification and crystallinity.", "region": "江苏省/南京市",
       "category": "分析仪器/X射线仪器", "origin": "imported", "service_modes": ["sample_submission"],
       "fees": [{"item": "phase", "price_cny": 150, "unit": "sample"}]}
ICP_MS = {"kind": "instrument", "ref": "icp-ms", "title": "ICP-MS Thermo iCAP RQ",
          "description": "Trace heavy metals (Pb, Cd, As) in food and water.", "region": "广东省/广州市",
          "category": "分析仪器/质谱仪器", "origin": "imported", "service_modes": ["sample_submission"],
          "fees": [{"item": "per element", "price_cny": 80, "unit": "item"}]}
GC_MS = {"kind": "instrument", "ref": "gc-ms", "title": "气相色谱-质谱联用仪 Shimadzu QP2020",
         "description": "农药残留与挥发性有机物分析。", "region": "湖北省/宜昌市", "category": "分析仪器/色谱仪器",
         "origin": "imported", "service_modes": ["sample_submission"]}
NMR = {"kind": "instrument", "ref": "nmr", "title": "核磁共振波谱仪 Bruker AVANCE 400",
       "description": "有机化合物结构鉴定。", "region": "浙江省/杭州市", "category": "分析仪器/波谱仪器",
       "origin": "imported"}
TENSILE = {"kind": "product", "ref": "utm", "title": "Universal testing machine WDW-100",
           "description": "Tensile and compression tests of metals and plastics.", "origin": "domestic",
           "region": "山东省/济南市", "category": "物理性能测试仪器/力学性能测试仪器", "price_min_cny": 90000}
TRANSFER = {"kind": "transfer", "ref": "column", "title": "手性色谱柱填料制备技术",
            "description": "用于药物杂质分离的色谱柱。",
            "region": "湖北省/武汉市", "asking_price_cny": 500000}
NEED = {"kind": "need", "ref": "need-1", "title": "胶囊有关物质检测", "description": "需要液相色谱检测 20 批胶囊。",
        "region": "湖北省/武汉市", "budget_cny": 6000}
XSS = {"kind": "instrument", "ref": "xss", "title": "<script>alert(1)</script> 液相色谱仪",
       "description": "<b>bold</b>",
       "region": "湖南省/长沙市"}
ALL = [HPLC_WUHAN, HPLC_BEIJING, HPLC_PRODUCT, SEM, XRD, ICP_MS, GC_MS, NMR, TENSILE, TRANSFER, NEED, XSS]
HPLC_LISTINGS = {"hplc-wh", "hplc-bj", "lc-3000", "xss", "need-1"}


@pytest.fixture(scope="module")
def backend(shared_backend):
    return shared_backend


@pytest.fixture(scope="module")
def catalogue(backend):
    assert {r.status for r in backend.write(upserts(HashingEmbedder(), ALL))} == {"ok"}


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


def test_facets_count_every_filtered_match_not_just_the_first_candidates(backend, embedder, catalogue):
    narrow = Searcher(backend, embedder, depth=2)
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

