"""Validation of catalogue records at the edge: one rule set for forms, the JSON API and imports.

A record has the shape of the shared catalogue contract (data/listing.schema.json). Errors are
returned as field -> human message, never raised, so callers can show them next to the input.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any, Mapping

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from stdnum.cn import uscc

from marketplace import taxonomy
from marketplace.messages import Phrase

SCHEMA_PATH = Path(__file__).parent / "data" / "listing.schema.json"


def _text(max_length: int) -> dict[str, Any]:
    return {"type": "string", "maxLength": max_length}


def _list_of_text(max_items: int = 100, max_length: int = 200) -> dict[str, Any]:
    return {"type": "array", "maxItems": max_items, "items": _text(max_length)}


# The shared contract leaves most lengths open; these limits match our columns so oversize input is
# a clear validation error instead of a database failure. Fields beyond the contract are ours.
LOCAL_RULES: dict[str, Any] = {
    "properties": {
        "owner": {"properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200}}},
        "region": _text(100),
        "category": _text(200),
        "model": _text(120),
        "manufacturer": _text(120),
        "sample_type": _text(200),
        "keywords": _list_of_text(50, 100),
        "certifications": _list_of_text(30, 50),
        "capabilities": _list_of_text(),
        "standards": _list_of_text(),
        "replaces": _list_of_text(50, 120),
        "patents": _list_of_text(50, 60),
        "fees": {"maxItems": 50, "items": {"properties": {"item": _text(200)}}},
        "specs": {"maxProperties": 60, "propertyNames": {"maxLength": 100}, "additionalProperties": _text(500)},
        "sample_count": {"maximum": 1_000_000},
        "booking_rules": _text(5000),
        "lead_time_days": {"type": "integer", "minimum": 0, "maximum": 3650},
        "field": _text(120),
        "status": {"enum": ["open", "closed"]},
    }
}


@cache
def _validator() -> Draft202012Validator:
    shared = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator({"allOf": [shared, LOCAL_RULES]}, format_checker=FormatChecker())


def _field_name(error: ValidationError) -> str:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required":
        missing = error.message.split("'")[1]
        path.append(missing)
    return ".".join(path) or "record"


TYPE_MESSAGES = {"string": Phrase("must be text"), "number": Phrase("must be a number"),
                 "integer": Phrase("must be a whole number"), "array": Phrase("must be a list"),
                 "object": Phrase("must be an object"), "boolean": Phrase("must be true or false")}


def _message(error: ValidationError) -> str:
    v, expected = error.validator, error.validator_value
    if v == "required":
        return Phrase("is required")
    if v == "type":
        return TYPE_MESSAGES.get(expected) or Phrase("must be of type %(type)s", type=expected)
    if v == "enum":
        return Phrase("must be one of: %(choices)s", choices=", ".join(map(str, expected)))
    if v == "maxLength":
        return Phrase("is too long (at most %(limit)d characters)", limit=expected)
    if v == "minLength":
        return Phrase("must not be empty")
    if v == "maxItems":
        return Phrase("has too many entries (at most %(limit)d)", limit=expected)
    if v == "minimum":
        return Phrase("must be at least %(limit)s", limit=expected)
    if v == "maximum":
        return Phrase("must be at most %(limit)s", limit=expected)
    if v == "format" and expected == "date":
        return Phrase("must be a date like 2026-12-31")
    return error.message


def credit_code_error(code: str) -> str | None:
    try:
        uscc.validate(code)
    except uscc.InvalidLength:
        return Phrase("must be 18 characters (统一社会信用代码)")
    except uscc.InvalidChecksum:
        return Phrase("has a wrong check character; please re-check the code")
    except uscc.ValidationError:
        return Phrase("is not a valid unified social credit code")
    return None


def record_errors(record: Any) -> dict[str, str]:
    """Field -> message for everything wrong with a catalogue record (empty when valid)."""
    if not isinstance(record, Mapping):
        return {"record": Phrase("must be a JSON object")}
    errors: dict[str, str] = {}
    for error in sorted(_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path))):
        errors.setdefault(_field_name(error), _message(error))
    if errors:
        return errors
    _domain_errors(record, errors)
    return errors


def _domain_errors(record: Mapping[str, Any], errors: dict[str, str]) -> None:
    if record["title"].strip() == "":
        errors["title"] = Phrase("must not be empty")
    owner = record.get("owner") or {}
    if owner.get("credit_code") and (message := credit_code_error(owner["credit_code"])):
        errors["owner.credit_code"] = message
    if record.get("category") and not taxonomy.is_known_category(record["category"]):
        errors["category"] = Phrase("is not in the national instrument classification (e.g. 分析仪器/色谱仪器)")
    if record.get("region") and not taxonomy.is_known_region(record["region"]):
        errors["region"] = Phrase("must start with a province, e.g. 湖北省/武汉市")
    low, high = record.get("price_min_cny"), record.get("price_max_cny")
    if low is not None and high is not None and low > high:
        errors["price_max_cny"] = Phrase("must not be below the minimum price")
