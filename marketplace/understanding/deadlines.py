"""When results are needed: "两周内", "一个月内", "3个工作日内", "3月底前", "2026-04-30", "within 2 weeks",
"by end of March", "by 31 March", resolved against the `today` the caller gives.

A date without a year is the next one to come; "in 2 weeks" means within two weeks, as needs say it.
Working days skip weekends only: public holidays move every year and are not modelled.
"""
from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from marketplace.understanding.numbers import CHINESE, ENGLISH, number
from marketplace.understanding.segmentation import fold
from marketplace.understanding.values import Deadline, Span

MONTHS = {name: index for index, name in enumerate(calendar.month_name) if name} | {
    name: index for index, name in enumerate(calendar.month_abbr) if name} | {"Sept": 9}
MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
WEEKDAYS_ZH = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
WEEKDAYS_EN = {name.lower(): index for index, name in enumerate(calendar.day_name)}
BEFORE_ZH = r"(?:前|之前|以前|截止|为止|完成|交付|出报告|出结果)?"
BY_EN = r"(?:by|before|no later than|deadline:?|due(?: by| on)?|until)\s+(?:the\s+)?"

PATTERNS = {
    # 两周内 / 一个月内 / 3个工作日内出报告 / 半个月内
    "zh_within": rf"(?P<n>\d+|{CHINESE}|半)\s*个?\s*(?P<unit>工作日|自然日|天|日|周|星期|礼拜|月|年)\s*(?:之内|以内|内)"
                 rf"(?:完成|出报告|出结果|交付)?",
    # 本周内 / 下周前 / 月底前 / 下个月底 / 年底前 / 年内
    "zh_period": r"(?P<which>本|这|这个|下|下个)?(?P<period>周|星期|月|年)(?:底|末)?\s*(?:之内|以内|内|前|之前)"
                 r"|(?P<which2>本|这个|下个?)?(?P<period2>月|年)(?:底|末)\s*(?:前|之前)?",
    # 2026年3月31日前 / 3月31日 / 3月底前 / 4月中旬
    "zh_date": r"(?:(?P<year>\d{4})\s*年\s*)?(?P<month>\d{1,2})\s*月\s*"
               r"(?:(?P<day>\d{1,2})\s*[日号]|(?P<part>底|末|上旬|中旬|下旬|初))"
               + BEFORE_ZH,
    # 2026-03-31 / 2026/3/31 / 2026.3.31
    "iso_date": r"(?<![\w/.-])(?P<year>20\d{2})[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?![\w/.-])" + BEFORE_ZH,
    # 下周五前 / 周五之前
    "zh_weekday": r"(?P<which>本|这|下)?(?:周|星期|礼拜)(?P<weekday>[一二三四五六日天])\s*(?:前|之前|以前)",
    # within 2 weeks / in 10 business days / within a month
    "en_within": rf"\b(?:within|in|inside of)\s+(?P<n>\d+|{ENGLISH})\s+(?P<unit>business days?|working days?|days?|"
                 rf"weeks?|months?|years?)\b",
    # by end of March / by the end of the month / before end of next week
    "en_end": rf"\b{BY_EN}end\s+of\s+(?:the\s+)?(?P<what>{MONTH}|this month|next month|month|this year|year|this week|"
              rf"next week|week)\b",
    # by March 31 / by 31 March 2026 / before April 5th, 2026
    "en_date": rf"\b{BY_EN}(?:(?P<month>{MONTH})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?"
               rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?"
               rf"\s+(?:of\s+)?(?P<month2>{MONTH})\.?)(?:,?\s+(?P<year>20\d{{2}}))?\b",
    # by Friday / by next Friday
    "en_weekday": rf"\b{BY_EN}(?P<next>next\s+)?(?P<weekday>{'|'.join(WEEKDAYS_EN)})\b",
    # by March / before April 2026
    "en_month": rf"\b{BY_EN}(?P<month>{MONTH})\.?(?:\s+(?P<year>20\d{{2}}))?\b",
}
COMPILED = {name: re.compile(pattern, re.IGNORECASE) for name, pattern in PATTERNS.items()}


def deadline(text: str, today: date) -> Deadline | None:
    """The first deadline the text states (where two readings start together, the longer)."""
    folded = fold(text)
    matches = sorted(((match.start(), -match.end(), name, match) for name, pattern in COMPILED.items()
                      for match in pattern.finditer(folded)), key=lambda found: found[:2])
    for _, _, name, match in matches:
        groups = {key.rstrip("2"): value for key, value in match.groupdict().items() if value}
        try:
            when = _RESOLVE[name](groups, today)
        except ValueError:      # 2月30日, 13月: not a date
            continue
        return Deadline(when, Span(match.start(), match.end(), text[match.start():match.end()]))
    return None


def _within(groups: dict[str, str], today: date) -> date:
    unit, count = groups["unit"].lower().rstrip("s"), 0.5 if groups["n"] == "半" else number(groups["n"])
    if unit in ("工作日", "business day", "working day"):
        return _add_working_days(today, int(count))
    if unit in ("天", "日", "自然日", "day"):
        return today + timedelta(days=int(count))
    if unit in ("周", "星期", "礼拜", "week"):
        return today + timedelta(days=int(7 * count))
    if unit in ("月", "month"):
        return _add_months(today, count)
    return _add_months(today, 12 * count)


def _zh_period(groups: dict[str, str], today: date) -> date:
    following = groups.get("which", "").startswith("下")
    if groups["period"] in ("周", "星期"):
        return today + timedelta(days=6 - today.weekday() + (7 if following else 0))
    if groups["period"] == "月":
        return _month_end(_add_months(today.replace(day=1), 1 if following else 0))
    return date(today.year + following, 12, 31)


def _zh_date(groups: dict[str, str], today: date) -> date:
    month = int(groups["month"])
    if "day" not in groups and groups["part"] not in ("初", "上旬", "中旬"):
        return _next_month_end(today, month, groups.get("year"))
    day = int(groups["day"]) if "day" in groups else {"初": 10, "上旬": 10, "中旬": 20}[groups["part"]]
    return _next(today, month, day, groups.get("year"))


def _zh_weekday(groups: dict[str, str], today: date) -> date:
    days_ahead = (WEEKDAYS_ZH[groups["weekday"]] - today.weekday()) % 7
    return today + timedelta(days=days_ahead + (7 if groups.get("which") == "下" else 0))


def _en_end(groups: dict[str, str], today: date) -> date:
    what = groups["what"].lower()
    if what in ("month", "this month"):
        return _month_end(today)
    if what == "next month":
        return _month_end(_add_months(today.replace(day=1), 1))
    if what in ("year", "this year"):
        return date(today.year, 12, 31)
    if what.endswith("week"):
        return today + timedelta(days=6 - today.weekday() + (7 if what.startswith("next") else 0))
    return _next_month_end(today, MONTHS[groups["what"].capitalize()])


def _en_date(groups: dict[str, str], today: date) -> date:
    return _next(today, MONTHS[groups["month"].capitalize()], int(groups["day"]), groups.get("year"))


def _en_weekday(groups: dict[str, str], today: date) -> date:
    days_ahead = (WEEKDAYS_EN[groups["weekday"].lower()] - today.weekday()) % 7 or 7
    return today + timedelta(days=days_ahead + (7 if groups.get("next") else 0))


def _en_month(groups: dict[str, str], today: date) -> date:
    return _next_month_end(today, MONTHS[groups["month"].capitalize()], groups.get("year"))


def _iso_date(groups: dict[str, str], today: date) -> date:
    return date(int(groups["year"]), int(groups["month"]), int(groups["day"]))


_RESOLVE = {"zh_within": _within, "en_within": _within, "zh_period": _zh_period, "zh_date": _zh_date,
            "iso_date": _iso_date, "zh_weekday": _zh_weekday, "en_end": _en_end, "en_date": _en_date,
            "en_weekday": _en_weekday, "en_month": _en_month}


def _next(today: date, month: int, day: int, year: str | None) -> date:
    """The date in the given year, or else the next time that month and day come round."""
    if year:
        return date(int(year), month, day)
    this_year = date(today.year, month, day)
    return this_year if this_year >= today else date(today.year + 1, month, day)


def _next_month_end(today: date, month: int, year: str | None = None) -> date:
    if year:
        return _month_end(date(int(year), month, 1))
    this_year = _month_end(date(today.year, month, 1))
    return this_year if this_year >= today else _month_end(date(today.year + 1, month, 1))


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _add_months(day: date, months: float) -> date:
    if months != int(months):   # 半个月: half a month is 15 days
        return _add_months(day, int(months)) + timedelta(days=15)
    index = day.month - 1 + int(months)
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _add_working_days(day: date, count: int) -> date:
    while count > 0:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day
