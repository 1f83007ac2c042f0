"""Numbers as needs write them: 200, 30,000, 1.5, 两百, 一百二十, 十五, and 万/千/k multipliers."""
from __future__ import annotations

CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                  "八": 8, "九": 9}
CHINESE_UNITS = {"十": 10, "百": 100, "千": 1000}
ENGLISH_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                   "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2, "a few": 3}
MULTIPLIERS = {"万": 10_000, "w": 10_000, "千": 1000, "k": 1000, "百万": 1_000_000, "million": 1_000_000}

# Regular-expression pieces the extractors share.
ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
CHINESE = r"[零〇一二两三四五六七八九十百千]+"
INTEGER = rf"\d{{1,3}}(?:,\d{{3}})+|\d+|{CHINESE}"
ENGLISH = "|".join(sorted(ENGLISH_NUMBERS, key=len, reverse=True))


def chinese_number(text: str) -> int:
    """一百二十 -> 120, 两百 -> 200, 十五 -> 15, 三千五 -> 3500 (a trailing digit takes the next unit down)."""
    total, digit, last_unit = 0, None, 1
    for char in text:
        if char in CHINESE_DIGITS:
            digit = CHINESE_DIGITS[char]
        else:
            last_unit = CHINESE_UNITS[char]
            total += (1 if digit is None else digit) * last_unit
            digit = None
    if digit is not None:
        right_after_unit = len(text) > 1 and text[-2] in CHINESE_UNITS
        total += digit * (last_unit // 10 if right_after_unit else 1)
    return total


def number(text: str) -> float:
    text = text.strip().lower()
    if text in ENGLISH_NUMBERS:
        return ENGLISH_NUMBERS[text]
    if text[0].isdigit():
        return float(text.replace(",", ""))
    return chinese_number(text)


def multiplier(text: str | None) -> int:
    return MULTIPLIERS[text.lower()] if text else 1
