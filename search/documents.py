"""The search document: what the index knows about one listing, as plain values. Building one from a
marketplace posting is the indexer's job (indexer/documents.py); search/ knows no catalogue fields."""
from __future__ import annotations

import math
from dataclasses import dataclass

from search.analysis import index_text, language_of

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
    # Words the listing's page shows for its coded fields ("许可 license"): searched with the body, not
    # embedded, so that a listing's vector stays the model's reading of what it describes.
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # NaN or Infinity would be refused by OpenSearch (and sort nowhere in the embedded engine): a
        # document holding one fails on its own, when it is built, instead of in the middle of a bulk write.
        numbers = {"price_cny_low": self.price_cny_low, "price_cny_high": self.price_cny_high,
                   "completeness": self.completeness}
        bad = [name for name, value in numbers.items() if value is not None and not math.isfinite(value)]
        if bad:
            raise ValueError(f"document {self.doc_id}: {', '.join(bad)} must be finite numbers")

    @property
    def province(self) -> str | None:
        return _top(self.region)

    @property
    def language(self) -> str:
        return language_of(self.title)

    @property
    def top_category(self) -> str | None:
        return _top(self.category)

    def terms(self) -> tuple[str, str]:
        """The index terms of the title and of the body with the labels (analysis.index_text)."""
        return index_text(self.title), index_text("\n".join((self.body, *self.labels)))

    def embedding_text(self) -> str:
        return f"{self.title}. {self.body[:EMBEDDING_BODY_CHARS]}"


def _top(path: str | None) -> str | None:
    return path.split("/", 1)[0] if path else None


def matches_prefix(path: str | None, prefix: str) -> bool:
    """Region and category filters match whole path segments: "湖北省" matches "湖北省/武汉市", not "湖北省省"."""
    if not path:
        return False
    prefix = prefix.rstrip("/")
    return path == prefix or path.startswith(prefix + "/")
