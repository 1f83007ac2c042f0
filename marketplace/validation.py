"""Validation of catalogue records at the edge: one rule set for forms, the JSON API and imports.

A record has the shape of the shared catalogue contract (data/listing.schema.json). Errors are
returned as field -> human message, never raised, so callers can show them next to the input.
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import fastjsonschema
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from stdnum.cn import uscc

from marketplace import taxonomy
from marketplace.kinds import KINDS, MAX_MONEY, Field, FieldType, catalogue_fields
from marketplace.messages import Phrase

SCHEMA_PATH = Path(__file__).parent / "data" / "listing.schema.json"
DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _text(max_length: int | None) -> dict[str, Any]:
    return {"type": "string", **({"maxLength": max_length} if max_length else {})}


def _range(field: Field) -> dict[str, Any]:
    limits = {"minimum": field.minimum, "maximum": field.maximum}
    return {key: value for key, value in limits.items() if value is not None}


def _rule(field: Field) -> dict[str, Any]:
    """The JSON Schema of one field, with the limits of its column."""
    match field.type:
        case FieldType.INTEGER:
            return {"type": "integer", **_range(field)}
        case FieldType.MONEY:
            return {"type": "number", **_range(field)}
        case FieldType.DATE:
            return {"type": "string", "format": "date"}
        case FieldType.BOOLEAN:
            return {"type": "boolean"}
        case FieldType.CHOICE:
            return {"enum": list(field.choice_values)}
        case FieldType.CHOICE_LIST:
            return {"type": "array", "items": {"enum": list(field.choice_values)}}
        case FieldType.TEXT_LIST:
            return {"type": "array", "maxItems": field.max_items, "items": _text(field.max_length)}
        case FieldType.FEES:
            return {"type": "array", "maxItems": field.max_items, "items": {
                "type": "object", "required": ["item", "price_cny", "unit"], "properties": {
                    "item": _text(field.max_length),
                    "price_cny": {"type": "number", "minimum": 0, "maximum": MAX_MONEY},
                    "unit": {"enum": list(field.choice_values)}}}}
        case FieldType.SPECS:
            return {"type": "object", "maxProperties": field.max_items, "propertyNames": {"maxLength": 100},
                    "additionalProperties": _text(field.max_length)}
    return _text(field.max_length)


# The shared contract leaves most lengths open; these rules match our columns so oversize input is a
# clear validation error instead of a database failure. Fields beyond the contract are ours.
LOCAL_RULES: dict[str, Any] = {
    "properties": {
        "owner": {"properties": {"name": {"type": "string", "minLength": 1, "maxLength": 200}}},
        # Columns of an imported feed that have no field of ours, kept as text to export back.
        "source_fields": {"type": "object", "maxProperties": 100, "propertyNames": {"maxLength": 200},
                          "additionalProperties": {"type": "string", "maxLength": 5000}},
        **{field.name: _rule(field) for field in catalogue_fields()},
    }
}


def _schema() -> dict[str, Any]:
    return {"allOf": [json.loads(SCHEMA_PATH.read_text(encoding="utf-8")), LOCAL_RULES]}


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(_schema(), format_checker=FormatChecker())


def _is_date(value: str) -> bool:
    """jsonschema's "date" format: ISO digits and a real day (fastjsonschema's alone lets 02-31 through)."""
    if not DATE.fullmatch(value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


@cache
def _accepts() -> Callable[[Any], Any]:
    """The same schema compiled to Python (fastjsonschema): about fifty times faster than jsonschema's
    walk, which took most of a catalogue import's time. It only says yes or no; a record it refuses is
    walked again by jsonschema for the messages. The schema keeps to keywords both read alike."""
    return fastjsonschema.compile(_schema(), formats={"date": _is_date})


def _schema_errors(record: Mapping[str, Any]) -> list[ValidationError]:
    try:
        _accepts()(record)
        return []
    except fastjsonschema.JsonSchemaException:
        return sorted(_validator().iter_errors(record), key=lambda e: list(map(str, e.absolute_path)))


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


def normalise_credit_code(code: str | None) -> str | None:
    """The one stored spelling of a code: no spaces or dashes, upper case (None when blank)."""
    return uscc.compact(code) or None if code else None


@lru_cache(maxsize=4096)  # an import names the same owners row after row, and stdnum's checks are slow
def credit_code_error(code: str) -> str | None:
    if uscc.compact(code) == "0" * 18:
        return Phrase("is a placeholder (all zeros), not a real unified social credit code")
    try:
        uscc.validate(code)
    except uscc.InvalidLength:
        return Phrase("must be 18 characters (统一社会信用代码)")
    except uscc.InvalidChecksum:
        return Phrase("has a wrong check character; please re-check the code")
    except uscc.ValidationError:
        return Phrase("is not a valid unified social credit code")
    return None


LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable_values(value: Any, path: str = "") -> dict[str, str]:
    """Values no column or index can hold, wherever they sit. NaN and ±Infinity (JSON's NaN/Infinity,
    "1e400", float("nan") from a CSV cell): JSON Schema counts them as numbers and they pass every range
    check, then break the JSON export, PostgreSQL and the search index. Lone surrogates (a JSON
    "\\udc80" escape): no UTF-8 encoder writes them."""
    if isinstance(value, float) and not math.isfinite(value):
        return {path or "record": Phrase("must be a finite number")}
    if isinstance(value, str) and LONE_SURROGATE.search(value):
        return {path or "record": Phrase("is not valid Unicode text")}
    children: Any = value.items() if isinstance(value, Mapping) else enumerate(value) if isinstance(value, list) else ()
    errors: dict[str, str] = {}
    for key, child in children:
        if isinstance(key, str) and LONE_SURROGATE.search(key):  # a key is part of the path shown
            errors[path or "record"] = Phrase("is not valid Unicode text")
            continue
        errors.update(_unstorable_values(child, f"{path}.{key}" if path else str(key)))
    return errors


def record_errors(record: Any) -> dict[str, str]:
    """Field -> message for everything wrong with a catalogue record (empty when valid)."""
    if not isinstance(record, Mapping):
        return {"record": Phrase("must be a JSON object")}
    errors = _unstorable_values(record)
    if errors:
        return errors
    for error in _schema_errors(record):
        errors.setdefault(_field_name(error), _message(error))
    if errors:
        return errors
    _domain_errors(record, errors)
    return errors


def _domain_errors(record: Mapping[str, Any], errors: dict[str, str]) -> None:
    for field in KINDS[record["kind"]].fields:
        value = record.get(field.name)
        if field.required and not (isinstance(value, str) and value.strip()):
            errors[field.name] = Phrase("must not be empty")
        elif field.type is FieldType.CATEGORY and value and not taxonomy.is_known_category(value):
            errors[field.name] = Phrase("is not in the national instrument classification (e.g. 分析仪器/色谱仪器)")
        elif field.type is FieldType.REGION and value and not taxonomy.is_known_region(value):
            errors[field.name] = Phrase("must start with a province, e.g. 湖北省/武汉市")
    owner = record.get("owner") or {}
    if owner.get("credit_code") and (message := credit_code_error(owner["credit_code"])):
        errors["owner.credit_code"] = message
    low, high = record.get("price_min_cny"), record.get("price_max_cny")
    if low is not None and high is not None and low > high:
        errors["price_max_cny"] = Phrase("must not be below the minimum price")
