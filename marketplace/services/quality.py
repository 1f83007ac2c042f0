"""Listing completeness: a 0-1 score with hints for what is missing. Search ranks incomplete listings lower.

Each kind's fields carry a weight (how much a buyer misses the field when deciding without asking) and
a hint (`marketplace.kinds`).
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marketplace.kinds import KINDS, Field
from marketplace.messages import Phrase

MIN_DESCRIPTION = 40


@dataclass(frozen=True)
class Completeness:
    score: float
    hints: tuple[Phrase, ...]  # heaviest gap first


def _present(record: Mapping[str, Any], field: Field) -> bool:
    value = record.get(field.name)
    if field.name == "description":
        return isinstance(value, str) and len(value.strip()) >= MIN_DESCRIPTION
    return value not in (None, "", [], {})


def completeness(record: Mapping[str, Any]) -> Completeness:
    scored = [field for field in KINDS[record["kind"]].fields if field.weight]
    total = sum(field.weight for field in scored)
    missing = sorted((field for field in scored if not _present(record, field)), key=lambda f: -f.weight)
    score = 1 - sum(field.weight for field in missing) / total
    return Completeness(round(score, 3), tuple(field.hint for field in missing if field.hint))
