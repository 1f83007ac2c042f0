"""Sample counts, budgets, deadlines, certifications, sample types and standards read from needs."""
from __future__ import annotations

from datetime import date

import pytest

from marketplace.understanding import understand

TODAY = date(2026, 3, 10)   # a Tuesday


def _text_id(value):
    return value if isinstance(value, str) else ""


@pytest.mark.parametrize("text, count", [
    ("胶囊剂有关物质检测 HPLC，200 个样品，武汉，两周内", 200),
    ("血清样本，200份", 200),
    ("200 samples of serum", 200),
    ("检测200个样品", 200),
    ("两百个样品的水分测定", 200),
    ("片剂含量测定与溶出度试验，共30批", 30),
    ("样品数量：50，需要 CMA 报告", 50),
    ("样品 12 个，XRD", 12),
    ("土壤重金属八项检测，120个点位", 120),
    ("50 个胶囊做有关物质", 50),
    ("sample size: 48 plasma samples", 48),
    ("3 batches of API, residual solvents by GC", 3),
    ("1,200 specimens for tensile testing", 1200),
], ids=_text_id)
def test_a_sample_count_is_read_with_its_unit(text, count):
    found = understand(text, TODAY).sample_count
    assert found.count == count and found.span.text in text


@pytest.mark.parametrize("text", [
    "国产液相色谱仪 替代 Agilent 1260",      # a model number
    "Waters ACQUITY 2000 UPLC",
    "塑料拉伸性能 GB/T 1040.2-2022",          # a standard
    "涂层中性盐雾试验 480 小时",              # a duration
    "出具一份报告",
    "功率 200W 以内的超声波清洗机",
], ids=str)
def test_numbers_that_do_not_count_samples_are_no_sample_count(text):
    assert understand(text, TODAY).sample_count is None


@pytest.mark.parametrize("text, cny", [
    ("预算 5 万", 50_000),
    ("预算五万，做 XRD", 50_000),
    ("5000元以内", 5_000),
    ("费用控制在5000元以内", 5_000),
    ("预算：5000-8000元", 8_000),
    ("预算1-2万", 20_000),
    ("预算 2.5 万元", 25_000),
    ("50万以内的国产液相", 500_000),
    ("价格在 30 万左右的国产 ICP-MS", 300_000),
    ("budget ¥20k", 20_000),
    ("budget of 20,000 RMB", 20_000),
    ("budget around 15k", 15_000),
    ("under 30,000 CNY", 30_000),
    ("budget 1.5 million yuan", 1_500_000),
    ("200元/样，共50个样品", 10_000),
    ("每个样品200元，共30个样品", 6_000),
], ids=_text_id)
def test_a_budget_is_read_in_yuan_as_its_upper_end(text, cny):
    found = understand(text, TODAY).budget
    assert found.cny == cny and found.span.text in text


@pytest.mark.parametrize("text", [
    "Agilent 1260 液相色谱",
    "功率 200W 以内",
    "200元/样",                 # a price per sample, with no count to multiply
    "budget $5000",             # not in yuan
], ids=str)
def test_amounts_that_are_not_a_budget_in_yuan_give_no_budget(text):
    assert understand(text, TODAY).budget is None


@pytest.mark.parametrize("text, expected", [
    ("两周内", date(2026, 3, 24)),
    ("一个月内出报告", date(2026, 4, 10)),
    ("半个月内", date(2026, 3, 25)),
    ("3个工作日内出报告", date(2026, 3, 13)),
    ("10个工作日内", date(2026, 3, 24)),
    ("本周内", date(2026, 3, 15)),
    ("下周五前", date(2026, 3, 20)),
    ("月底前", date(2026, 3, 31)),
    ("下个月底", date(2026, 4, 30)),
    ("年底前", date(2026, 12, 31)),
    ("3月底前", date(2026, 3, 31)),
    ("2月底前", date(2027, 2, 28)),          # this year's February is past
    ("4月15日前", date(2026, 4, 15)),
    ("2026年4月30日前", date(2026, 4, 30)),
    ("2026-04-30", date(2026, 4, 30)),
    ("within 2 weeks", date(2026, 3, 24)),
    ("in 2 weeks", date(2026, 3, 24)),
    ("within a month", date(2026, 4, 10)),
    ("in 10 business days", date(2026, 3, 24)),
    ("by end of March", date(2026, 3, 31)),
    ("by the end of the month", date(2026, 3, 31)),
    ("by 31 March", date(2026, 3, 31)),
    ("before April 5th, 2026", date(2026, 4, 5)),
    ("by next Friday", date(2026, 3, 20)),
    ("by April", date(2026, 4, 30)),
], ids=_text_id)
def test_a_deadline_is_resolved_against_today(text, expected):
    found = understand(f"XRD 检测 {text}", TODAY).deadline
    assert found.date == expected and found.span.text in text


@pytest.mark.parametrize("text", ["GB/T 1040.2-2022 拉伸", "2月30日前", "480 小时盐雾", "ISO 9001:2015 认证"], ids=str)
def test_codes_and_impossible_dates_give_no_deadline(text):
    assert understand(text, TODAY).deadline is None


def test_certifications_are_read_by_code_and_by_their_chinese_names():
    found = understand("需要 CMA、CNAS 资质，GLP 实验室，cmaf；或者有资质认定的机构；ISO/IEC 17025", TODAY)
    assert [c.code for c in found.certifications] == ["CMA", "CNAS", "GLP", "CMAF"]


def test_a_certification_code_inside_a_longer_word_is_not_read():
    assert understand("CMAF only", TODAY).certifications[0].code == "CMAF"
    assert understand("DILAC 认可实验室", TODAY).certifications[0].code == "DILAC"
    assert understand("EMCA testing", TODAY).certifications == ()


@pytest.mark.parametrize("text, names", [
    ("胶囊剂有关物质检测", ["胶囊"]),
    ("trace impurity in a capsule drug", ["胶囊"]),
    ("血清和尿液中的药物浓度", ["血清", "尿液"]),
    ("土壤重金属八项", ["土壤"]),
    ("GC-MS VOCs in water samples", ["水样"]),
    ("锂电池正极材料粒度分布", ["电池", "正极材料"]),
    ("大米中镉、铅含量检测", ["大米"]),
    ("重金属检测", []),                  # the analyte, not a metal sample
    ("组织开展能力验证", []),             # 组织: to organise
    ("water content of tablets", ["片剂"]),
    ("大气压等离子体", []),
], ids=_text_id)
def test_sample_types_are_read_in_chinese_and_english(text, names):
    assert [kind.name for kind in understand(text, TODAY).sample_types] == names


def test_standards_are_read_with_their_codes_normalised():
    found = understand("按 GB/T19077-2016、ISO 13320 和 ICH Q3D，参照中国药典 2025年版 通则0512", TODAY)
    assert [s.code for s in found.standards] == ["GB/T 19077-2016", "ISO 13320", "ICH Q3D",
                                                 "中国药典 2025年版 通则0512"]
