"""Values as a person reads them in the interface language: money in yuan with thousands separators, fees
per unit, regions and categories by their names in that language, dates in its format. Template filters,
so no page shows a stored value (a region path, a unit code, a float) as it is kept."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_skeleton
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, gettext

from marketplace import taxonomy
from marketplace.kinds import FEE_UNITS, Field, FieldType, organisation_kind_label
from marketplace.web.i18n import localise

UNIT_LABELS = {choice.value: choice.label for choice in FEE_UNITS}


def _english() -> bool:
    return str(get_locale()) == "en"


def money(value: Any) -> str:
    """¥620,000 or ¥1,234.50: whole yuan without decimals."""
    if value is None or value == "":
        return ""
    amount = float(value)
    return f"¥{amount:,.0f}" if amount == int(amount) else f"¥{amount:,.2f}"


def money_range(low: Any, high: Any) -> str:
    if low is None and high is None:
        return ""
    if low is None or high is None or float(low) == float(high):
        return money(low if high is None else high)
    return gettext("%(low)s – %(high)s", low=money(low), high=money(high))


def per_unit(price: Any, unit: str) -> str:
    """¥300 / sample (a fee's unit is stored as its code: hour, sample, item, day)."""
    label = UNIT_LABELS.get(unit)
    return gettext("%(price)s / %(unit)s", price=money(price), unit=localise(label) if label else unit)


def region_label(path: str | None) -> str:
    """湖北省武汉市 in Chinese, "Wuhan, Hubei" in English; a municipality's repeated name once."""
    if not path:
        return ""
    parts = taxonomy.english_parts(path) if _english() else [p for p in path.split("/") if p]
    parts = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    return ", ".join(reversed(parts)) if _english() else "".join(parts)


def category_label(path: str | None) -> str:
    """分析仪器 › 色谱仪器, or "Analytical instruments › Chromatographs"."""
    if not path:
        return ""
    parts = taxonomy.english_parts(path) if _english() else path.split("/")
    return " › ".join(parts)


def day(value: date | str | None) -> str:
    if not value:
        return ""
    return format_date(date.fromisoformat(value) if isinstance(value, str) else value, "medium")


def weekday(value: date) -> str:
    """A calendar row's day, "Mon, Dec 7" or its Chinese form, as the reader's locale writes it."""
    return format_skeleton("MMMEd", value, locale=get_locale())


def moment(value: datetime | None) -> str:
    return format_datetime(value, "short") if value else ""


def organisation_kind(value: Any) -> str:
    return localise(organisation_kind_label(value))


FILTERS = {"money": money, "money_range": money_range, "per_unit": per_unit, "region_label": region_label,
           "category_label": category_label, "day": day, "weekday": weekday, "moment": moment,
           "organisation_kind": organisation_kind}


# Shown by the page's header or its price box rather than among the facts.
HEADER_FIELDS = frozenset({"title", "description", "keywords", "region", "category", "status", "certifications"})
PRICE_FIELDS = frozenset({"price_min_cny", "price_max_cny", "asking_price_cny", "budget_cny"})
SECTION_TYPES = frozenset({FieldType.FEES, FieldType.SPECS, FieldType.TEXT_LIST, FieldType.CHOICE_LIST,
                           FieldType.LONG_TEXT})


@dataclass(frozen=True)
class DetailLayout:
    """A posting's filled-in fields arranged for its page, in registry order."""

    facts: list[tuple[Field, Any]]  # one-line values, in a definition list
    sections: list[tuple[Field, Any]]  # fees, specifications, lists and texts, each under its own heading
    values: dict[str, Any]  # every filled-in field by name, for the header and the price box


def _blank(value: Any) -> bool:
    """Nothing to show: empty, or a "no" (a need that is not limited to domestic instruments says nothing)."""
    return value is None or value is False or (isinstance(value, (str, list, dict)) and not value)


def detail_layout(details: list[tuple[Field, Any]]) -> DetailLayout:
    filled = [(f, v) for f, v in details if not _blank(v)]
    facts = [(f, v) for f, v in filled if f.type not in SECTION_TYPES and f.name not in HEADER_FIELDS | PRICE_FIELDS]
    sections = [(f, v) for f, v in filled if f.type in SECTION_TYPES and f.name not in HEADER_FIELDS]
    return DetailLayout(facts, sections, {f.name: v for f, v in filled})


def lowest_fee(fees: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    return min(fees, key=lambda fee: fee["price_cny"]) if fees else None


def init_presentation(app: Flask) -> None:
    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(detail_layout=detail_layout, lowest_fee=lowest_fee)
