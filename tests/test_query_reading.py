"""Reading a search query into soft preferences and chips (marketplace.services.query_reading)."""
from datetime import date

from marketplace.services.query_reading import Filtered, read_query

TODAY = date(2026, 3, 10)
NEED = "胶囊剂有关物质检测 HPLC，200 个样品，武汉，两周内，预算5000元 CMA"


def test_a_need_becomes_preferences_chips_and_a_search_text_without_its_constraints():
    read = read_query(NEED, TODAY)
    assert read.preferences.kinds == ("instrument",) and read.preferences.region == "湖北省/武汉市"
    assert read.preferences.certifications == ("CMA",)
    assert [chip.key for chip in read.chips] == [
        "region:湖北省/武汉市", "certification:CMA", "intent:test_service", "sample_type:胶囊", "sample_count:200",
        "deadline:2026-03-24", "budget:5000"]
    assert read.text == "胶囊剂有关物质检测 HPLC CMA"


def test_a_removed_chip_is_no_longer_preferred_nor_shown():
    read = read_query(NEED, TODAY, dropped={"region:湖北省/武汉市", "intent:test_service", "sample_type:胶囊"})
    assert read.preferences.region is None and read.preferences.kinds == ()
    assert not {"region:湖北省/武汉市", "intent:test_service"} & {chip.key for chip in read.chips}
    assert "胶囊" not in read.text and "HPLC" in read.text


def test_what_the_searcher_already_filters_on_gets_no_chip():
    read = read_query(NEED, TODAY, filtered=Filtered(region="湖北省", certifications=("CMA",), kinds_chosen=True))
    assert {chip.key.split(":")[0] for chip in read.chips} == {"sample_type", "sample_count", "deadline", "budget"}
    assert read.preferences.region is None and read.preferences.certifications == ()


def test_buying_and_technology_prefer_products_and_transfers():
    assert read_query("采购一台国产液相色谱仪", TODAY).preferences.kinds == ("product",)
    assert read_query("专利转让 色谱柱", TODAY).preferences.kinds == ("transfer",)


def test_a_query_of_only_a_place_still_searches_its_words():
    read = read_query("武汉", TODAY)
    assert read.text == "武汉" and read.preferences.region == "湖北省/武汉市"
