"""Conversion between catalogue records (the shared contract's shape) and posting models, field by
field as `marketplace.kinds` describes each kind."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any

from marketplace.kinds import KINDS, Field, FieldType
from marketplace.models import Posting

EMPTY = (None, "", [], {})
SOURCE_FIELDS = "source_fields"


def _stored_value(field: Field, value: Any) -> Any:
    if field.fixed is not None:
        return field.fixed
    if value is None:
        return field.empty
    if field.type is FieldType.DATE:
        return date.fromisoformat(value)
    if field.enum is not None:
        return field.enum(value)
    if field.type in (FieldType.TEXT_LIST, FieldType.CHOICE_LIST):
        entries = [v.strip() for v in value if v.strip()]
        return [v.upper() for v in entries] if field.upper_case else entries
    if isinstance(value, str):
        return value.strip()
    return value


def apply_record(posting: Posting, record: Mapping[str, Any]) -> None:
    """Copy a validated record onto a posting; absent optional fields are cleared (the record is whole).
    Source fields (the columns of an imported feed we have no field for) are kept unless the record has them."""
    for field in KINDS[posting.kind].fields:
        if field.managed and field.name not in record:
            continue  # e.g. a re-import must not reopen a need its owner closed
        setattr(posting, field.name, _stored_value(field, record.get(field.name)))
    if SOURCE_FIELDS in record:
        posting.source_fields = dict(record[SOURCE_FIELDS] or {})


def _exported_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def to_record(posting: Posting) -> dict[str, Any]:
    """The catalogue line for a posting: empty values are left out so exports stay readable (the
    contract requires a description, so it stays even when empty)."""
    record: dict[str, Any] = {"kind": posting.kind, "ref": posting.ref}
    for field in KINDS[posting.kind].fields:
        value = _exported_value(getattr(posting, field.name))
        if value not in EMPTY or field.name == "description":
            record[field.name] = value
    if posting.source_fields:
        record[SOURCE_FIELDS] = dict(posting.source_fields)
    owner = posting.organisation
    record["owner"] = {"name": owner.name, "kind": owner.kind.value}
    if owner.credit_code:
        record["owner"]["credit_code"] = owner.credit_code
    return record
