"""The search page and JSON API over real indexed postings (embedded backend, hashing embedder)."""
import html
import re
from urllib.parse import unquote

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


def _refs(client, query):
    return [r["ref"] for r in client.get("/api/v1/search", query_string=query).get_json()["results"]]


@pytest.mark.parametrize("text, intent, first", [
    ("国产 HPLC 送检", "test_service", "inst-hplc-1"),  # 国产 (domestic) is in the product's title
    ("采购 有关物质 液相色谱", "buy_instrument", "lc-100"),
])
def test_the_intent_read_from_a_query_puts_its_kind_of_listing_first(client, catalogue, text, intent, first):
    without = _refs(client, {"q": text, "drop": f"intent:{intent}", "mode": "keyword"})
    assert without[0] != first and first in without  # the words alone put the other kind first
    assert _refs(client, {"q": text, "mode": "keyword"})[0] == first


def test_a_place_in_the_query_ranks_listings_there_higher_without_hiding_the_others(client, catalogue):
    refs = _refs(client, {"q": "液相色谱 北京", "mode": "keyword"})
    assert refs[0] == "lc-100" and "inst-hplc-1" in refs  # lc-100 is in Beijing, the Agilent in Wuhan
    assert _refs(client, {"q": "液相色谱 武汉", "mode": "keyword"})[0] == "inst-hplc-1"


def test_the_page_shows_what_it_read_as_chips_that_can_be_removed_or_made_a_filter(client, catalogue):
    page = client.get("/search?q=液相色谱 武汉 CMA").get_data(as_text=True)
    assert 'class="chip"' in page and "武汉市" in page and "drop=region:" in page and "region=%E6%B9%96" in page
    without = client.get("/search", query_string={"q": "液相色谱 武汉 CMA", "drop": "region:湖北省/武汉市"},
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "武汉市</strong>" not in without and "CMA</strong>" in without
    assert 'name="drop" value="region:湖北省/武汉市" form="search-form"' in without  # typing on keeps it removed
    filtered = client.get("/search", query_string={"q": "液相色谱 武汉 CMA", "region": "湖北省/武汉市"})
    assert "武汉市</strong>" not in filtered.get_data(as_text=True)  # a filter now, no longer a chip


def test_chips_speak_the_readers_language(client, catalogue):
    client.get("/language/en")
    page = client.get("/search?q=胶囊 HPLC 检测 武汉").get_data(as_text=True)
    assert "Region: <strong>Wuhan</strong>" in page and "Sample type: <strong>capsule</strong>" in page
    assert "testing: shared instruments first" in page


def test_a_search_that_finds_nothing_says_so_and_suggests_what_to_do(client, catalogue):
    page = client.get("/search", query_string={"q": "扫描电镜", "region": "湖北省"}).get_data(as_text=True)
    assert "No good match" in page or "没有合适的结果" in page
    assert 'href="/search?q=%E6%89%AB%E6%8F%8F%E7%94%B5%E9%95%9C"' in page  # the same words without the region
    assert "/search?category=%E5%88%86%E6%9E%90%E4%BB%AA%E5%99%A8" in page  # the category the words are found in
    assert "/needs/new?description=%E6%89%AB%E6%8F%8F%E7%94%B5%E9%95%9C" in page


def test_a_search_with_results_offers_no_such_suggestions(client, catalogue):
    assert "no-match" not in client.get("/search?q=扫描电镜").get_data(as_text=True)


def _facet_links(page: str) -> dict[str, str]:
    """The facet panel's links, by the text a reader sees (value, count and, when chosen, ×)."""
    panel = re.search(r'<details class="facets">(.*?)</details>', page, re.S)
    assert panel, "no facet panel"
    return {" ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split()): _path(href)
            for href, text in re.findall(r'<a[^>]*href="([^"]+)"[^>]*>(.*?)</a>', panel.group(1), re.S)}


def _path(link: str) -> str:
    return unquote(html.unescape(link))


def test_facets_are_labelled_links_that_narrow_the_search_and_widen_it_again(client, catalogue):
    client.get("/language/zh")
    page = client.get("/search?q=色谱").get_data(as_text=True)
    assert "<h3>类型</h3>" in page and "<h3>地区</h3>" in page and "<h3>kind</h3>" not in page
    links = _facet_links(page)
    assert links["共享仪器"] == "/search?q=色谱&kind=instrument"  # its count follows the link
    assert "湖北省" in links and "北京市" in links and "instrument" not in links
    narrowed = client.get(links["共享仪器"]).get_data(as_text=True)
    assert 'value="instrument" checked' in narrowed and "LC-100" not in narrowed  # the product is gone
    widen = _facet_links(narrowed)["共享仪器 2 × 去掉此条件重新搜索"]  # chosen: the link takes the filter off
    assert widen == "/search?q=色谱" and client.get(widen).status_code == 200

    client.get("/language/en")
    links = _facet_links(client.get("/search?q=色谱&region=湖北省/武汉市").get_data(as_text=True))
    assert links["Hubei 2 × Search without this"] == "/search?q=色谱"  # the city filter lies in the province
    assert "Shared instruments" in links and not [text for text in links if text.startswith("Domestic products")]
    assert "Sample submission" in links or "Operated by staff" in links  # service modes by their names
