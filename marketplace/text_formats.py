"""Fees and specifications as people type them, one per line: `item | price | unit` and `name: value`;
spreadsheet cells that cannot run as formulas."""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from marketplace.kinds import FEE_UNITS, MAX_MONEY
from marketplace.messages import LANGUAGES, Phrase, catalogue, translate

UNITS = tuple(unit.value for unit in FEE_UNITS)


@cache
def unit_names() -> dict[str, str]:
    """What people type for a fee's unit -> its code: the code, its plural, and its name in every interface
    language (小时, 样品, 项, 天), so a Chinese lab need not switch to English words."""
    names: dict[str, str] = {}
    for unit in FEE_UNITS:
        names.update({unit.value: unit.value, unit.value + "s": unit.value})
        for language in LANGUAGES:
            names[translate(unit.label, catalogue(language).gettext).strip().lower()] = unit.value
    return names


class TextFormatError(ValueError):
    def __init__(self, message: Phrase) -> None:
        super().__init__(message)
        self.message = message


def parse_lines(text: str | None) -> list[str]:
    """One entry per non-empty line."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def parse_fees(text: str | None) -> list[dict[str, Any]]:
    """`含量测定 | 300 | sample` (or `| 样品`) per line."""
    fees = []
    for number, line in enumerate(parse_lines(text), start=1):
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 3:
            raise TextFormatError(Phrase("line %(line)d: write “item | price | unit”", line=number))
        item, price, unit = parts
        try:
            amount = float(price)
        except ValueError:
            raise TextFormatError(Phrase("line %(line)d: price must be a number", line=number)) from None
        if not math.isfinite(amount) or not 0 <= amount <= MAX_MONEY:
            raise TextFormatError(Phrase("line %(line)d: price must be 0 to %(limit)d", line=number, limit=MAX_MONEY))
        code = unit_names().get(unit.lower())
        if code is None:
            raise TextFormatError(Phrase("line %(line)d: the unit must be hour, sample, item or day", line=number))
        fees.append({"item": item, "price_cny": amount, "unit": code})
    return fees


def format_fees(fees: list[dict[str, Any]], unit_name: Callable[[str], str] = str) -> str:
    """The fees as typed: `unit_name` gives a unit in the reader's language (parse_fees reads it back)."""
    return "\n".join(f"{f['item']} | {f['price_cny']:g} | {unit_name(f['unit'])}" for f in fees)


def parse_specs(text: str | None) -> dict[str, str]:
    """`name: value` per line (a full-width colon works too)."""
    specs = {}
    for number, line in enumerate(parse_lines(text), start=1):
        name, sep, value = line.partition(":")
        if not sep:
            name, sep, value = line.partition("：")
        if not sep or not name.strip():
            raise TextFormatError(Phrase("line %(line)d: write “name: value”", line=number))
        specs[name.strip()] = value.strip()
    return specs


def format_specs(specs: dict[str, str]) -> str:
    return "\n".join(f"{name}: {value}" for name, value in specs.items())


# A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return before one) as a
# formula: OWASP's advice is to prefix such cells with a quote. Cells already starting with quotes
# before one of these get one more quote, so that stripping one on import gives back exactly the value.
FORMULA_START = re.compile(r"'*[=+\-@\t\r]")


def neutralise_formula(cell: str) -> str:
    """A CSV cell that a spreadsheet shows as text instead of evaluating."""
    return "'" + cell if FORMULA_START.match(cell) else cell


def restore_formula(cell: str) -> str:
    """The value a neutralised cell holds (neutralise_formula undone; any other cell unchanged)."""
    return cell[1:] if cell.startswith("'") and FORMULA_START.match(cell[1:]) else cell
