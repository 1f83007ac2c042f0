"""The OpenSearch backend. Everything in the project that talks to OpenSearch lives in this module.

- Searches and writes go through an alias (`<prefix>`) over a physical index (`<prefix>-v<timestamp>`);
  a rebuild loads a new index and moves the alias in one `_aliases` call, so there is no moment without
  an index to search.
- The text fields hold tokens pre-analysed by search.analysis (whitespace analyzer), and queries are
  expanded with synonyms by the same module: the BM25 leg sees exactly the terms the embedded backend
  sees. Highlighting is done by search.highlight over the stored text, for the same reason.
- Versions are external (the listing's version). A delete is written as a tombstone document
  (`live: false`) with the delete's version instead of a real delete: OpenSearch remembers a deleted
  document's version only for `index.gc_deletes` (60 s), after which a late, older upsert would bring
  the listing back. A tombstone never expires, is copied into the new index by a rebuild, and costs one
  tiny document per deleted listing; raising gc_deletes instead would keep every delete in memory and
  would still be lost at the first rebuild.
- The keyword leg (the AND of the query's groups) and the k-NN leg, with the filters inside the knn
  clause, go in one `_msearch`. Only a query whose AND finds too few needs more: one search for the
  groups' document counts (a filters aggregation), then one `_msearch` of the relaxed stages. Facets
  are aggregations; fusion happens in search.service as for the embedded backend.
"""
from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, Sequence

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import ConnectionTimeout, NotFoundError, TransportError

from search import analysis
from search.backend import (
    FACET_SIZE,
    UNKNOWN_ANALYSIS,
    BackendQuery,
    BackendResult,
    BackendUnavailable,
    Delete,
    DocInfo,
    DocText,
    KeywordStage,
    SearchFilters,
    Upsert,
    WriteOp,
    WriteResult,
    relaxed_stages,
)
from search.ranking import RankingSettings

REQUEST_TIMEOUT = 30
MERGE_TIMEOUT = 3600
BULK_CHUNK = 500
# Items rejected because the node is busy (HTTP 429) are sent again, this many times, with backoff.
BULK_RETRIES = 3
FACET_FIELDS = {"kind": "kind", "region": "province", "category": "top_category", "origin": "origin",
                "certification": "certifications", "service_mode": "service_modes"}
# What a hit carries, its id included, read from doc values: loading any stored field of a hit (its
# _source, even just its _id) decompresses a block of stored documents, which cost more than finding it.
HIT_FIELDS = ["doc_id", "kind", "ref", "completeness"]
TEXT_FIELDS = ["title", "body", "title_terms", "body_terms"]
# The index's layout, recorded in its mapping: an index of another format is rebuilt by `indexer verify
# --repair` (analysed_with reports it as unknown). 2: texts are stored fields, read without _source.
FORMAT = "2"

_clients: dict[str, OpenSearch] = {}
_clients_lock = threading.Lock()


def client_for(url: str) -> OpenSearch:
    """One client, and so one connection pool, per process and URL."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = OpenSearch(hosts=[url], timeout=REQUEST_TIMEOUT, max_retries=2, retry_on_timeout=True,
                                       pool_maxsize=16)
        return _clients[url]


def _index_body() -> dict[str, Any]:
    keyword = {"type": "keyword"}
    # Texts for highlights are stored fields: fetching them costs a third of filtering them out of the
    # _source, which holds the vector too (measured at 100k listings: 3.5 against 8 ms of OpenSearch CPU
    # for a page of 20).
    stored = {"type": "text", "index": False, "store": True}  # returned for highlights, never searched
    # Queries are single terms, never phrases (see search.analysis): no positions needed.
    tokens = {"type": "text", "analyzer": "tokens", "index_options": "freqs", "store": True}
    return {
        "settings": {"index": {"knn": True, "number_of_shards": 1},
                     "analysis": {"analyzer": {"tokens": {"type": "custom", "tokenizer": "whitespace"}}}},
        # The vector field is added with the first upsert, when its dimension is known.
        "mappings": {
            "dynamic": "strict", "_meta": {"analysis": analysis.fingerprint(), "format": FORMAT},
            "properties": {
                "doc_id": keyword, "version": {"type": "long"}, "live": {"type": "boolean"},
                "written_at": {"type": "double"}, "kind": keyword, "ref": keyword, "title": stored, "body": stored,
                "title_terms": tokens, "body_terms": tokens, "category": keyword, "top_category": keyword,
                "region": keyword, "province": keyword, "origin": keyword, "certifications": keyword,
                "service_modes": keyword, "price_low": {"type": "double"}, "price_high": {"type": "double"},
                "completeness": {"type": "float"},
            }},
    }


def _vector_mapping(dimension: int) -> dict[str, Any]:
    return {"properties": {"vector": {
        "type": "knn_vector", "dimension": dimension,
        # Lucene's engine: the k-NN plugin built from Maven Central has no native faiss/nmslib libraries.
        "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}}}}


def _source(upsert: Upsert, terms: tuple[str, str]) -> dict[str, Any]:
    document = upsert.document
    return {
        "doc_id": document.doc_id, "version": document.version, "live": True, "written_at": time.time(),
        "kind": document.kind, "ref": document.ref, "title": document.title, "body": document.body,
        "title_terms": terms[0], "body_terms": terms[1], "category": document.category,
        "top_category": document.top_category, "region": document.region, "province": document.province,
        "origin": document.origin, "certifications": list(document.certifications),
        "service_modes": list(document.service_modes), "price_low": document.price_cny_low,
        "price_high": document.price_cny_high, "completeness": document.completeness,
        "vector": [float(x) for x in upsert.vector],
    }


def _tombstone(delete: Delete) -> dict[str, Any]:
    return {"doc_id": delete.doc_id, "version": delete.version, "live": False, "written_at": time.time()}


def _prefix_clause(field: str, prefix: str) -> dict[str, Any]:
    prefix = prefix.rstrip("/")
    return {"bool": {"should": [{"term": {field: prefix}}, {"prefix": {field: prefix + "/"}}]}}


def _filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [{"term": {"live": True}}]
    if filters.kinds:
        clauses.append({"terms": {"kind": list(filters.kinds)}})
    if filters.region:
        clauses.append(_prefix_clause("region", filters.region))
    if filters.category:
        clauses.append(_prefix_clause("category", filters.category))
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


def _group_clause(group: analysis.QueryGroup, title_weight: float) -> dict[str, Any]:
    """Any alternative of the group, in the title (weighted like the embedded backend's BM25) or body.
    Each alternative is one term (see search.analysis), scored on its own, as in the embedded backend."""
    terms = " ".join(alternative.term for alternative in group.alternatives)
    return {"bool": {"should": [{"match": {"title_terms": {"query": terms, "boost": title_weight}}},
                                {"match": {"body_terms": {"query": terms}}}], "minimum_should_match": 1}}


def _aggregations(facets: Sequence[str]) -> dict[str, Any]:
    return {name: {"terms": {"field": FACET_FIELDS[name], "size": FACET_SIZE,
                             "order": [{"_count": "desc"}, {"_key": "asc"}]}} for name in facets}


def _stage_search(stage: KeywordStage, filters: list[dict[str, Any]], common: dict[str, Any],
                  depth: int, title_weight: float) -> dict[str, Any]:
    clauses = [_group_clause(g, title_weight) for g in stage.groups]
    match = {"must": clauses} if stage.operator == "AND" else {"should": clauses, "minimum_should_match": 1}
    return {**common, "size": depth, "query": {"bool": {**match, "filter": filters}}}


def _id(hit: dict[str, Any]) -> str:
    return hit["fields"]["doc_id"][0]


def _total(response: dict[str, Any]) -> int:
    return response["hits"]["total"]["value"]


def _result(query: BackendQuery, stages: list[dict[str, Any]], others: dict[str, dict[str, Any]]) -> BackendResult:
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
        counted = stages[-1]
    vector = others.get("vector")
    if vector is not None:
        result.vector = [(_id(h), 2 * h["_score"] - 1) for h in vector["hits"]["hits"]]
        if counted is None or not _total(counted):
            counted = vector
    if counted is not None:
        result.total = len(result.vector) if counted is vector else _total(counted)
        result.facets = _facets(counted, query.facets)
    for response in [*stages, *others.values()]:
        for hit in response["hits"]["hits"]:
            fields = hit["fields"]
            result.info.setdefault(_id(hit), DocInfo(fields["kind"][0], fields["ref"][0], fields["completeness"][0]))
    return result


def _facets(response: dict[str, Any], facets: Sequence[str]) -> dict[str, list[tuple[str, int]]]:
    aggregations = response.get("aggregations", {})
    return {name: [(b["key"], b["doc_count"]) for b in aggregations.get(name, {}).get("buckets", [])]
            for name in facets}


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, url: str, ranking: RankingSettings, prefix: str = "yiqi-listings", refresh: bool = True) -> None:
        self.url = url
        self.ranking = ranking
        self.alias = prefix
        # Refresh on write makes an acknowledged change searchable at once, as in the embedded backend.
        # Durability does not depend on it: OpenSearch fsyncs its translog before answering a bulk.
        self.refresh = refresh
        self.client = client_for(url)
        self._indexes_with_vectors: set[str] = set()

    def _call(self, method, **kwargs):
        try:
            return method(**{"request_timeout": REQUEST_TIMEOUT, **kwargs})
        except (OpenSearchConnectionError, ConnectionTimeout) as error:
            raise BackendUnavailable(f"OpenSearch at {self.url} is unreachable: {error}") from error

    # -- indexes -----------------------------------------------------------------------------------
    def _physical_indexes(self) -> list[str]:
        try:
            return sorted(self._call(self.client.indices.get_alias, name=self.alias))
        except NotFoundError:
            return []

    def _new_index_name(self) -> str:
        return f"{self.alias}-v{datetime.now(timezone.utc).strftime('%Y%m%d%H%M%S%f')}"

    def _live_index(self) -> str:
        """The index behind the alias. The first one has a fixed name and gets the alias in the same
        request, so when several workers start at once exactly one creation succeeds."""
        indexes = self._physical_indexes()
        if indexes:
            return indexes[0]
        first = f"{self.alias}-v0"
        try:
            self._call(self.client.indices.create, index=first, body={**_index_body(), "aliases": {self.alias: {}}})
        except TransportError as error:
            if error.error != "resource_already_exists_exception":
                raise
        return first

    def _ensure_vector_field(self, index: str, dimension: int) -> None:
        if index in self._indexes_with_vectors:
            return
        mapping = self._call(self.client.indices.get_mapping, index=index)[index]["mappings"]
        if "vector" not in mapping.get("properties", {}):
            # Idempotent when two writers add the same field; a different dimension fails per item later.
            self._call(self.client.indices.put_mapping, index=index, body=_vector_mapping(dimension))
        self._indexes_with_vectors.add(index)

    def ensure_ready(self) -> None:
        self._call(self.client.cluster.health, wait_for_status="yellow", timeout="30s")

    def warm(self) -> None:
        """Nothing to load: the index lives in OpenSearch."""

    # -- writes ------------------------------------------------------------------------------------
    def write(self, ops: Sequence[WriteOp]) -> list[WriteResult]:
        if not ops:
            return []
        index = self._live_index()
        upserts = [op for op in ops if isinstance(op, Upsert)]
        if upserts:
            self._ensure_vector_field(index, len(upserts[0].vector))
        # require_alias: a write must never auto-create an index named like the alias.
        return self._bulk(self.alias, ops, refresh=self.refresh, require_alias=True)

    def _bulk(self, index: str, ops: Sequence[WriteOp], refresh: bool, require_alias: bool = False) -> list[WriteResult]:
        terms = {id(op): (analysis.index_text(op.document.title), analysis.index_text(op.document.body))
                 for op in ops if isinstance(op, Upsert)}
        results: dict[int, WriteResult] = {}
        pending = list(range(len(ops)))
        for attempt in range(BULK_RETRIES + 1):
            lines: list[dict[str, Any]] = []
            for position in pending:
                op = ops[position]
                action = {"_index": index, "_id": op.doc_id, "version": op.version, "version_type": "external"}
                if require_alias:
                    action["require_alias"] = True
                lines += [{"index": action},
                          _source(op, terms[id(op)]) if isinstance(op, Upsert) else _tombstone(op)]
            response = self._call(self.client.bulk, body=lines, refresh="true" if refresh else "false")
            busy = []
            for position, item in zip(pending, response["items"]):
                outcome = item["index"]
                status = outcome.get("status", 500)
                if status in (200, 201):
                    results[position] = WriteResult(ops[position].doc_id, "ok")
                elif status == 409:  # version conflict: the index already holds this version or a newer one
                    results[position] = WriteResult(ops[position].doc_id, "stale")
                elif status == 429 and attempt < BULK_RETRIES:
                    busy.append(position)
                else:
                    error = outcome.get("error", {})
                    results[position] = WriteResult(ops[position].doc_id, "error",
                                                    f"{error.get('type')}: {error.get('reason')}")
            if not busy:
                break
            pending = busy
            time.sleep(0.5 * 2 ** attempt)
        return [results[position] for position in range(len(ops))]

    # -- reads -------------------------------------------------------------------------------------
    def search(self, query: BackendQuery) -> BackendResult:
        filters = _filter_clauses(query.filters)
        common = {"_source": False, "stored_fields": "_none_", "docvalue_fields": HIT_FIELDS,
                  "track_total_hits": True, "aggs": _aggregations(query.facets)}
        groups = query.keywords.groups if query.runs("keyword") else ()
        searches: list[tuple[str, dict[str, Any]]] = []
        if groups:
            searches.append(("stage", _stage_search(KeywordStage(groups, "AND"), filters, common, query.keyword_depth,
                                                     self.ranking.title_weight)))
        elif query.runs("keyword"):
            searches.append(("browse", {**common, "size": query.keyword_depth, "query": {"bool": {"filter": filters}},
                                        "sort": [{"completeness": "desc"}, {"written_at": "desc"}, {"doc_id": "asc"}]}))
        if query.runs("vector"):
            searches.append(("vector", {
                **common, "size": query.vector_depth,
                # Lucene's cosinesimil score is (1 + cosine) / 2; min_score also limits the facets.
                "min_score": (1 + query.min_similarity) / 2,
                "query": {"knn": {"vector": {"vector": [float(x) for x in query.vector], "k": query.vector_depth,
                                             "filter": {"bool": {"filter": filters}}}}}}))
        responses = self._msearch(searches)
        if responses is None:
            return BackendResult()  # nothing written yet
        stages = [r for leg, r in responses if leg == "stage"]
        if stages and _total(stages[0]) < self.ranking.enough_matches and len(groups) > 1:
            stages += self._relaxed(groups, filters, common, query.keyword_depth)
        return _result(query, stages, {leg: r for leg, r in responses if leg in ("browse", "vector")})

    def _relaxed(self, groups: Sequence[analysis.QueryGroup], filters: list[dict[str, Any]], common: dict[str, Any],
                 depth: int) -> list[dict[str, Any]]:
        """The relaxed stages' responses, up to the first that finds enough. Two round trips, needed
        only by the few queries whose AND finds too few: the groups' document counts, then all
        stages at once."""
        # One count per group, each reading only its terms' postings: a filters aggregation over the
        # live listings visited all of them (10 against 1 ms at 100k listings for five groups).
        live = {"term": {"live": True}}
        counts = self._msearch([("count", {"size": 0, "track_total_hits": True, "query": query})
                                for query in [live, *({"bool": {"must": [_group_clause(g, self.ranking.title_weight)], "filter": [live]}}
                                                      for g in groups)]])
        if not counts:
            return []  # the index was dropped since the first search
        listings, *frequencies = (_total(response) for _, response in counts)
        stages = [("stage", _stage_search(stage, filters, common, depth, self.ranking.title_weight))
                  for stage in relaxed_stages(groups, frequencies, listings, self.ranking.common_word_matches)]
        responses = []
        for _, response in self._msearch(stages) or ():
            responses.append(response)
            if _total(response) >= self.ranking.enough_matches:
                break
        return responses

    def _msearch(self, searches: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]] | None:
        """Responses in order, or None when the index does not exist yet. _msearch reports each
        search's failure inside an HTTP 200, so every item is checked."""
        if not searches:
            return []
        body = [line for _, search in searches for line in ({"index": self.alias}, search)]
        answered = []
        for (leg, _), response in zip(searches, self._call(self.client.msearch, body=body)["responses"]):
            error = response.get("error")
            if error is None:
                answered.append((leg, response))
            elif error.get("type") == "index_not_found_exception":
                return None
            elif leg == "vector" and "not knn_vector type" in str(error):
                continue  # only deletes so far: the vector field comes with the first upsert
            else:
                raise RuntimeError(f"OpenSearch {leg} search failed: {error}")
        return answered

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]:
        if not doc_ids:
            return {}
        try:
            response = self._call(self.client.mget, index=self.alias, body={"ids": list(doc_ids)}, _source="false",
                                  stored_fields=",".join(TEXT_FIELDS))
        except NotFoundError:
            return {}
        texts = {}
        for found in response["docs"]:
            fields = found.get("fields")
            if fields and "title" in fields:  # a tombstone has no texts
                title, body, title_terms, body_terms = (fields.get(name, [""])[0] for name in TEXT_FIELDS)
                texts[found["_id"]] = DocText(title, body, f"{title_terms} {body_terms}")
        return texts

    def _scan(self, index: str, live: bool) -> Iterator[dict[str, Any]]:
        try:
            yield from helpers.scan(self.client, index=index, size=1000, request_timeout=REQUEST_TIMEOUT,
                                    query={"query": {"term": {"live": live}}, "_source": ["version"]})
        except NotFoundError:
            return
        except (OpenSearchConnectionError, ConnectionTimeout) as error:
            raise BackendUnavailable(f"OpenSearch at {self.url} is unreachable: {error}") from error

    def versions(self) -> dict[str, int]:
        return {hit["_id"]: hit["_source"]["version"] for hit in self._scan(self.alias, live=True)}

    def count(self) -> int:
        try:
            return self._call(self.client.count, index=self.alias, body={"query": {"term": {"live": True}}})["count"]
        except NotFoundError:
            return 0

    def analysed_with(self) -> str | None:
        indexes = self._physical_indexes()
        if not indexes:
            return None
        meta = self._call(self.client.indices.get_mapping, index=indexes[0])[indexes[0]]["mappings"].get("_meta", {})
        return meta.get("analysis", UNKNOWN_ANALYSIS) if meta.get("format") == FORMAT else UNKNOWN_ANALYSIS

    # -- maintenance -------------------------------------------------------------------------------
    def rebuild(self, upserts: Iterable[Upsert]) -> None:
        """Load a new index while the alias still serves the old one, carry the old tombstones over,
        then move the alias in one atomic call and drop the old index.

        Writes that reach the old index meanwhile are not in the new one: the caller replays them
        afterwards (the indexer replays its outbox), and external versions make that idempotent.
        """
        old = self._physical_indexes()
        new = self._new_index_name()
        body = _index_body()
        body["settings"]["index"]["refresh_interval"] = "-1"  # no refreshes while bulk loading
        self._call(self.client.indices.create, index=new, body=body)
        try:
            written: set[str] = set()
            for chunk in _chunks(upserts, BULK_CHUNK):
                self._ensure_vector_field(new, len(chunk[0].vector))
                self._bulk_or_raise(new, chunk)
                written.update(op.doc_id for op in chunk)
            if old:
                tombstones = (Delete(hit["_id"], hit["_source"]["version"]) for hit in self._scan(self.alias, live=False)
                              if hit["_id"] not in written)
                for chunk in _chunks(tombstones, BULK_CHUNK):
                    self._bulk_or_raise(new, chunk)
            self._call(self.client.indices.put_settings, index=new, body={"index": {"refresh_interval": None}})
            self._call(self.client.indices.refresh, index=new)
            # BM25 and k-NN search every segment: at 100k listings the bulk load left 18, and merging
            # them into one (23 s, before the index serves) cut OpenSearch's CPU per search 22 -> 14 ms.
            self._call(self.client.indices.forcemerge, index=new, max_num_segments=1, request_timeout=MERGE_TIMEOUT)
            actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
            self._call(self.client.indices.update_aliases,
                       body={"actions": actions + [{"add": {"index": new, "alias": self.alias}}]})
        except BaseException:
            self._call(self.client.indices.delete, index=new, ignore_unavailable=True)
            raise
        for name in old:
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self._indexes_with_vectors.difference_update(old)

    def _bulk_or_raise(self, index: str, ops: Sequence[WriteOp]) -> None:
        failed = [r for r in self._bulk(index, ops, refresh=False) if r.status == "error"]
        if failed:
            raise RuntimeError(f"rebuild: {len(failed)} documents failed, e.g. {failed[0]}")

    def clear(self) -> None:
        for name in self._physical_indexes():
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self._indexes_with_vectors.clear()

    def close(self) -> None:
        """Nothing to release: the client is shared by the whole process (see client_for)."""


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    chunk: list = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
