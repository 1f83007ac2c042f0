"""Conversion between catalogue records (the shared contract's shape) and posting models."""
from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from marketplace.models import (
    DomesticProduct,
    NeedStatus,
    Posting,
    SharedInstrument,
    TechnologyTransfer,
    TestNeed,
)

MODEL_BY_KIND: dict[str, type[Posting]] = {
    "instrument": SharedInstrument,
    "product": DomesticProduct,
    "transfer": TechnologyTransfer,
    "need": TestNeed,
}

COMMON_FIELDS = ("title", "description", "region", "category", "keywords")
# Record keys stored on each kind's own table; list-valued ones default to [] when absent.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "instrument": ("model", "manufacturer", "origin", "original_value_cny", "service_modes", "fees",
                   "certifications", "capabilities", "standards", "booking_rules"),
    "product": ("model", "manufacturer", "specs", "price_min_cny", "price_max_cny", "replaces",
                "certifications", "lead_time_days"),
    "transfer": ("field", "patents", "trl", "transfer_modes", "asking_price_cny"),
    "need": ("sample_type", "sample_count", "standards", "deadline", "budget_cny", "domestic_only", "status"),
}
LIST_FIELDS = {"keywords", "service_modes", "fees", "certifications", "capabilities", "standards",
               "replaces", "patents", "transfer_modes"}
TEXT_DEFAULTS = {"description": "", "booking_rules": ""}


def _stored_value(key: str, value: Any) -> Any:
    if value is None:
        return [] if key in LIST_FIELDS else TEXT_DEFAULTS.get(key)
    if key == "deadline":
        return date.fromisoformat(value)
    if key == "status":
        return NeedStatus(value)
    if key == "certifications":
        return [c.strip().upper() for c in value if c.strip()]
    if key in LIST_FIELDS and key != "fees":
        return [v.strip() for v in value if v.strip()]
    if isinstance(value, str):
        return value.strip()
    return value


def apply_record(posting: Posting, record: Mapping[str, Any]) -> None:
    """Copy a validated record onto a posting; absent optional fields are cleared (the record is whole)."""
    for key in (*COMMON_FIELDS, *KIND_FIELDS[posting.kind]):
        if key == "status" and key not in record:
            continue  # a re-import must not reopen a need its owner closed
        setattr(posting, key, _stored_value(key, record.get(key)))
    if posting.kind == "product":
        posting.origin = "domestic"


def _exported_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, NeedStatus):
        return value.value
    return value


def to_record(posting: Posting) -> dict[str, Any]:
    """The catalogue line for a posting: empty values are left out so exports stay readable."""
    record: dict[str, Any] = {"kind": posting.kind, "ref": posting.ref}
    for key in (*COMMON_FIELDS, *KIND_FIELDS[posting.kind]):
        value = _exported_value(getattr(posting, key))
        if value not in (None, "", [], {}) or key == "description":
            record[key] = value
    if posting.kind == "product":
        record["origin"] = "domestic"
    owner = posting.organisation
    record["owner"] = {"name": owner.name, "kind": owner.kind.value}
    if owner.credit_code:
        record["owner"]["credit_code"] = owner.credit_code
    return record
