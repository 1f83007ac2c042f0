"""The search document: what the index knows about a posting, built from a catalogue record."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

SUMMARY_CHARS = 300


@dataclass(frozen=True)
class SearchDocument:
    doc_id: str
    version: int
    kind: str
    ref: str
    title: str
    body: str
    category: str | None = None
    region: str | None = None
    origin: str | None = None
    certifications: tuple[str, ...] = ()
    service_modes: tuple[str, ...] = ()
    price_low: float | None = None
    price_high: float | None = None
    completeness: float = 1.0
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def province(self) -> str | None:
        return self.region.split("/")[0] if self.region else None

    @property
    def top_category(self) -> str | None:
        return self.category.split("/")[0] if self.category else None

    def embedding_text(self) -> str:
        """Title plus the start of the body: sentence models read a few hundred tokens at most."""
        return f"{self.title}. {self.body[:SUMMARY_CHARS]}"


def _texts(values: Any) -> list[str]:
    if not values:
        return []
    if isinstance(values, Mapping):
        return [f"{key} {value}" for key, value in values.items()]
    return [str(v) for v in values]


def _price_range(record: Mapping[str, Any]) -> tuple[float | None, float | None]:
    prices = [f["price_cny"] for f in record.get("fees") or [] if isinstance(f, Mapping)]
    for key in ("price_min_cny", "price_max_cny", "asking_price_cny", "budget_cny"):
        if record.get(key) is not None:
            prices.append(float(record[key]))
    return (min(prices), max(prices)) if prices else (None, None)


def build_document(doc_id: str, version: int, record: Mapping[str, Any]) -> SearchDocument:
    owner = record.get("owner") or {}
    fees = [f"{f.get('item', '')}" for f in record.get("fees") or [] if isinstance(f, Mapping)]
    parts = [
        record.get("description") or "",
        " ".join(_texts(record.get("keywords"))),
        " ".join(filter(None, [record.get("model"), record.get("manufacturer"), record.get("field"),
                               record.get("sample_type")])),
        " ".join(_texts(record.get("capabilities"))),
        " ".join(_texts(record.get("standards"))),
        " ".join(_texts(record.get("replaces"))),
        " ".join(_texts(record.get("specs"))),
        " ".join(fees),
        owner.get("name") or "",
        # Place and category words are typed into queries ("武汉", "色谱仪器") as often as chosen as filters.
        " ".join(filter(None, [record.get("region"), record.get("category")])).replace("/", " "),
    ]
    low, high = _price_range(record)
    return SearchDocument(
        doc_id=doc_id, version=version, kind=record["kind"], ref=record["ref"], title=record["title"],
        body="\n".join(p for p in parts if p),
        category=record.get("category"), region=record.get("region"), origin=record.get("origin"),
        certifications=tuple(sorted({c.strip().upper() for c in record.get("certifications") or [] if c.strip()})),
        service_modes=tuple(record.get("service_modes") or ()), price_low=low, price_high=high,
        completeness=float(record.get("completeness", 1.0)),
    )
