"""Search over postings: the search backend ranks ids, SQL supplies the rows in that order."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, literal, or_, select
from sqlalchemy.orm import Session

from marketplace.clock import utcnow
from marketplace.kinds import INSTRUMENT, ORIGIN
from marketplace.messages import Phrase
from marketplace.models import LISTING_KINDS, POSTING_KINDS, Posting
from marketplace.search_gateway import posting_id
from marketplace.services.errors import ValidationFailed
from marketplace.services.postings import PostingSummary, postings_in_order, summaries_in_order
from marketplace.services.query_reading import Chip, Filtered, read_query
from marketplace.understanding import Understanding
from search.backend import BackendUnavailable
from search.service import Preferences, Searcher, SearchFilters, SearchRequest

MODES = ("hybrid", "keyword", "vector")
ORIGINS = ORIGIN.choice_values
SERVICE_MODES = INSTRUMENT.field("service_modes").choice_values
# The query-string arguments parse_params reads: the only ones carried into links and saved searches.
QUERY_ARGUMENTS = ("q", "kind", "region", "category", "origin", "certification", "service_mode", "price_min",
                   "price_max", "mode", "drop", "limit", "offset")
MAX_LIMIT = 100
DATABASE_FALLBACK = "database"
MAX_FALLBACK_WORDS = 10
MAX_QUERY = 500
MAX_DROPPED = 20  # chips a query can have removed; more are ignored


@dataclass(frozen=True)
class SearchParams:
    text: str = ""
    kinds: tuple[str, ...] = LISTING_KINDS
    region: str | None = None
    category: str | None = None
    origin: str | None = None
    certifications: tuple[str, ...] = ()
    service_modes: tuple[str, ...] = ()
    price_min: float | None = None
    price_max: float | None = None
    mode: str = "hybrid"
    limit: int = 20
    offset: int = 0
    # None: read from the text (query_reading), as for a person's query, with the chips named in
    # `dropped` removed; a service that knows what it prefers passes it (Preferences() for nothing).
    preferences: Preferences | None = None
    dropped: tuple[str, ...] = ()
    evidence_required: bool = False  # SearchRequest's: for a need's matches, not for the search page


@dataclass(frozen=True)
class Result:
    posting: Posting | PostingSummary
    score: float
    highlights: dict[str, list[str]]
    matched_terms: Sequence[str] = ()
    vector_similarity: float | None = None
    telling_terms: Sequence[str] = ()  # SearchParams.evidence_required: the matched terms that are evidence


@dataclass(frozen=True)
class NoGoodMatch:
    """Nothing matched well enough to show: what the page offers instead of weak matches."""

    without_filters: int  # matches for the same words with no filter (0 when there was no filter)
    categories: list[tuple[str, int]]  # the top-level categories those matches are in


@dataclass(frozen=True)
class ResultPage:
    params: SearchParams
    total: int
    results: list[Result]
    facets: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    mode: str = "hybrid"  # what ran: "keyword" while the embedding model is still loading, "database"
    # when the search backend could not be reached (see _database_fallback)
    chips: tuple[Chip, ...] = ()  # what was read from the query and weighed as a soft preference
    understanding: Understanding | None = None
    no_good_match: NoGoodMatch | None = None

    @property
    def search_unavailable(self) -> bool:
        return self.mode == DATABASE_FALLBACK


def _number(args: Any, name: str, errors: dict[str, str]) -> float | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        errors[name] = Phrase("must be a number")
        return None
    if value < 0:
        errors[name] = Phrase("must not be negative")
    return value


def _whole(args: Any, name: str, default: int, low: int, high: int, errors: dict[str, str]) -> int:
    raw = (args.get(name) or "").strip()
    if not raw:
        return default
    # Only ASCII digits, and not too many: str.isdigit() accepts "²", which int() refuses.
    if not (raw.isascii() and raw.isdecimal() and len(raw) <= 9) or not low <= int(raw) <= high:
        errors[name] = Phrase("must be a whole number from %(low)s to %(high)s", low=low, high=high)
        return default
    return int(raw)


def _choices(values: list[str], allowed: Sequence[str], name: str, errors: dict[str, str]) -> tuple[str, ...]:
    chosen = tuple(v for v in values if v)
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        errors[name] = Phrase("must be one of: %(choices)s", choices=", ".join(allowed))
    return chosen


def parse_params(args: Any, *, allow_needs: bool = False) -> SearchParams:
    """Turn query-string arguments (a MultiDict) into validated search parameters, or raise ValidationFailed."""
    errors: dict[str, str] = {}
    text = (args.get("q") or "").strip()
    if len(text) > MAX_QUERY:
        errors["q"] = Phrase("is too long (at most %(limit)d characters)", limit=MAX_QUERY)
    allowed_kinds = POSTING_KINDS if allow_needs else LISTING_KINDS
    kinds = _choices(args.getlist("kind"), allowed_kinds, "kind", errors) or LISTING_KINDS
    origin = (args.get("origin") or "").strip() or None
    if origin not in (None, *ORIGINS):
        errors["origin"] = Phrase("must be one of: %(choices)s", choices=", ".join(ORIGINS))
    modes = _choices(args.getlist("service_mode"), SERVICE_MODES, "service_mode", errors)
    mode = (args.get("mode") or "hybrid").strip()
    if mode not in MODES:
        errors["mode"] = Phrase("must be one of: %(choices)s", choices=", ".join(MODES))
    params = SearchParams(
        text=text, kinds=kinds, region=(args.get("region") or "").strip() or None,
        category=(args.get("category") or "").strip() or None, origin=origin,
        certifications=tuple(c.strip().upper() for c in args.getlist("certification") if c.strip()),
        service_modes=modes, price_min=_number(args, "price_min", errors), price_max=_number(args, "price_max", errors),
        mode=mode, limit=_whole(args, "limit", 20, 1, MAX_LIMIT, errors),
        offset=_whole(args, "offset", 0, 0, 10_000, errors),
        dropped=tuple(dict.fromkeys(d for d in args.getlist("drop")[:MAX_DROPPED] if d)),
    )
    if errors:
        raise ValidationFailed(errors)
    return params


def search_postings(session: Session, searcher: Searcher, params: SearchParams) -> ResultPage:
    """A page of search results with their Posting objects, for pages that show them in full."""
    return _search(session, searcher, params, postings_in_order)


def search_summaries(session: Session, searcher: Searcher, params: SearchParams) -> ResultPage:
    """The same page with PostingSummary rows (id, kind, ref, title): what the API returns."""
    return _search(session, searcher, params, summaries_in_order)


def _search(session: Session, searcher: Searcher, params: SearchParams,
            rows_in_order: Callable[[Session, list[int]], Sequence[Posting | PostingSummary]]) -> ResultPage:
    text, preferences, chips, understanding = params.text, params.preferences, (), None
    if preferences is None and text:
        read = read_query(text, utcnow().date(), params.dropped, Filtered(
            params.region, params.certifications, kinds_chosen=params.kinds != LISTING_KINDS))
        text, preferences, chips, understanding = read.text, read.preferences, read.chips, read.understanding
    filters = SearchFilters(kinds=params.kinds, region=params.region, category=params.category,
                            origin=params.origin, certifications=params.certifications,
                            service_modes=params.service_modes, price_min=params.price_min, price_max=params.price_max)
    try:
        response = searcher.search(SearchRequest(text=text, preferences=preferences or Preferences(), filters=filters,
                                                 mode=params.mode, limit=params.limit, offset=params.offset,
                                                 evidence_required=params.evidence_required))
    except BackendUnavailable:
        return _database_fallback(session, params, rows_in_order)
    hits = {posting_id(hit.doc_id): hit for hit in response.hits}
    # The database has the last word: a posting deleted since the index last heard of it is dropped.
    rows = rows_in_order(session, list(hits))
    results = [Result(p, hits[p.id].score, hits[p.id].highlights, hits[p.id].matched_terms,
                      hits[p.id].vector_similarity, hits[p.id].telling_terms) for p in rows]
    no_good_match = None
    if not results and params.offset == 0 and text:
        no_good_match = _no_good_match(searcher, text, params.mode, filters)
    return ResultPage(params=params, total=response.total, results=results, facets=response.facets,
                      mode=response.mode, chips=chips, understanding=understanding, no_good_match=no_good_match)


def _no_good_match(searcher: Searcher, text: str, mode: str, filters: SearchFilters) -> NoGoodMatch:
    """What the words find without the filters: whether removing them helps, and in which categories."""
    unfiltered = SearchFilters(kinds=LISTING_KINDS)
    if filters == unfiltered:
        return NoGoodMatch(0, [])
    loose = searcher.search(SearchRequest(text=text, filters=unfiltered, mode=mode, limit=0))
    return NoGoodMatch(loose.total, loose.facets.get("category", [])[:5])


def _database_fallback(session: Session, params: SearchParams,
                       rows_in_order: Callable[[Session, list[int]], Sequence[Posting | PostingSummary]]) -> ResultPage:
    """While the search backend is down, pages that search (matches, leads, alternatives, the search
    page) still show something: postings whose title or description contains the query's words, those
    with most of them first, with the kind, region and category filters. No synonyms or facets."""
    words = params.text.split()[:MAX_FALLBACK_WORDS]
    found = [or_(Posting.title.icontains(word, autoescape=True), Posting.description.icontains(word, autoescape=True))
             for word in words]
    matched = sum((case((condition, 1), else_=0) for condition in found), literal(0))
    query = select(Posting.id).where(Posting.kind.in_(params.kinds))
    if found:
        query = query.where(or_(*found))
    for column, prefix in ((Posting.region, params.region), (Posting.category, params.category)):
        if prefix:
            path = prefix.rstrip("/")
            query = query.where(or_(column == path, column.startswith(path + "/", autoescape=True)))
    query = query.order_by(matched.desc(), Posting.id.desc()).offset(params.offset).limit(params.limit + 1)
    ids = list(session.scalars(query))
    rows = rows_in_order(session, ids[:params.limit])
    # The true total would need a count over every posting; one more than shown keeps "next" working.
    total = params.offset + len(rows) + (1 if len(ids) > params.limit else 0)
    return ResultPage(params=params, total=total, results=[Result(row, 0.0, {}) for row in rows],
                      mode=DATABASE_FALLBACK)
