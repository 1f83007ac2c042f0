"""The one interface both search backends implement (embedded SQLite, OpenSearch), and the values
that cross it.

A backend stores documents and vectors, and answers a query with two ranked candidate lists (the
keyword leg and the vector leg), the number of matches and facet counts. Fusion, pagination,
highlighting and match explanations happen once, in search.service, for every backend alike.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple, Protocol

import numpy as np

from search.analysis import AnalysedQuery, QueryGroup
from search.documents import SearchDocument
from search.ranking import RankingSettings

Leg = Literal["keyword", "vector"]
# Facet name -> what is counted: region counts provinces and category counts top-level categories,
# the levels a person narrows by first.
FACETS = ("kind", "region", "category", "origin", "certification", "service_mode")
FACET_SIZE = 20
# What analysed_with() reports for an index created before indexes recorded their dictionaries, or in
# a format this version no longer reads: either way, one to rebuild.
UNKNOWN_ANALYSIS = "unknown"


class BackendUnavailable(Exception):
    """The backend cannot be reached at all (as opposed to rejecting one document): retry later."""


@dataclass(frozen=True)
class Upsert:
    document: SearchDocument
    vector: np.ndarray  # float32, L2-normalised, the embedder's dimension
    # The EmbedderFingerprint.key of the model that made the vector: the index records the first one it
    # gets (embedded_with), so that a search never compares vectors of two models ("" records nothing).
    model: str = ""

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


WriteOp = Upsert | Delete


@dataclass(frozen=True)
class WriteResult:
    doc_id: str
    status: Literal["ok", "stale", "error"]
    error: str | None = None


@dataclass(frozen=True)
class SearchFilters:
    kinds: tuple[str, ...] = ()  # any of them
    category: str | None = None  # path prefix: "分析仪器" matches "分析仪器/色谱仪器"
    region: str | None = None  # path prefix: "湖北省" matches "湖北省/武汉市"
    origin: str | None = None
    certifications: tuple[str, ...] = ()  # all of them
    service_modes: tuple[str, ...] = ()  # any of them
    price_min: float | None = None  # CNY: the listing's price range must reach into [price_min, price_max]
    price_max: float | None = None


@dataclass(frozen=True)
class BackendQuery:
    """`keywords` with no groups and the keyword leg asked for means browsing: every document that
    passes the filters, most complete and most recently written first."""

    keywords: AnalysedQuery
    vector: np.ndarray | None
    filters: SearchFilters = field(default_factory=SearchFilters)
    legs: frozenset[Leg] = frozenset({"keyword", "vector"})
    keyword_depth: int = 200
    vector_depth: int = 100
    min_similarity: float = 0.0  # cosine; weaker vector candidates are dropped
    facets: tuple[str, ...] = FACETS
    # Also report how many listings hold each query group (BackendResult.frequencies): what tells a rare,
    # telling word from a common one. A count per group, which OpenSearch answers in one more round trip.
    frequencies: bool = False

    def runs(self, leg: Leg) -> bool:
        if leg == "vector":
            return "vector" in self.legs and self.vector is not None and self.vector_depth > 0
        return "keyword" in self.legs and self.keyword_depth > 0


@dataclass(frozen=True)
class KeywordStage:
    groups: tuple[QueryGroup, ...]
    operator: Literal["AND", "OR"]


def relaxed_stages(groups: Sequence[QueryGroup], frequencies: Sequence[int], listings: int,
                   common_word_matches: int) -> list[KeywordStage]:
    """What the keyword leg tries, in order, after the AND of all groups found too few listings.

    First the AND of the groups some listing has: a word no listing has narrows nothing. Then the OR of
    those groups, leaving out the ones in more than half of a large catalogue's listings and in at least
    `common_word_matches` (RankingSettings): BM25 gives such a word almost no weight, so alone it would
    only add thousands of weak matches (and scoring them is what makes an OR slow in OpenSearch).
    `frequencies` are the groups' document counts (unfiltered).
    """
    if len(groups) < 2:
        return []
    present = tuple(g for g, n in zip(groups, frequencies, strict=True) if n)
    common = max(listings / 2, common_word_matches)
    informative = tuple(g for g, n in zip(groups, frequencies, strict=True) if 0 < n <= common) or present
    stages = [KeywordStage(present, "AND")] if 1 < len(present) < len(groups) else []
    if informative:
        stages.append(KeywordStage(informative, "OR"))
    return stages


class DocInfo(NamedTuple):
    """What the searcher needs about a candidate to rank and report it (a tuple: a search makes a
    hundred, and a frozen dataclass costs several times as much to create)."""

    kind: str
    ref: str
    completeness: float
    region: str | None  # what soft preferences (search.service.Preferences) are weighed on
    certifications: tuple[str, ...]
    language: str  # search.analysis.language_of its title: cross-lingual candidates are fused apart


@dataclass
class BackendResult:
    """Both legs best first. `total` and `facets` describe the whole filtered match set: the keyword
    matches (AND of the query's groups, or OR when AND found too few), every filtered document when
    browsing, or the vector candidates when the keyword leg did not run or matched nothing."""

    keyword: list[tuple[str, float]] = field(default_factory=list)  # doc id, relevance (browse: completeness)
    vector: list[tuple[str, float]] = field(default_factory=list)  # doc id, cosine similarity
    total: int = 0
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    info: dict[str, DocInfo] = field(default_factory=dict)
    # The AND of all the query's groups matched some filtered listing: the keyword leg's best match holds
    # every word of the query (its AND matches come before the relaxed stages').
    complete_match: bool = False
    # When BackendQuery.frequencies asked, or when the keyword leg's AND of all groups matched no filtered
    # listing (the relaxed stages count them anyway): each query group -> the live listings holding it, and
    # the live listings (both unfiltered, as relaxed_stages counts).
    frequencies: dict[QueryGroup, int] = field(default_factory=dict)
    listings: int = 0


@dataclass(frozen=True)
class DocText:
    """A listing's stored text, for highlights and match explanations of the page being shown."""

    title: str
    body: str
    terms: str  # analysis.index_text of title and body


class SearchBackend(Protocol):
    name: str
    ranking: RankingSettings  # what its legs rank with; a Searcher over it fuses with the same settings

    def ensure_ready(self) -> None:
        """Fail fast (BackendUnavailable) when the store cannot be opened or reached."""

    def warm(self) -> None:
        """Load into memory now what searches read, instead of at the first search."""

    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        """Apply upserts and deletes with external versions, one result per op in order. An op whose
        version is not newer than what the backend holds for its id (a deleted id's tombstone included)
        is skipped as "stale". Results are returned only once the writes are durable."""

    def search(self, query: BackendQuery) -> BackendResult: ...

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]: ...

    def versions(self) -> dict[str, int]:
        """Every live document id with its version (tombstones excluded), for drift checks."""

    def count(self) -> int:
        """Live documents."""

    def analysed_with(self) -> str | None:
        """The analysis.fingerprint() of the dictionaries the index was created with (None: no index
        yet; UNKNOWN_ANALYSIS: an index older than fingerprints). Another one means out-of-date terms."""

    def embedded_with(self) -> str | None:
        """The Upsert.model the index's vectors come from (None: no vectors yet, or none recorded)."""

    def rebuild(self, upserts: Iterable[Upsert]) -> list[WriteResult]:
        """Build a new index aside from exactly these documents (keeping known tombstones) and swap it
        in atomically; searches keep answering from the old index meanwhile. A document the index
        refuses is left out and returned as an error: one bad document never stops the swap."""

    def clear(self) -> None:
        """Forget everything, tombstones included (tests)."""

    def close(self) -> None: ...
