"""How many samples, and how much money: "200 个样品", "200份", "200 samples", "预算 5 万", "budget ¥20k".

A number is a sample count only with a sample word or a measure word for samples next to it, so
model numbers ("Agilent 1260"), standards ("GB/T 1040.2-2022") and durations stay what they are.
Money is in yuan: amounts in other currencies are not converted, so they are not read as a budget.
"""
from __future__ import annotations

import re

from marketplace.understanding.numbers import ARABIC, CHINESE, INTEGER, multiplier, number
from marketplace.understanding.segmentation import fold
from marketplace.understanding.values import Budget, SampleCount, Span

# Not the tail of a longer number, model or code: "1260" in "G1260", "000" in "30,000", "2" in "1040.2".
_NOT_IN_NUMBER = r"(?<![A-Za-z0-9./-])(?<!\d,)"
SAMPLE_NOUN = r"(?:样品|样本|试样|样|点位|个点)"
# Measure words that count samples on their own: 200份, 30支, 5批 (批次: batches of a product).
SAMPLE_MEASURE = r"(?:份|支|管|瓶|袋|批次|批)"
COUNT = re.compile(
    rf"{_NOT_IN_NUMBER}(?:共|约|大约|总共|合计|一共)?\s*(?P<n>{INTEGER})\s*"
    rf"(?:(?:个|件|块|片|粒|只|株|{SAMPLE_MEASURE})?\s*{SAMPLE_NOUN}|{SAMPLE_MEASURE}(?![\u4e00-\u9fff]{{0,1}}(?:报告|合同|文件|方案|说明)))"
    rf"|(?:样品|样本)(?:数量|数|量|总数)?\s*(?:[:：]|为|约|共|共计|有)?\s*(?P<n2>{INTEGER})(?![\d]|[.,]\d|\s*(?:元|块|万|千|%|/|[A-Za-z]))\s*(?:个|份|件|批|支)?"
    rf"|(?<![A-Za-z0-9.])(?P<n3>\d{{1,3}}(?:,\d{{3}})+|\d+)\s*(?:samples?|specimens?|batches|batch|lots|vials|tubes|pcs)\b"
    rf"|\b(?:sample size|number of samples|samples?)\s*(?:[:=]|of|is)\s*(?P<n4>\d+)\b",
    re.IGNORECASE)
# 200 个胶囊: a general measure word before a kind of sample counts it too.
COUNT_BEFORE_KIND = r"{_NOT_IN_NUMBER}(?P<n>{INTEGER})\s*(?:个|件|块|片|粒|只)\s*(?={kind})"

CURRENCY_BEFORE = r"(?:¥|RMB|CNY|人民币)"
CURRENCY_AFTER = r"(?:元|块钱|块|人民币|RMB|CNY|yuan)"
MULTIPLIER = r"(?:百万|万|千|[kw](?![a-z])|million)"
AMOUNT = rf"(?P<low>{ARABIC}|{CHINESE})\s*(?P<low_m>{MULTIPLIER})?"
RANGE = rf"{AMOUNT}(?:\s*(?:-|~|～|到|至|to)\s*(?P<high>{ARABIC}|{CHINESE})\s*(?P<high_m>{MULTIPLIER})?)?"
LIMIT_AFTER = r"(?:以内|以下|之内|左右|上下|封顶|max|or less)"
LIMIT_BEFORE = (r"(?:不超过|不高于|不多于|低于|少于|最多|最高|控制在|under|below|less than|up to|max(?:imum)?|at most|"
                r"no more than|within)")
BUDGET_LABEL = r"(?:预算|经费|费用|价格|价位|budget|price)"
# Tried in this order; the earliest match in the text wins.
BUDGETS = tuple(re.compile(pattern, re.IGNORECASE) for pattern in (
    # 预算 5 万 / 预算：5000-8000元 / budget of ¥20k / budget around 20,000 CNY
    rf"{BUDGET_LABEL}(?:\s*(?:[:：]|of|is|约|大约|大概|在|为|是|around|about|approx\.?|{LIMIT_BEFORE}))*\s*"
    rf"{CURRENCY_BEFORE}?\s*{RANGE}\s*{CURRENCY_AFTER}?(?:\s*{LIMIT_AFTER})?",
    # 不超过 ¥5000 / ¥20k / under RMB 30,000
    rf"(?:{LIMIT_BEFORE}\s*)?{CURRENCY_BEFORE}\s*{RANGE}\s*{CURRENCY_AFTER}?(?:\s*{LIMIT_AFTER})?",
    # 5000元以内 / 3万元 / under 30,000 CNY
    rf"(?:{LIMIT_BEFORE}\s*)?{RANGE}\s*{CURRENCY_AFTER}(?:\s*{LIMIT_AFTER})?",
    # 50万以内的国产液相: no currency, so only with 万/千 and a limit word (not "200W以内", a power).
    rf"(?P<low>{ARABIC}|{CHINESE})\s*(?P<low_m>万|千)\s*{LIMIT_AFTER}",
))
# 每样 200 元 / 200元/样 / 200 CNY per sample: a price per sample, a budget only once the count is known.
PER_SAMPLE = re.compile(r"\s*(?:/|每|per\s+)(?:个|样|份|样品|sample)", re.IGNORECASE)
PER_SAMPLE_BEFORE = re.compile(r"(?:每(?:个|样|份)?(?:样品)?|单价|单样)(?:价格|费用|收费)?\s*[:：]?\s*$")


def sample_count(text: str, kinds: str | None = None) -> SampleCount | None:
    """The first sample count; `kinds` is a regular expression for sample kinds ("胶囊|血清")."""
    folded = fold(text)
    matches = [m for m in [COUNT.search(folded)] if m]
    if kinds:
        pattern = COUNT_BEFORE_KIND.format(_NOT_IN_NUMBER=_NOT_IN_NUMBER, INTEGER=INTEGER, kind=f"(?:{kinds})")
        matches += [m for m in [re.search(pattern, folded, re.IGNORECASE)] if m]
    for match in sorted(matches, key=lambda m: m.start()):
        value = next(v for v in (match.groupdict().get(g) for g in ("n", "n2", "n3", "n4")) if v)
        count = int(number(value))
        if count > 0:
            return SampleCount(count, _span(text, match))
    return None


def budget(text: str, count: int | None = None) -> Budget | None:
    folded = fold(text)
    matches = sorted((m for pattern in BUDGETS for m in pattern.finditer(folded)), key=lambda m: m.start())
    for match in matches:
        amount, start, end = _upper_end(match), match.start(), match.end()
        after, before = PER_SAMPLE.match(folded, end), PER_SAMPLE_BEFORE.search(folded, 0, start)
        if after or before:
            if count is None:
                continue
            amount, start, end = amount * count, before.start() if before else start, after.end() if after else end
        if amount > 0:
            start += len(folded[start:end]) - len(folded[start:end].lstrip())
            return Budget(amount, Span(start, end, text[start:end]))
    return None


def _upper_end(match: re.Match) -> float:
    """1-2万 is up to 20,000 yuan: a multiplier written once applies to both ends."""
    groups = match.groupdict()
    unit = groups.get("high_m") or groups["low_m"]
    return number(groups.get("high") or groups["low"]) * multiplier(unit)


def _span(text: str, match: re.Match) -> Span:
    start = match.start() + len(match[0]) - len(match[0].lstrip())
    end = match.start() + len(match[0].rstrip())
    return Span(start, end, text[start:end])
