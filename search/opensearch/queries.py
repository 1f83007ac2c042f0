"""The OpenSearch requests of a search, and how their answers become a BackendResult. Pure functions
(unit-tested without a server in tests/search/test_opensearch_queries.py); search.opensearch.engine
sends them.

- The keyword leg is the AND of the query's groups (first_searches), then, only when that finds too
  few, the relaxed stages (search.backend.relaxed_stages), which need each group's document count
  first (group_counts).
- The vector leg is a k-NN query with the filters inside the knn clause, so that it returns k filtered
  neighbours rather than filtering k neighbours.
- Facets are terms aggregations over the same filtered match set.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from search.analysis import QueryGroup
from search.backend import FACET_SIZE, BackendQuery, BackendResult, DocInfo, KeywordStage, SearchFilters
from search.opensearch.mapping import HIT_FIELDS

# Facet name -> the field it counts (provinces and top-level categories: the levels a person narrows by first).
FACET_FIELDS = {"kind": "kind", "region": "province", "category": "top_category", "origin": "origin",
                "certification": "certifications", "service_mode": "service_modes"}
LIVE = {"term": {"live": True}}

Search = dict[str, Any]
Response = dict[str, Any]


def prefix_clause(field: str, prefix: str) -> dict[str, Any]:
    """A path prefix matching whole segments: "湖北省" matches "湖北省" and "湖北省/武汉市", not "湖北省省"."""
    prefix = prefix.rstrip("/")
    return {"bool": {"should": [{"term": {field: prefix}}, {"prefix": {field: prefix + "/"}}]}}


def filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    """Live listings passing every filter."""
    clauses: list[dict[str, Any]] = [LIVE]
    if filters.kinds:
        clauses.append({"terms": {"kind": list(filters.kinds)}})
    if filters.region:
        clauses.append(prefix_clause("region", filters.region))
    if filters.category:
        clauses.append(prefix_clause("category", filters.category))
    if filters.origin:
        clauses.append({"term": {"origin": filters.origin}})
    clauses += [{"term": {"certifications": c}} for c in filters.certifications]
    if filters.service_modes:
        clauses.append({"terms": {"service_modes": list(filters.service_modes)}})
    if filters.price_min is not None:
        clauses.append({"range": {"price_high": {"gte": filters.price_min}}})
    if filters.price_max is not None:
        clauses.append({"range": {"price_low": {"lte": filters.price_max}}})
    return clauses


def group_clause(group: QueryGroup, title_weight: float) -> dict[str, Any]:
    """Any alternative of the group, scored as if title and body were one field whose title counts
    `title_weight` times (Lucene's BM25F, which search.embedded.inverted reproduces). Each alternative is
    one term (see search.analysis), scored on its own and summed, as in the embedded backend."""
    terms = " ".join(alternative.term for alternative in group.alternatives)
    return {"combined_fields": {"query": terms, "fields": [f"title_terms^{title_weight}", "body_terms"],
                                "operator": "or"}}


def aggregations(facets: Sequence[str]) -> dict[str, Any]:
    return {name: {"terms": {"field": FACET_FIELDS[name], "size": FACET_SIZE,
                             "order": [{"_count": "desc"}, {"_key": "asc"}]}} for name in facets}


def _common(query: BackendQuery) -> Search:
    """What every search of a query shares: hits read from doc values only, exact totals, the facets."""
    return {"_source": False, "stored_fields": "_none_", "docvalue_fields": HIT_FIELDS, "track_total_hits": True,
            "aggs": aggregations(query.facets)}


def stage_search(stage: KeywordStage, query: BackendQuery, title_weight: float) -> Search:
    """One keyword stage: the AND (every group) or the OR (any group) of its groups, filtered."""
    clauses = [group_clause(g, title_weight) for g in stage.groups]
    match = {"must": clauses} if stage.operator == "AND" else {"should": clauses, "minimum_should_match": 1}
    return {**_common(query), "size": query.keyword_depth,
            "query": {"bool": {**match, "filter": filter_clauses(query.filters)}}}


def browse_search(query: BackendQuery) -> Search:
    """No words: every filtered listing, most complete, then most recently written first."""
    return {**_common(query), "size": query.keyword_depth, "query": {"bool": {"filter": filter_clauses(query.filters)}},
            "sort": [{"completeness": "desc"}, {"written_at": "desc"}, {"doc_id": "asc"}]}


def vector_search(query: BackendQuery) -> Search:
    """The k nearest filtered listings at least min_similarity (cosine) from the query vector."""
    assert query.vector is not None  # only asked for when the query runs the vector leg
    return {**_common(query), "size": query.vector_depth,
            # Lucene's cosinesimil score is (1 + cosine) / 2; min_score also limits the facets.
            "min_score": (1 + query.min_similarity) / 2,
            "query": {"knn": {"vector": {"vector": [float(x) for x in query.vector], "k": query.vector_depth,
                                         "filter": {"bool": {"filter": filter_clauses(query.filters)}}}}}}


def first_searches(query: BackendQuery, title_weight: float) -> list[tuple[str, Search]]:
    """The searches sent together in one _msearch, each named: "stage" (the AND of the groups) or
    "browse" (no groups) for the keyword leg, and "vector"."""
    searches: list[tuple[str, Search]] = []
    groups = query.keywords.groups if query.runs("keyword") else ()
    if groups:
        searches.append(("stage", stage_search(KeywordStage(groups, "AND"), query, title_weight)))
    elif query.runs("keyword"):
        searches.append(("browse", browse_search(query)))
    if query.runs("vector"):
        searches.append(("vector", vector_search(query)))
    return searches


def group_counts(groups: Sequence[QueryGroup], title_weight: float) -> list[Search]:
    """Count searches for relaxed_stages: the live listings, then those holding each group (unfiltered).
    One count per group, each reading only its terms' postings: a filters aggregation over the live
    listings instead visited all of them (10 times slower at 100k listings for five groups)."""
    return [{"size": 0, "track_total_hits": True, "query": clause}
            for clause in [LIVE, *({"bool": {"must": [group_clause(g, title_weight)], "filter": [LIVE]}}
                                   for g in groups)]]


def total(response: Response) -> int:
    return response["hits"]["total"]["value"]


def _id(hit: dict[str, Any]) -> str:
    return hit["fields"]["doc_id"][0]


def read_facets(response: Response, facets: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    found = response.get("aggregations", {})
    return {name: [(b["key"], b["doc_count"]) for b in found.get(name, {}).get("buckets", [])] for name in facets}


def read_result(query: BackendQuery, stages: list[Response], others: dict[str, Response]) -> BackendResult:
    """Both legs from the keyword stages' responses (strictest first) and the "browse" and "vector" ones.
    Total and facets come from the last stage run, from browsing, or from the vector leg when the
    keyword leg did not run or matched nothing."""
    result = BackendResult()
    counted = None  # the response whose total and facets describe the match set
    if "browse" in others:
        counted = others["browse"]
        result.keyword = [(_id(h), h["fields"]["completeness"][0]) for h in counted["hits"]["hits"]]
    elif stages:
        ranked: dict[str, float] = {}
        for response in stages:  # earlier (stricter) stages' matches first
            for hit in response["hits"]["hits"]:
                ranked.setdefault(_id(hit), hit["_score"])
        result.keyword = list(ranked.items())[:query.keyword_depth]
        result.complete_match = total(stages[0]) > 0  # the first stage is the AND of all groups
        counted = stages[-1]
    vector = others.get("vector")
    if vector is not None:
        result.vector = [(_id(h), 2 * h["_score"] - 1) for h in vector["hits"]["hits"]]  # back to a cosine
        if counted is None or not total(counted):
            counted = vector
    if counted is not None:
        result.total = len(result.vector) if counted is vector else total(counted)
        result.facets = read_facets(counted, query.facets)
    for response in [*stages, *others.values()]:
        for hit in response["hits"]["hits"]:
            fields = hit["fields"]
            result.info.setdefault(_id(hit), DocInfo(
                fields["kind"][0], fields["ref"][0], fields["completeness"][0],
                # Doc values leave out a field the document has no value for.
                region=fields.get("region", [None])[0], certifications=tuple(sorted(fields.get("certifications", ()))),
                language=fields.get("language", [""])[0]))
    return result


# An _msearch item's HTTP status that means OpenSearch cannot answer now but will (shards initialising or
# recovering after a node or connection came back, a full queue), not that the search is wrong.
TEMPORARY_STATUSES = frozenset({429, 502, 503, 504})


def failed_for_now(item: Response) -> bool:
    """Whether a failed _msearch item is a temporary unavailability (search answers 'try again')."""
    return item.get("status") in TEMPORARY_STATUSES
