"""Places in needs and queries: every province and prefecture of China, and no false places."""
from __future__ import annotations

from datetime import date

import pytest

from marketplace import taxonomy
from marketplace.understanding import understand

TODAY = date(2026, 3, 10)


def paths(text: str) -> list[str]:
    return [region.path for region in understand(text, TODAY).regions]


@pytest.mark.parametrize("text, expected", [
    ("胶囊剂有关物质检测 HPLC，200 个样品，武汉，两周内", "湖北省/武汉市"),
    ("武汉市的 XRD 检测", "湖北省/武汉市"),
    ("需要在武汉检测", "湖北省/武汉市"),
    ("湖北武汉 核磁共振", "湖北省/武汉市"),
    ("湖北省武汉市洪山区 扫描电镜", "湖北省/武汉市"),
    ("恩施州 土壤重金属检测", "湖北省/恩施土家族苗族自治州"),
    ("锡林郭勒盟 牧草检测", "内蒙古自治区/锡林郭勒盟"),
    ("喀什地区 水质检测", "新疆维吾尔自治区/喀什地区"),
    ("内蒙古 稀土分析", "内蒙古自治区"),
    ("广西的检测机构", "广西壮族自治区"),
    ("北京 透射电镜", "北京市/北京市"),
    ("上海浦东新区 流式细胞仪", "上海市/上海市"),
    ("苏州工业园区 的 XRD", "江苏省/苏州市"),
    ("昆山的实验室能做盐雾试验吗", "江苏省/苏州市"),
    ("海淀区 质谱", "北京市/北京市"),
    ("仙桃 无纺布检测", "湖北省/仙桃市"),
    ("香港 ICP-MS", "香港特别行政区/香港"),
    ("甘肃白银的企业需要检测", "甘肃省/白银市"),
    ("白银市 土壤", "甘肃省/白银市"),
    ("地点：武汉及周边", "湖北省/武汉市"),
], ids=lambda value: value if isinstance(value, str) and "/" not in value else "")
def test_a_chinese_place_name_resolves_to_its_province_and_city(text, expected):
    assert paths(text) == [expected]


@pytest.mark.parametrize("text, expected", [
    ("trace impurity in a capsule drug by HPLC, 200 samples, Wuhan, in 2 weeks", "湖北省/武汉市"),
    ("SEM imaging in Xi'an", "陕西省/西安市"),
    ("XRD lab in Xian", "陕西省/西安市"),
    ("NMR service near Hohhot", "内蒙古自治区/呼和浩特市"),
    ("labs in Inner Mongolia", "内蒙古自治区"),
    ("ICP-MS testing in Hong Kong", "香港特别行政区/香港"),
    ("a lab in Shaanxi province", "陕西省"),
    ("Suzhou EMC test", "江苏省/苏州市"),
    ("Taizhou, Zhejiang salt spray test", "浙江省/台州市"),
    ("wuhan hplc", "湖北省/武汉市"),
    ("Jilin", "吉林省"),
    ("Jilin City", "吉林省/吉林市"),
], ids=lambda value: value if isinstance(value, str) and "/" not in value else "")
def test_an_english_place_name_resolves_to_its_province_and_city(text, expected):
    assert paths(text) == [expected]


@pytest.mark.parametrize("text", [
    "中山大学测试中心 核磁",            # Sun Yat-sen University, in Guangzhou: not 中山市
    "吉林大学 透射电镜",                # in Changchun, not 吉林市
    "武汉理工大学 材料测试",
    "Wuhan University NMR",
    "长城汽车零部件检测",                # the Great Wall (a car maker), not a city
    "普通化学实验",                      # 通化 inside 普通化学
    "大理石 放射性检测",                 # marble, not 大理
    "白银含量检测",                      # silver, not 白银市
    "日照老化试验",                      # sunlight ageing, not 日照市
    "产学研合作开发",                    # co-operation, not 合作市
    "德州仪器 芯片失效分析",              # Texas Instruments
    "国产液相色谱仪 替代 Agilent 1260",
    "Taizhou salt spray test",          # 泰州 or 台州: the text does not say
], ids=str)
def test_words_that_only_contain_a_place_name_give_no_region(text):
    assert paths(text) == []


def test_two_places_give_two_regions_in_text_order():
    assert paths("需要在武汉或长沙做XRD") == ["湖北省/武汉市", "湖南省/长沙市"]


def test_province_city_and_district_named_apart_make_one_region_with_every_span():
    region = understand("湖北省武汉市洪山区 扫描电镜", TODAY).region
    assert (region.province, region.city, region.district) == ("湖北省", "武汉市", "洪山区")
    assert [span.text for span in region.spans] == ["湖北省", "武汉市", "洪山区"]
    assert region.province_en == "Hubei" and region.city_en == "Wuhan"


def test_a_region_span_points_into_the_original_text():
    text = "SEM imaging in Xi'an, two weeks"
    span = understand(text, TODAY).region.spans[0]
    assert text[span.start:span.end] == span.text == "in Xi'an"


def test_every_prefecture_is_found_by_its_full_chinese_name():
    missed = [f"{p['name']}/{c['name']}" for p in taxonomy.regions() for c in p["cities"]
              if paths(f"{c['name']} 检测") != [f"{p['name']}/{c['name']}"]]
    assert missed == []


def test_every_prefecture_with_an_english_name_of_its_own_is_found_by_it():
    english = {}
    for province in taxonomy.regions():
        for city in province["cities"]:
            english.setdefault(city["name_en"], []).append(f"{province['name']}/{city['name']}")
    unique = {name: found[0] for name, found in english.items() if len(found) == 1}
    missed = [name for name, path in unique.items() if paths(f"testing in {name}") != [path]]
    assert missed == []
