"""The one interface every search backend implements, and the values that cross it.

Backends store documents and vectors and return candidates; ranking fusion, facets, highlights and
pagination happen once, in search.service, so every backend behaves the same.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Literal, Protocol, Sequence

import numpy as np

from search.analysis import QueryGroup
from search.documents import SearchDocument


class BackendUnavailable(Exception):
    """The backend cannot be reached at all (as opposed to rejecting one document)."""


@dataclass(frozen=True)
class Upsert:
    document: SearchDocument
    vector: np.ndarray

    @property
    def doc_id(self) -> str:
        return self.document.doc_id

    @property
    def version(self) -> int:
        return self.document.version


@dataclass(frozen=True)
class Delete:
    doc_id: str
    version: int


@dataclass(frozen=True)
class WriteResult:
    doc_id: str
    status: Literal["ok", "stale", "error"]
    error: str | None = None


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()
    category: str | None = None  # prefix: "分析仪器" matches "分析仪器/色谱仪器"
    region: str | None = None  # prefix: "湖北省" matches "湖北省/武汉市"
    origin: str | None = None
    certifications: tuple[str, ...] = ()  # all required
    service_modes: tuple[str, ...] = ()  # any of them
    price_min: float | None = None  # the listing's price range must reach into [price_min, price_max]
    price_max: float | None = None


@dataclass(frozen=True)
class BackendQuery:
    groups: Sequence[QueryGroup]
    vector: np.ndarray | None
    filters: SearchFilters
    keyword_depth: int = 200
    vector_depth: int = 100
    min_similarity: float = 0.0


@dataclass(frozen=True)
class DocInfo:
    """What fusion, facets and explanations need about a candidate."""

    kind: str
    ref: str
    completeness: float
    category: str | None = None
    region: str | None = None
    origin: str | None = None
    certifications: tuple[str, ...] = ()
    service_modes: tuple[str, ...] = ()


@dataclass
class Candidates:
    keyword: list[tuple[str, float]] = field(default_factory=list)  # doc id, BM25 score (best first)
    vector: list[tuple[str, float]] = field(default_factory=list)  # doc id, cosine similarity
    keyword_total: int = 0
    info: dict[str, DocInfo] = field(default_factory=dict)


@dataclass(frozen=True)
class DocText:
    title: str
    body: str
    terms: frozenset[str]


class SearchBackend(Protocol):
    name: str

    def ensure_ready(self) -> None: ...

    def write(self, ops: Sequence[Upsert | Delete]) -> list[WriteResult]:
        """Apply upserts and deletes with external versions: an op whose version is not newer than
        what the backend holds for that id (a tombstone included) is skipped as "stale"."""

    def candidates(self, query: BackendQuery) -> Candidates:
        """Keyword leg (AND of groups, OR when AND finds nothing; all filtered docs when no groups)
        and vector leg, both filtered."""

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]: ...

    def versions(self) -> dict[str, int]:
        """Every live document id with its version."""

    def count(self) -> int: ...

    def rebuild(self, upserts: Iterable[Upsert]) -> None:
        """Build a new index aside from these documents and swap it in atomically."""

    def clear(self) -> None: ...

    def close(self) -> None: ...
