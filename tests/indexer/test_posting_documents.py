"""Search documents built from catalogue records (marketplace/data/listing.schema.json)."""
import pytest

from indexer.documents import build_document
from marketplace.search_gateway import document_id, posting_id

INSTRUMENT = {
    "kind": "instrument", "ref": "hplc-wh", "title": "高效液相色谱仪 Agilent 1260", "description": "药物有关物质检查。",
    "owner": {"name": "武汉大学分析测试中心", "kind": "university"}, "region": "湖北省/武汉市",
    "category": "分析仪器/色谱仪器", "keywords": ["HPLC"], "model": "1260 Infinity II", "manufacturer": "Agilent",
    "origin": "imported", "service_modes": ["sample_submission", "self_service"],
    "fees": [{"item": "有关物质", "price_cny": 300, "unit": "sample"},
             {"item": "机时", "price_cny": 120, "unit": "hour"}],
    "certifications": [" cma", "CNAS", "cma"], "capabilities": ["含量测定"], "standards": ["GB/T 16631-2008"],
    "completeness": 0.8,
}


def test_the_body_carries_every_searchable_field_and_the_title_stays_apart():
    document = build_document("7", 3, INSTRUMENT)
    assert (document.doc_id, document.version, document.kind, document.ref) == ("7", 3, "instrument", "hplc-wh")
    assert document.title == INSTRUMENT["title"]
    for text in ("药物有关物质检查", "含量测定", "GB/T 16631-2008", "HPLC", "1260 Infinity II", "Agilent",
                 "武汉大学分析测试中心", "机时", "湖北省 武汉市", "分析仪器 色谱仪器"):
        assert text in document.body


def test_filter_fields_are_normalised():
    document = build_document("7", 1, INSTRUMENT)
    assert document.certifications == ("CMA", "CNAS")
    assert document.service_modes == ("sample_submission", "self_service")
    assert (document.province, document.top_category) == ("湖北省", "分析仪器")
    assert (document.price_cny_low, document.price_cny_high) == (120, 300)
    assert document.completeness == 0.8


@pytest.mark.parametrize("extra, low, high", [
    ({"kind": "product", "price_min_cny": 180000, "price_max_cny": 260000}, 180000, 260000),
    ({"kind": "transfer", "asking_price_cny": 500000}, 500000, 500000),
    ({"kind": "need", "budget_cny": 6000}, 6000, 6000),
    ({"kind": "product"}, None, None),
])
def test_each_kind_gets_one_price_range(extra, low, high):
    document = build_document("1", 1, {"ref": "r", "title": "t", "description": "", **extra})
    assert (document.price_cny_low, document.price_cny_high) == (low, high)


def test_a_product_lists_the_imported_models_it_replaces_and_its_specs():
    document = build_document("1", 1, {"kind": "product", "ref": "lc-3000", "title": "国产液相色谱仪",
                                       "description": "", "replaces": ["Agilent 1260"],
                                       "specs": {"流速范围": "0.001-10 mL/min"}})
    assert "Agilent 1260" in document.body and "流速范围 0.001-10 mL/min" in document.body


def test_completeness_defaults_to_complete_and_is_clamped():
    assert build_document("1", 1, {"kind": "need", "ref": "n", "title": "t", "description": ""}).completeness == 1.0
    assert build_document("1", 1, {"kind": "need", "ref": "n", "title": "t", "description": "",
                                   "completeness": 1.7}).completeness == 1.0


def test_a_postings_document_id_names_the_posting_back():
    assert posting_id(document_id(42)) == 42 and document_id(42) == "42"


def test_a_transfer_is_searched_by_the_words_its_modes_and_patents_show_but_not_embedded_with_them():
    """The record holds codes ("assignment") and patent numbers; a seeker types "可以转让的专利"."""
    from search.analysis import analyse_query, matches

    transfer = {"kind": "transfer", "ref": "t", "title": "锂电池隔膜陶瓷涂覆工艺", "description": "涂覆工艺。",
                "patents": ["CN112345678B"], "transfer_modes": ["assignment", "license"]}
    document = build_document("1", 1, transfer)
    assert document.labels == ("转让 assignment", "许可 license", "专利号 Patents")
    title_terms, body_terms = document.terms()
    for query in ("可以转让的锂电池专利", "license a battery patent"):
        assert len(matches(analyse_query(query), f"{title_terms} {body_terms}")) == 3, query
    assert "转让" not in document.embedding_text() and "CN112345678B" in document.embedding_text()
    assert build_document("1", 1, {**transfer, "patents": [], "transfer_modes": []}).labels == ()
    assert build_document("7", 1, INSTRUMENT).labels == ()
