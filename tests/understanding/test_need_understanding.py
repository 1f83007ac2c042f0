"""Reading a whole need: the issue's examples, intent, and the text left for the search engine."""
from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from marketplace.understanding import Intent, topic, understand

TODAY = date(2026, 3, 10)


def _text_id(value):
    return value if isinstance(value, str) else ""


def test_the_issues_english_need_is_read_field_by_field():
    need = understand("trace impurity in a capsule drug by HPLC, 200 samples, Wuhan, in 2 weeks", TODAY)
    assert need.region.path == "湖北省/武汉市" and need.region.city_en == "Wuhan"
    assert need.sample_count.count == 200 and need.sample_count.span.text == "200 samples"
    assert need.deadline.date == date(2026, 3, 24) and need.deadline.span.text == "in 2 weeks"
    assert [kind.name_en for kind in need.sample_types] == ["capsule"]
    assert need.intent is Intent.TEST_SERVICE
    assert need.search_text == "trace impurity in a capsule drug by HPLC"


def test_the_issues_chinese_need_is_read_field_by_field():
    need = understand("胶囊剂有关物质检测 HPLC，200 个样品，武汉，两周内", TODAY)
    assert need.region.path == "湖北省/武汉市"
    assert need.sample_count.count == 200 and need.deadline.date == date(2026, 3, 24)
    assert [kind.name for kind in need.sample_types] == ["胶囊"] and need.intent is Intent.TEST_SERVICE
    assert [span.text for span in need.intent_cues] == ["检测"]
    assert need.search_text == "胶囊剂有关物质检测 HPLC"


def test_a_mixed_language_need_with_budget_and_certification_keeps_only_its_topic_for_search():
    need = understand("需要在上海做 XRD 物相分析，粉末样品 20 份，CMA 报告，预算 5000 元以内，by end of March", TODAY)
    assert need.region.path == "上海市/上海市" and need.sample_count.count == 20
    assert need.budget.cny == 5000 and need.deadline.date == date(2026, 3, 31)
    assert [c.code for c in need.certifications] == ["CMA"] and need.intent is Intent.TEST_SERVICE
    assert need.sample_count.span.text == "样品 20 份"
    assert need.search_text == "需要 做 XRD 物相分析，粉末 CMA 报告"


def test_a_posted_needs_topic_leaves_out_its_certifications_too():
    """What a need's matches are searched with: the place and the certifications are weighed from its
    fields; every mention of a certification goes."""
    text = "需要在上海做 XRD 物相分析，粉末样品 20 份，CMA 报告，需 CNAS 和 CMA 资质，预算 5000 元以内"
    assert topic(text, TODAY) == "需要 做 XRD 物相分析，粉末 报告，需 资质"


@pytest.mark.parametrize("text, intent", [
    ("胶囊剂有关物质检测 HPLC", Intent.TEST_SERVICE),
    ("送样做核磁氢谱", Intent.TEST_SERVICE),
    ("需要做XRD", Intent.TEST_SERVICE),
    ("HPLC impurity test for capsules", Intent.TEST_SERVICE),
    ("we want to send samples for SEM imaging", Intent.TEST_SERVICE),
    ("大米 镉 铅 ICP-MS，50个样品", Intent.TEST_SERVICE),
    ("采购检测服务：土壤重金属", Intent.TEST_SERVICE),
    ("采购一台国产液相色谱仪", Intent.BUY_INSTRUMENT),
    ("购买 ICP-MS，预算 80 万", Intent.BUY_INSTRUMENT),
    ("液相色谱仪 国产替代 Agilent 1260", Intent.BUY_INSTRUMENT),
    ("国产液相色谱仪 替代 Agilent 1260", Intent.BUY_INSTRUMENT),
    ("招标：场发射扫描电镜一台", Intent.BUY_INSTRUMENT),
    ("想买台液相，先送样测试一下", Intent.BUY_INSTRUMENT),
    ("we plan to buy a GC-MS", Intent.BUY_INSTRUMENT),
    ("procurement of a domestic SEM", Intent.BUY_INSTRUMENT),
    ("quote for an ICP-OES instrument", Intent.BUY_INSTRUMENT),
    ("domestic alternative scanning electron microscope", Intent.BUY_INSTRUMENT),
    ("质谱 技术转让 离子源", Intent.TECHNOLOGY),
    ("锂电池隔膜专利许可", Intent.TECHNOLOGY),
    ("寻求高校合作开发新型传感器", Intent.TECHNOLOGY),
    ("license a patent on perovskite solar cells", Intent.TECHNOLOGY),
    ("technology transfer of a biosensor", Intent.TECHNOLOGY),
    ("元素分析仪", Intent.UNKNOWN),             # an instrument's name, no verb
    ("tensile testing machine", Intent.UNKNOWN),
    ("HPLC", Intent.UNKNOWN),
    ("分析测试平台 检测", Intent.TEST_SERVICE),   # 台 of 平台 is no instrument being bought
], ids=_text_id)
def test_the_intent_is_read_from_its_cue_words(text, intent):
    assert understand(text, TODAY).intent is intent


def test_purchase_verbs_leave_the_search_text_and_instrument_words_stay():
    need = understand("采购一台国产 ICP-MS，预算 50 万以内", TODAY)
    assert need.search_text == "一台国产 ICP-MS" and need.budget.cny == 500_000
    assert understand("quote for an HPLC instrument", TODAY).search_text == "an HPLC instrument"


def test_a_need_with_nothing_to_extract_is_searched_as_written():
    need = understand("扫描电镜 断口形貌 能谱", TODAY)
    assert need.search_text == "扫描电镜 断口形貌 能谱"
    assert (need.regions, need.sample_count, need.deadline, need.budget) == ((), None, None, None)


def test_a_need_of_only_constraints_leaves_nothing_to_rank_on():
    assert understand("武汉，两周内，预算 5 万", TODAY).search_text == ""


def test_full_width_text_is_read_and_its_spans_stay_on_the_original():
    text = "ＨＰＬＣ检测，２００个样品，预算￥５０００"
    need = understand(text, TODAY)
    assert need.sample_count.count == 200 and need.budget.cny == 5000
    span = need.sample_count.span
    assert span.text == text[span.start:span.end] == "２００个样品"
    assert need.search_text == "ＨＰＬＣ检测"


def test_the_result_is_a_frozen_value_that_the_same_text_and_day_reproduce():
    need = understand("两周内 武汉 HPLC", TODAY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        need.search_text = "x"
    assert need == understand("两周内 武汉 HPLC", TODAY)
    # Readings are kept (understand is cached): the same text on another day must be read again.
    assert understand("两周内 武汉 HPLC", date(2026, 4, 1)).deadline.date == date(2026, 4, 15)


def test_empty_and_whitespace_text_reads_as_nothing():
    for text in ("", "   "):
        need = understand(text, TODAY)
        assert need.search_text == "" and need.intent is Intent.UNKNOWN and need.regions == ()
