"""The search document: what the index knows about one listing, built from a catalogue record
(the shape of shared/contracts/listing.schema.json)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

# Sentence models read a few hundred word pieces at most; the title and the start of the body carry
# what a listing is about.
EMBEDDING_BODY_CHARS = 300


@dataclass(frozen=True)
class SearchDocument:
    doc_id: str
    version: int
    kind: str
    ref: str
    title: str
    body: str
    category: str | None = None  # path in the instrument classification, "分析仪器/色谱仪器"
    region: str | None = None  # "湖北省/武汉市"
    origin: str | None = None  # "domestic" | "imported"
    certifications: tuple[str, ...] = ()  # upper case: CMA, CNAS
    service_modes: tuple[str, ...] = ()
    price_cny_low: float | None = None
    price_cny_high: float | None = None
    completeness: float = 1.0  # 0..1, how fully the listing is filled in

    @property
    def province(self) -> str | None:
        return _top(self.region)

    @property
    def top_category(self) -> str | None:
        return _top(self.category)

    def embedding_text(self) -> str:
        return f"{self.title}. {self.body[:EMBEDDING_BODY_CHARS]}"


def _top(path: str | None) -> str | None:
    return path.split("/", 1)[0] if path else None


def matches_prefix(path: str | None, prefix: str) -> bool:
    """Region and category filters match whole path segments: "湖北省" matches "湖北省/武汉市", not "湖北省省"."""
    prefix = prefix.rstrip("/")
    return bool(path) and (path == prefix or path.startswith(prefix + "/"))


def _strings(values: Any) -> list[str]:
    if not values:
        return []
    if isinstance(values, Mapping):
        return [f"{key} {value}" for key, value in values.items()]
    if isinstance(values, str):
        return [values]
    return [str(v) for v in values if v is not None]


def _price_range(record: Mapping[str, Any]) -> tuple[float | None, float | None]:
    """One CNY range per listing: its fees, its price range, a transfer's asking price or a need's budget."""
    prices = [float(f["price_cny"]) for f in record.get("fees") or []
              if isinstance(f, Mapping) and f.get("price_cny") is not None]
    prices += [float(record[key]) for key in ("price_min_cny", "price_max_cny", "asking_price_cny", "budget_cny")
               if record.get(key) is not None]
    return (min(prices), max(prices)) if prices else (None, None)


def _body(record: Mapping[str, Any]) -> str:
    owner = record.get("owner") or {}
    parts = [
        record.get("description") or "",
        *_strings(record.get("capabilities")),
        *_strings(record.get("standards")),
        *_strings(record.get("keywords")),
        *_strings([record.get(key) for key in ("model", "manufacturer", "field", "sample_type")]),
        *_strings(record.get("replaces")),
        *_strings(record.get("specs")),
        *_strings(record.get("patents")),
        *(f.get("item", "") for f in record.get("fees") or [] if isinstance(f, Mapping)),
        owner.get("name") or "",
        # Places and categories are typed into queries ("武汉 色谱") as often as they are chosen as filters.
        *(path.replace("/", " ") for path in _strings([record.get("region"), record.get("category")])),
    ]
    return "\n".join(part.strip() for part in parts if part and part.strip())


def build_document(doc_id: str, version: int, record: Mapping[str, Any]) -> SearchDocument:
    low, high = _price_range(record)
    completeness = record.get("completeness")
    return SearchDocument(
        doc_id=str(doc_id), version=int(version), kind=record["kind"], ref=record["ref"], title=record["title"],
        body=_body(record), category=record.get("category") or None, region=record.get("region") or None,
        origin=record.get("origin") or None,
        certifications=tuple(sorted({c.strip().upper() for c in _strings(record.get("certifications")) if c.strip()})),
        service_modes=tuple(sorted(set(_strings(record.get("service_modes"))))),
        price_cny_low=low, price_cny_high=high,
        completeness=1.0 if completeness is None else min(1.0, max(0.0, float(completeness))),
    )
