"""The search page and JSON API over real indexed postings (embedded backend, hashing embedder)."""
import pytest

from marketplace.services import postings
from tests.factories import index_all, instrument_record, need_record, register


@pytest.fixture(scope="module")
def app(shared_app):
    """Every test here only reads: the catalogue below is loaded and indexed once per database."""
    return shared_app


@pytest.fixture(scope="module")
def catalogue(app):
    with app.app_context():
        _load_catalogue(app.extensions["database"].session)
    index_all(app)


def _load_catalogue(session):
    lab = register(session)
    vendor = register(session, email="vendor@example.com", organisation="北京某仪器有限公司", kind="vendor")
    postings.create_posting(session, lab, instrument_record())
    postings.create_posting(session, lab, instrument_record(
        ref="sem-1", title="场发射扫描电镜 ZEISS Sigma 300", description="形貌观察与能谱分析。",
        category="分析仪器/电子光学仪器", keywords=["SEM"], certifications=["CNAS"], region="北京市/北京市",
        model="Sigma 300", manufacturer="ZEISS", capabilities=["形貌观察", "能谱分析"], standards=None,
        fees=[{"item": "形貌", "price_cny": 500, "unit": "hour"}]))
    postings.create_posting(session, vendor, {
        "kind": "product", "ref": "lc-100", "title": "国产高效液相色谱仪 LC-100",
        "description": "Domestic HPLC system replacing imported models.", "origin": "domestic",
        "replaces": ["Agilent 1260 Infinity II"], "price_min_cny": 150000, "price_max_cny": 260000,
        "specs": {"流速范围": "0.001-10 mL/min"}, "region": "北京市/北京市", "category": "分析仪器/色谱仪器"})
    postings.create_posting(session, lab, instrument_record(
        ref="xss", title="<script>alert(1)</script> 液相色谱", description="测试"))
    postings.create_posting(session, register(session, email="sme@example.com", organisation="某药企",
                                              kind="enterprise"), need_record())


def test_the_api_finds_english_listings_for_a_chinese_query_and_returns_the_contract_shape(client, catalogue):
    body = client.get("/api/v1/search?q=液相色谱 杂质").get_json()
    assert set(body) == {"total", "mode", "results", "facets"} and body["mode"] == "hybrid"
    refs = [r["ref"] for r in body["results"]]
    assert "inst-hplc-1" in refs and "lc-100" in refs and "sem-1" not in refs
    first = body["results"][0]
    assert set(first) >= {"ref", "kind", "title", "score", "highlights"}
    assert all(r["kind"] != "need" for r in body["results"])  # needs are not listings


def test_api_filters_and_facets(client, catalogue):
    body = client.get("/api/v1/search?q=hplc&kind=product").get_json()
    assert [r["ref"] for r in body["results"]] == ["lc-100"]
    body = client.get("/api/v1/search?q=液相色谱&region=湖北省&certification=cma").get_json()
    assert {r["ref"] for r in body["results"]} == {"inst-hplc-1", "xss"}
    facets = client.get("/api/v1/search?q=色谱").get_json()["facets"]
    assert {"value": "instrument", "count": 2} in facets["kind"]


def test_api_pagination_does_not_overlap(client, catalogue):
    first = client.get("/api/v1/search?q=液相色谱&limit=1&offset=0").get_json()["results"]
    second = client.get("/api/v1/search?q=液相色谱&limit=1&offset=1").get_json()["results"]
    assert first and second and first[0]["ref"] != second[0]["ref"]


@pytest.mark.parametrize("query, field", [
    ("limit=0", "limit"), ("limit=abc", "limit"), ("offset=-1", "offset"), ("kind=spaceship", "kind"),
    ("price_min=cheap", "price_min"), ("q=" + "长" * 501, "q"), ("mode=psychic", "mode"),
])
def test_bad_api_parameters_are_a_4xx_with_a_message_per_field(client, catalogue, query, field):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == 422 and response.content_type == "application/problem+json"
    assert field in [error["field"].split(".")[0] for error in response.get_json()["errors"]]


def test_the_search_page_escapes_listing_text_in_highlights(client, catalogue):
    body = client.get("/search?q=液相色谱").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body and "<mark>" in body


def test_the_search_page_serves_only_results_to_htmx(client, catalogue):
    fragment = client.get("/search?q=扫描电镜", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in fragment and "ZEISS Sigma 300" in fragment


def test_browse_without_a_query_lists_by_filters(client, catalogue):
    body = client.get("/api/v1/search?kind=instrument").get_json()
    assert body["total"] == 3
