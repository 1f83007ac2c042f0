"""Words that say what a need is about: certifications, sample types and standards.

They keep their topical meaning, so they stay in the text the search engine ranks on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from marketplace.understanding.segmentation import fold
from marketplace.understanding.values import Certification, SampleType, Span, Standard

# Latin words stand alone: CMA is not inside "CMAF", "metal" not inside "metallurgy".
_ALONE_BEFORE, _ALONE_AFTER = r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])"

CERTIFICATIONS = {
    # ISO/IEC 17025 is what CNAS accredits a laboratory against in China.
    "CNAS": r"CNAS|实验室认可|ISO/IEC\s*17025|ISO\s*17025",
    "CMAF": r"CMAF",
    "CMA": r"CMA|资质认定|计量认证",
    "GLP": r"GLP|药物非临床研究质量管理规范",
    "GMP": r"c?GMP",
    "DILAC": r"DILAC|国防实验室认可",
    "ILAC-MRA": r"ILAC(?:-MRA)?",
}


@dataclass(frozen=True)
class _Kind:
    name: str       # the Chinese name, as a need's sample_type holds it
    name_en: str
    chinese: str    # a regular expression, longer words first (regex alternation takes the first that fits)
    english: str    # a regular expression, matched case-insensitively as whole words


SAMPLE_TYPES = (
    # medicines and health products
    _Kind("胶囊", "capsule", r"胶囊剂|硬胶囊|软胶囊|胶囊", r"capsules?"),
    _Kind("片剂", "tablet", r"薄膜衣片|片剂|药片", r"tablets?"),
    _Kind("注射液", "injection", r"注射液|注射剂", r"injections?|injectables?"),
    _Kind("原料药", "drug substance", r"原料药", r"active pharmaceutical ingredients?|drug substances?|(?-i:APIs?)"),
    _Kind("口服液", "oral solution", r"口服液", r"oral solutions?"),
    _Kind("颗粒剂", "granules", r"颗粒剂", r"granules"),
    _Kind("口服固体制剂", "oral solid dosage form", r"口服固体制剂|固体制剂", r"oral solid dosage forms?"),
    _Kind("中药材", "herbal medicine", r"中药饮片|中药材|中药", r"herbal (?:medicines?|materials?)|TCM"),
    _Kind("疫苗", "vaccine", r"疫苗", r"vaccines?"),
    _Kind("化妆品", "cosmetics", r"化妆品|护肤品", r"cosmetics?|skin ?care products?"),
    _Kind("保健食品", "health food", r"保健食品|保健品", r"dietary supplements?|health foods?"),
    _Kind("医疗器械", "medical device", r"医疗器械", r"medical devices?"),
    # biological and clinical samples
    _Kind("血清", "serum", r"血清", r"serum|sera"),
    _Kind("血浆", "plasma", r"血浆", r"(?:human |rat |blood )plasma|plasma samples?"),
    _Kind("全血", "whole blood", r"全血|血液|血样", r"whole blood|blood samples?"),
    _Kind("尿液", "urine", r"尿液|尿样", r"urine"),
    _Kind("组织", "tissue", r"组织样本|组织样品|组织切片", r"tissues?(?: samples?)?"),
    _Kind("细胞", "cells", r"细胞样品|细胞株|细胞系|细胞", r"cell samples?|cell lines?|live cells|cultured cells"),
    _Kind("菌株", "microbial strain", r"菌株|菌种", r"(?:bacterial|microbial) strains?"),
    _Kind("核酸", "nucleic acid", r"核酸", r"DNA|RNA|nucleic acids?"),
    _Kind("粪便", "faeces", r"粪便", r"f(?:a)?eces|stool samples?"),
    # environment
    _Kind("土壤", "soil", r"土壤", r"soils?"),
    _Kind("沉积物", "sediment", r"沉积物|底泥", r"sediments?"),
    _Kind("污泥", "sludge", r"污泥", r"sludge"),
    _Kind("地表水", "surface water", r"地表水|河水|湖水", r"surface water"),
    _Kind("地下水", "groundwater", r"地下水", r"ground ?water"),
    _Kind("饮用水", "drinking water", r"生活饮用水|饮用水|自来水", r"drinking water|tap water"),
    _Kind("废水", "wastewater", r"废水|污水", r"waste ?water|effluents?"),
    _Kind("海水", "seawater", r"海水", r"sea ?water"),
    _Kind("水样", "water", r"水样|水质",
          r"water samples?|water(?! (?:content|vapou?r|absorption|resistan|proof|activity|bath))"),
    _Kind("空气", "air", r"环境空气|空气|大气(?!压)|废气", r"ambient air|air samples?|exhaust gas|flue gas"),
    _Kind("颗粒物", "particulate matter", r"颗粒物", r"particulate matter|PM2\.5|PM10"),
    _Kind("固体废物", "solid waste", r"固体废物|固废|危废", r"solid wastes?"),
    # food and farm produce
    _Kind("食品", "food", r"食品|食物", r"foods?|foodstuffs?"),
    _Kind("蔬菜", "vegetables", r"蔬菜", r"vegetables?"),
    _Kind("水果", "fruit", r"水果", r"fruits?"),
    _Kind("大米", "rice", r"大米|稻米", r"rice"),
    _Kind("小麦", "wheat", r"小麦|面粉", r"wheat|flour"),
    _Kind("大豆", "soybean", r"大豆", r"soybeans?|soya"),
    _Kind("花生", "peanut", r"花生", r"peanuts?"),
    _Kind("茶叶", "tea", r"茶叶", r"tea leaves|tea"),
    _Kind("乳制品", "dairy", r"乳制品|奶粉|牛奶|乳粉", r"milk powder|dairy|milk"),
    _Kind("肉类", "meat", r"肉类|猪肉|牛肉|禽肉", r"meat|pork|beef|poultry"),
    _Kind("水产品", "seafood", r"水产品", r"seafood|aquatic products?|fish"),
    _Kind("食用油", "edible oil", r"食用油|植物油", r"edible oils?|cooking oils?"),
    _Kind("蜂蜜", "honey", r"蜂蜜", r"honey"),
    _Kind("饮料", "beverage", r"饮料", r"beverages?|soft drinks?"),
    _Kind("酒类", "alcoholic drinks", r"酒类|白酒|葡萄酒|啤酒|黄酒", r"wine|beer|liquor|spirits"),
    _Kind("饲料", "animal feed", r"饲料", r"animal feeds?|feedstuffs?"),
    # materials
    _Kind("金属", "metal", r"(?<!重)金属(?!元素|离子)(?:材料|零件)?",
          r"metal parts?|metal samples?|metallic materials?"),
    _Kind("合金", "alloy", r"合金", r"alloys?"),
    _Kind("钢材", "steel", r"钢材|钢板|不锈钢|钢铁|钢管", r"steels?|stainless"),
    _Kind("粉末", "powder", r"粉末|粉体|粉料", r"powders?"),
    _Kind("涂层", "coating", r"涂层|涂料|镀层|漆膜", r"coatings?|paints?"),
    _Kind("薄膜", "thin film", r"薄膜", r"thin films?|films?"),
    _Kind("陶瓷", "ceramic", r"陶瓷", r"ceramics?"),
    _Kind("玻璃", "glass", r"玻璃(?!化)", r"glass"),
    _Kind("高分子材料", "polymer", r"高分子材料|高分子|聚合物|树脂", r"polymers?|resins?"),
    _Kind("塑料", "plastic", r"塑料|塑胶", r"plastics?"),
    _Kind("橡胶", "rubber", r"橡胶", r"rubber"),
    _Kind("纤维", "fibre", r"纤维", r"fib(?:re|er)s?"),
    _Kind("纺织品", "textile", r"纺织品|面料|织物|服装", r"textiles?|fabrics?|garments?"),
    _Kind("复合材料", "composite", r"复合材料", r"composites?"),
    _Kind("纳米材料", "nanomaterial", r"纳米材料|纳米颗粒|纳米粉体", r"nanomaterials?|nanoparticles?"),
    _Kind("石墨烯", "graphene", r"石墨烯", r"graphene"),
    _Kind("正极材料", "cathode material", r"正极材料", r"cathode materials?"),
    _Kind("负极材料", "anode material", r"负极材料", r"anode materials?"),
    _Kind("电池", "battery", r"软包电池|锂电池|电池|电芯", r"batter(?:y|ies)|battery cells?"),
    _Kind("电解液", "electrolyte", r"电解液", r"electrolytes?"),
    _Kind("催化剂", "catalyst", r"催化剂", r"catalysts?"),
    _Kind("矿石", "ore", r"矿石|矿样|矿物", r"ores?|minerals?"),
    _Kind("岩石", "rock", r"岩石|岩心|岩样", r"rocks?|rock cores?"),
    _Kind("煤炭", "coal", r"煤炭|煤样|原煤", r"coal"),
    _Kind("油品", "oil", r"油品|润滑油|原油|燃油|柴油|汽油",
          r"lubricants?|lubricating oils?|crude oil|fuel oil|diesel|gasoline"),
    _Kind("化学品", "chemical", r"化学品|化工原料", r"chemicals"),
    _Kind("有机化合物", "organic compound", r"有机化合物|化合物", r"(?:organic )?compounds"),
    _Kind("建筑材料", "building material", r"建筑材料|混凝土|水泥|建材", r"concrete|cement|building materials?"),
    _Kind("包装材料", "packaging", r"包装材料|包材", r"packaging"),
    # electronics and parts
    _Kind("芯片", "chip", r"芯片|晶圆|半导体器件", r"chips?|wafers?"),
    _Kind("电路板", "circuit board", r"电路板|线路板", r"PCBA?s?|circuit boards?"),
    _Kind("电子元器件", "electronic component", r"电子元器件|电子元件|元器件", r"electronic components?"),
    _Kind("电子产品", "electronic product", r"电子产品", r"electronic products?|electronics"),
    _Kind("零部件", "part", r"汽车零部件|机加工零件|零部件|零件|部件", r"parts|components"),
    _Kind("焊点", "solder joint", r"焊点", r"solder joints?"),
)

# Standards: GB/T 19077-2016, HJ 780-2015, ISO 13320, ASTM E1131, IEC 62321-3-1, ICH Q3D, USP <232>.
STANDARD = re.compile(
    r"(?<![A-Za-z])(?P<body>(?:GB/[TZ]|GB|HJ/T|HJ|JY/T|YY/T|YY|SN/T|NY/T|QB/T|HG/T|JB/T|JJG|JJF|DB\d{2}/T|"
    r"ISO(?:/IEC)?|IEC|ASTM|EN|DIN|JIS|UL|EPA)\s*[A-Z]?\d[\d.]*(?:-\d+)*(?::\d{4})?|ICH\s*[QMSE]\d+[A-Z]?(?:\(R\d\))?|"
    r"USP\s*<\d+>|中国药典\s*(?:\d{4}\s*年版)?\s*(?:[一二三四]部)?\s*(?:通则\s*\d{4})?)")


@cache
def _certification_pattern() -> re.Pattern:
    return re.compile("|".join(f"(?P<{code.replace('-', '_')}>{_ALONE_BEFORE}(?:{pattern}){_ALONE_AFTER})"
                               for code, pattern in CERTIFICATIONS.items()), re.IGNORECASE)


def certifications(text: str) -> tuple[Certification, ...]:
    """Each certification named, once, at its first mention."""
    found: dict[str, Certification] = {}
    for mention in certification_mentions(text):
        found.setdefault(mention.code, mention)
    return tuple(found.values())


def certification_mentions(text: str) -> list[Certification]:
    """Every mention of a certification, in order."""
    return [Certification(match.lastgroup.replace("_", "-"), Span(match.start(), match.end(),
                                                                   text[match.start():match.end()]))
            for match in _certification_pattern().finditer(fold(text))]


@cache
def _sample_type_patterns() -> tuple[re.Pattern, ...]:
    # One pattern per kind: a single alternation of them all scanned 7x slower (every alternative tried
    # at every character).
    return tuple(re.compile(f"{kind.chinese}|{_ALONE_BEFORE}(?:{kind.english}){_ALONE_AFTER}", re.IGNORECASE)
                 for kind in SAMPLE_TYPES)


def sample_types(text: str) -> tuple[SampleType, ...]:
    """Each kind of sample once, in text order; where two overlap (锂电池正极材料) the longer wins."""
    folded = fold(text)
    matches = sorted((m.start(), -m.end(), kind) for kind, pattern in zip(SAMPLE_TYPES, _sample_type_patterns())
                     for m in pattern.finditer(folded))
    found: dict[str, SampleType] = {}
    taken_until = 0
    for start, negative_end, kind in matches:
        if start >= taken_until:
            found.setdefault(kind.name,
                             SampleType(kind.name, kind.name_en, Span(start, -negative_end, text[start:-negative_end])))
            taken_until = -negative_end
    return tuple(found.values())


def standards(text: str) -> tuple[Standard, ...]:
    found: dict[str, Standard] = {}
    for match in STANDARD.finditer(fold(text)):
        body = match["body"].strip()
        code = re.sub(r"^([A-Z/]+|DB\d{2}/T)\s*(?=[A-Z]?\d)", r"\1 ", re.sub(r"\s+", " ", body))
        span = Span(match.start("body"), match.start("body") + len(body), text[match.start("body"):][:len(body)])
        found.setdefault(code, Standard(code, span))
    return tuple(found.values())
