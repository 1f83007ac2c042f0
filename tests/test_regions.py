"""The region table: every province-level division and prefecture of China, with English names."""
from __future__ import annotations

import json
import re
from pathlib import Path

from marketplace import taxonomy
from marketplace.demo.catalogue import generate_catalogue
from marketplace.validation import record_errors

ROOT = Path(__file__).resolve().parent.parent


def _city(path: str) -> dict | None:
    province_name, _, city_name = path.partition("/")
    province = next(p for p in taxonomy.regions() if p["name"] == province_name)
    return next((c for c in province["cities"] if c["name"] == city_name), None)


def test_every_province_level_division_is_listed_once():
    names = [p["name"] for p in taxonomy.regions()]
    assert len(names) == len(set(names)) == 34
    assert {"内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
            "香港特别行政区", "澳门特别行政区", "台湾省", "北京市", "重庆市"} <= set(names)


def test_every_prefecture_level_division_is_listed():
    """333 in the national table: 293 cities, 30 autonomous prefectures, 7 prefectures, 3 leagues."""
    prefectures = [c["name"] for p in taxonomy.regions() for c in p["cities"]
                   if re.fullmatch(r"\d{2}(?!00)\d{2}00", c["code"]) and p["code"][:2] not in ("71", "81", "82")]
    by_suffix = {suffix: sum(name.endswith(suffix) for name in prefectures) for suffix in ("市", "自治州", "地区",
                                                                                           "盟")}
    assert by_suffix == {"市": 293, "自治州": 30, "地区": 7, "盟": 3}
    assert {"恩施土家族苗族自治州", "锡林郭勒盟", "阿里地区", "那曲市", "日喀则市"} <= set(prefectures)


def test_divisions_abolished_long_ago_are_gone():
    cities = {c["name"] for p in taxonomy.regions() for c in p["cities"]}
    assert not {"莱芜市", "那曲地区", "襄樊市", "巢湖市"} & cities


def test_a_municipality_has_one_city_of_its_own_name_holding_its_districts():
    beijing = _city("北京市/北京市")
    assert beijing and beijing["name_en"] == "Beijing" and "海淀区" in beijing["districts"]
    assert [c["name"] for c in next(p for p in taxonomy.regions() if p["name"] == "重庆市")["cities"]] == ["重庆市"]


def test_county_level_cities_a_province_runs_directly_are_listed_as_cities():
    assert _city("湖北省/仙桃市") and _city("河南省/济源市") and _city("海南省/澄迈县")


def test_english_names_use_conventional_forms_and_an_apostrophe_between_syllables():
    english = {f"{p['name']}/{c['name']}": c["name_en"] for p in taxonomy.regions() for c in p["cities"]}
    provinces = {p["name"]: p["name_en"] for p in taxonomy.regions()}
    assert provinces["内蒙古自治区"] == "Inner Mongolia" and provinces["陕西省"] == "Shaanxi"
    assert provinces["山西省"] == "Shanxi" and provinces["香港特别行政区"] == "Hong Kong"
    assert english["陕西省/西安市"] == "Xi'an" and english["内蒙古自治区/呼和浩特市"] == "Hohhot"
    assert english["河南省/漯河市"] == "Luohe" and english["山西省/长治市"] == "Changzhi"
    assert english["湖北省/恩施土家族苗族自治州"] == "Enshi" and english["吉林省/吉林市"] == "Jilin City"
    assert all(re.fullmatch(r"[A-Z][A-Za-zü' ]+", name) for name in [*english.values(), *provinces.values()])


def test_short_names_are_kept_only_where_they_name_one_city():
    assert _city("湖北省/武汉市")["aliases"] == ["武汉"]
    assert _city("台湾省/新竹市")["aliases"] == [] and _city("台湾省/新竹县")["aliases"] == []
    aliases = [a for p in taxonomy.regions() for c in p["cities"] for a in c["aliases"]]
    assert len(aliases) == len(set(aliases))


def test_every_region_of_the_demo_and_benchmark_catalogues_is_a_listed_city():
    lines = (ROOT / "bench" / "data" / "dev" / "catalogue.jsonl").read_text(encoding="utf-8").splitlines()
    records = [*generate_catalogue(), *map(json.loads, lines)]
    regions = {record["region"] for record in records if record.get("region")}
    assert regions and all(_city(region) for region in regions)
    assert not [errors for record in records if (errors := record_errors(record))]


def test_region_paths_offer_every_province_and_city_for_the_forms():
    paths = taxonomy.region_paths()
    assert "湖北省" in paths and "湖北省/武汉市" in paths and "新疆维吾尔自治区/喀什地区" in paths
    assert len(paths) == 34 + sum(len(p["cities"]) for p in taxonomy.regions())
