"""Places a text names: provinces and prefecture-level cities of China, in Chinese or English.

The gazetteer is marketplace/data/regions.json (every province, prefecture and county-level
division). A city is found by its full name (武汉市, 恩施土家族苗族自治州), its short name (武汉, 恩施,
恩施州) or its English name ("Wuhan", "Xi'an"/"Xian"); a district or county-level city by its full
name (洪山区, 昆山市) or a county-level city by its short name (昆山), where exactly one city has it.

What is not a place:
- a name inside a longer word (中山 in 中山大学, 通化 in 普通化学, 长城, 大理石): matches must fall on
  jieba word boundaries, except before a district or an area word (上海浦东新区, 苏州工业园区);
- a place that names an institution (武汉理工大学, 中山大学, "Wuhan University"): the institution need
  not be there (中山大学 is in Guangzhou), and its name stays in the text the search engine ranks on;
- a short name that is first an ordinary word (白银 silver, 日照 sunshine, 合作 co-operation), unless
  written with its suffix (白银市) or right after its own province (甘肃白银);
- one-character abbreviations (鄂, 沪, 汉): too ambiguous in free text to be worth it;
- an English name two cities share ("Taizhou") unless the text names the province too; "Suzhou"
  and "Fuzhou" mean the famous ones (苏州, 福州) as English texts do.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache

from marketplace import taxonomy
from marketplace.understanding.segmentation import Words, fold
from marketplace.understanding.values import Region, Span

# Short names that are first ordinary words (白银 silver, 合作 co-operation, 龙井 tea, 灯塔 lighthouse).
COMMON_WORDS = frozenset(
    "白银 日照 朝阳 来宾 安康 海西 东方 山南 玉树 沙河 安国 新民 东港 灯塔 榆树 磐石 大安 龙井 五常 海伦 "
    "宁安 江山 永安 樟树 高密 开平 安宁 弥勒 香格里拉 合作 同仁 津市 阳春 石狮 明光 临海 天长 安达 铁力 "
    "福安".split())
# After a place, inside the same jieba word: still that place (苏州工业园区, 武汉地区).
AREA_WORDS = ("工业园区", "园区", "高新区", "开发区", "经开区", "新区", "地区", "市区", "城区", "周边", "附近",
              "一带", "本地", "当地", "境内", "省内", "市内")
AREA_AFTER = re.compile(r"(?:及|和)?(?:周边|附近|地区|一带|本地|当地|市内|市区|省内|境内)(?:地区)?")
PLACE_LABEL_BEFORE = re.compile(r"(?:位于|地处|所在地|地点|地区|在)\s*[:：]?\s*$")
INSTITUTION_AFTER = re.compile(r"\s*(?:大学|学院|理工|师范|医科|科技大学|工业大学|交通大学|交大|研究院|研究所|医院|"
                               r"中学|小学|公司|集团|有限|股份|分院|分所)")
ENGLISH_SUFFIX = r"(?:\s+(?:city|province|municipality|prefecture|district|area|region))?"
LATIN_WORD = re.compile(r"(?<![A-Za-zü'])[A-Za-zü][A-Za-zü']*")
ENGLISH_BEFORE = re.compile(r"\b(?:in|at|near|around|from|based in|located in)\s+$", re.IGNORECASE)
ENGLISH_INSTITUTION_AFTER = re.compile(r"\s+(?:[A-Z][\w'-]*\s+){0,3}(?:University|Institute|College|Academy|"
                                       r"Hospital|School|Company|Co\b|Corp|Group|Ltd|Inc\b|Laborator)")
# Where two cities share an English name, English texts mean this one.
ENGLISH_PREFERRED = {"suzhou": "江苏省/苏州市", "fuzhou": "福建省/福州市"}


@dataclass(frozen=True)
class Place:
    province: str
    province_en: str
    city: str | None = None
    city_en: str | None = None
    district: str | None = None

    @property
    def path(self) -> str:
        return f"{self.province}/{self.city}" if self.city else self.province


@dataclass(frozen=True)
class _Mention:
    candidates: tuple[Place, ...]
    span: tuple[int, int]
    english_key: str | None = None


class Gazetteer:
    def __init__(self, regions: list[dict]):
        self.chinese: dict[str, set[Place]] = defaultdict(set)
        self.full_names: set[str] = set()   # written with the division's suffix: never an ordinary word
        self.english: dict[str, set[Place]] = defaultdict(set)
        districts: dict[str, set[Place]] = defaultdict(set)
        for province in regions:
            cities = province["cities"]
            own = len(cities) == 1 and cities[0]["name"] in (province["name"], *province["aliases"])
            whole = (self._place(province, cities[0]) if own else Place(province["name"], province["name_en"]))
            self._add(whole, province["name"], province["aliases"], province["name_en"])
            for city in cities:
                place = self._place(province, city)
                short = [*city["aliases"]]
                if city["name"].endswith("自治州") and city["aliases"]:
                    short.append(city["aliases"][0] + "州")   # 恩施州, 延边州: how texts write them
                self._add(place, city["name"], short, city["name_en"])
                for district in city["districts"]:
                    districts[district].add(Place(place.province, place.province_en, place.city, place.city_en,
                                                  district))
        self._add_districts(districts)
        self._add_bare_english()
        # Lengths of the names that start with each character, longest first: most characters start none.
        lengths: dict[str, set[int]] = defaultdict(set)
        for name in self.chinese:
            lengths[name[0]].add(len(name))
        self.lengths = {char: sorted(found, reverse=True) for char, found in lengths.items()}
        self.english_first_words = {name.split()[0] for name in self.english}
        names = sorted(self.english, key=len, reverse=True)
        self.english_pattern = re.compile(
            r"(?<![A-Za-z])(?P<name>" + "|".join(map(re.escape, names)) + r")" + ENGLISH_SUFFIX + r"(?![A-Za-z'])",
            re.IGNORECASE)

    @staticmethod
    def _place(province: dict, city: dict) -> Place:
        return Place(province["name"], province["name_en"], city["name"], city["name_en"])

    def _add(self, place: Place, name: str, aliases: list[str], english: str) -> None:
        self.chinese[name].add(place)
        self.full_names.add(name)
        for alias in aliases:
            self.chinese[alias].add(place)
        for variant in _english_variants(english):
            self.english[variant].add(place)

    def _add_bare_english(self) -> None:
        """"Xilingol" for "Xilingol League", where no other place is called so ("Jilin" is the province)."""
        bare: dict[str, set[Place]] = defaultdict(set)
        for name, places in self.english.items():
            if match := re.fullmatch(r"(.+) (?:city|league|prefecture|county)", name):
                bare[match[1]] |= places
        for name, places in bare.items():
            if len(places) == 1 and name not in self.english:
                self.english[name] = places

    def _add_districts(self, districts: dict[str, set[Place]]) -> None:
        """Districts name their city only where one city has that name and no city is called so."""
        shorts: dict[str, set[Place]] = defaultdict(set)
        for name, places in districts.items():
            if len(places) == 1 and len(name) >= 3 and name not in self.chinese:
                self.chinese[name] = set(places)
                self.full_names.add(name)
            if name.endswith("市") and len(name) >= 3:      # a county-level city: 昆山市, also 昆山
                shorts[name[:-1]] |= places
        for short, places in shorts.items():
            if len(places) == 1 and short not in self.chinese:
                self.chinese[short] = set(places)

    def find(self, words: Words) -> tuple[Region, ...]:
        mentions = self._chinese(words) + self._english(words.text)
        mentions.sort(key=lambda m: m.span)
        return _regions(words.text, _resolve(mentions))

    def _chinese(self, words: Words) -> list[_Mention]:
        text, mentions = words.text, []
        position, continued = 0, -1    # `continued`: where the last place ended inside a word
        while position < len(text):
            if position not in words.starts and position != continued:
                position += 1
                continue
            end = self._longest_name(words, position)
            if end is None:
                position += 1
                continue
            name = text[position:end]
            if INSTITUTION_AFTER.match(text, end):
                position = words.token_at(end - 1)[1]
                continue
            if (name in COMMON_WORDS and name not in self.full_names
                    and not _after_own_province(mentions, self.chinese[name], text, position)):
                position = end
                continue
            start = position
            if label := PLACE_LABEL_BEFORE.search(text, 0, start):
                start = label.start()
            after = AREA_AFTER.match(text, end)
            mentions.append(_Mention(tuple(self.chinese[name]), (start, after.end() if after else end)))
            position = continued = end
        return mentions

    def _longest_name(self, words: Words, start: int) -> int | None:
        text = words.text
        for length in self.lengths.get(text[start], ()):
            end = start + length
            if end <= len(text) and text[start:end] in self.chinese and (end in words.ends or self._place_goes_on(words,
                                                                                                                  end)):
                return end
        return None

    def _place_goes_on(self, words: Words, end: int) -> bool:
        """Inside one jieba word, the place is followed by an area word or another place (上海浦东新区)."""
        rest = words.text[end:words.token_at(end)[1]]
        return rest in AREA_WORDS or any(rest[:length] in self.chinese for length in range(2, len(rest) + 1))

    def _english(self, text: str) -> list[_Mention]:
        folded, mentions, taken_until = fold(text), [], 0
        for word in LATIN_WORD.finditer(folded):
            if word.start() < taken_until or word[0].lower() not in self.english_first_words:
                continue    # inside a name already read ("Taipei" of "New Taipei"), or no name starts so
            match = self.english_pattern.match(folded, word.start())
            if not match:
                continue
            taken_until = match.end()
            if ENGLISH_INSTITUTION_AFTER.match(folded, match.end()):
                continue
            key = match["name"].lower()
            before = ENGLISH_BEFORE.search(folded, 0, match.start())
            mentions.append(_Mention(tuple(self.english[key]),
                                     (before.start() if before else match.start(), match.end()),
                                     english_key=key))
        return mentions


def _english_variants(name: str) -> set[str]:
    """"Xi'an" also as "Xian", "Lüliang" as "Luliang"/"Lvliang", "Jilin City" only in full."""
    lower = name.lower()
    return {lower, lower.replace("'", ""), lower.replace("ü", "u"), lower.replace("ü", "v")} | (
        {"macau"} if lower == "macao" else set()) | ({"xizang"} if lower == "tibet" else set())


def _after_own_province(mentions: list[_Mention], places: set[Place], text: str, start: int) -> bool:
    """甘肃白银: the short name follows a mention of its own province."""
    if not mentions or text[mentions[-1].span[1]:start].strip():
        return False
    provinces = {place.province for place in mentions[-1].candidates}
    return any(place.province in provinces for place in places)


def _resolve(mentions: list[_Mention]) -> list[tuple[Place, tuple[int, int]]]:
    """One place per mention: a name several places share needs its province named elsewhere."""
    named = {m.candidates[0].province for m in mentions if len({p.province for p in m.candidates}) == 1}
    resolved = []
    for mention in mentions:
        candidates = set(mention.candidates)
        if len(candidates) > 1:
            candidates = {p for p in candidates if p.province in named} or {
                p for p in candidates if p.path == ENGLISH_PREFERRED.get(mention.english_key or "")}
        if len(candidates) == 1:
            resolved.append((candidates.pop(), mention.span))
    return resolved


def _regions(text: str, found: list[tuple[Place, tuple[int, int]]]) -> tuple[Region, ...]:
    """Mentions of one place (湖北 … 武汉 … 洪山区) become one region; different places stay apart."""
    merged: list[tuple[Place, list[tuple[int, int]]]] = []
    for place, span in found:
        for index, (known, spans) in enumerate(merged):
            if combined := _combine(known, place):
                merged[index] = (combined, spans + [span])
                break
        else:
            merged.append((place, [span]))
    return tuple(Region(p.province, p.province_en, p.city, p.city_en, p.district,
                        tuple(Span(s, e, text[s:e]) for s, e in spans)) for p, spans in merged)


def _combine(a: Place, b: Place) -> Place | None:
    if a.province != b.province or (a.city and b.city and a.city != b.city) or (
            a.district and b.district and a.district != b.district):
        return None
    return Place(a.province, a.province_en, a.city or b.city, a.city_en or b.city_en, a.district or b.district)


@cache
def gazetteer() -> Gazetteer:
    return Gazetteer(taxonomy.regions())
