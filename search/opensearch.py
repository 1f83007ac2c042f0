"""The OpenSearch backend: everything in the project that talks to OpenSearch lives in this module.

- One physical index per build (`<alias>-<timestamp>`) behind an alias, so a rebuild swaps atomically.
- Terms come pre-analysed from search.analysis (whitespace-analysed fields), so BM25 sees the same
  words, sub-words and synonym concepts as the embedded backend.
- Versions are external (the posting's version); a delete writes a tombstone document instead of
  deleting, because OpenSearch forgets deleted versions after index.gc_deletes (60 s) and a late,
  older upsert could then resurrect a deleted listing.
- Keyword AND, keyword OR and the k-NN leg (filters inside the knn clause) go in one _msearch;
  fusion happens in search.service like for every backend.
"""
from __future__ import annotations

import threading
import time
from typing import Any, Iterable, Sequence

import numpy as np
from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import ConnectionTimeout, NotFoundError, TransportError

from search import analysis
from search.backend import (
    BackendQuery,
    BackendUnavailable,
    Candidates,
    Delete,
    DocInfo,
    DocText,
    SearchFilters,
    Upsert,
    WriteResult,
)
from search.embedded import AND_ENOUGH, TITLE_WEIGHT

REQUEST_TIMEOUT = 30
BULK_CHUNK = 500
LIGHT_FIELDS = ["doc_id", "kind", "ref", "completeness", "category", "region", "origin", "certifications",
                "service_modes"]

_clients: dict[str, OpenSearch] = {}
_clients_lock = threading.Lock()


def client_for(url: str) -> OpenSearch:
    """One client (and connection pool) per process and URL."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = OpenSearch(hosts=[url], timeout=REQUEST_TIMEOUT, max_retries=2, retry_on_timeout=True)
        return _clients[url]


def _mapping(dimension: int) -> dict[str, Any]:
    keyword = {"type": "keyword"}
    stored_only = {"type": "text", "index": False}
    return {
        "settings": {"index": {"knn": True, "number_of_shards": 1, "number_of_replicas": 0},
                     "analysis": {"analyzer": {"terms": {"type": "custom", "tokenizer": "whitespace"}}}},
        "mappings": {"dynamic": "strict", "properties": {
            "doc_id": keyword, "version": {"type": "long"}, "live": {"type": "boolean"},
            "kind": keyword, "ref": keyword, "title": stored_only, "body": stored_only, "terms": stored_only,
            "title_terms": {"type": "text", "analyzer": "terms"}, "body_terms": {"type": "text", "analyzer": "terms"},
            "category": keyword, "top_category": keyword, "region": keyword, "province": keyword, "origin": keyword,
            "certifications": keyword, "service_modes": keyword,
            "price_low": {"type": "double"}, "price_high": {"type": "double"}, "completeness": {"type": "float"},
            "vector": {"type": "knn_vector", "dimension": dimension,
                       "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}},
        }},
    }


def _filter_clauses(filters: SearchFilters) -> list[dict[str, Any]]:
    clauses: list[dict[str, Any]] = [{"term": {"live": True}}]
    if filters.kinds:
        clauses.append({"terms": {"kind": list(filters.kinds)}})
    for field, top, value in (("region", "province", filters.region), ("category", "top_category", filters.category)):
        if value:
            clauses.append({"bool": {"should": [{"term": {field: value}}, {"prefix": {field: value + "/"}}]}}
                           if "/" in value else {"term": {top: value}})
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


def _group_clause(group: analysis.QueryGroup) -> dict[str, Any]:
    should = []
    for term in group.terms:
        should.append({"term": {"title_terms": {"value": term, "boost": TITLE_WEIGHT}}})
        should.append({"term": {"body_terms": term}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def _source(document, vector: np.ndarray) -> dict[str, Any]:
    title_terms = analysis.index_terms(document.title)
    body_terms = analysis.index_terms(document.body)
    return {
        "doc_id": document.doc_id, "version": document.version, "live": True, "kind": document.kind,
        "ref": document.ref, "title": document.title, "body": document.body,
        "terms": " ".join(set(title_terms + body_terms)), "title_terms": " ".join(title_terms),
        "body_terms": " ".join(body_terms), "category": document.category, "top_category": document.top_category,
        "region": document.region, "province": document.province, "origin": document.origin,
        "certifications": list(document.certifications), "service_modes": list(document.service_modes),
        "price_low": document.price_low, "price_high": document.price_high, "completeness": document.completeness,
        "vector": [float(x) for x in vector],
    }


def _tombstone(doc_id: str, version: int) -> dict[str, Any]:
    return {"doc_id": doc_id, "version": version, "live": False}


def _info(source: dict[str, Any]) -> DocInfo:
    return DocInfo(kind=source["kind"], ref=source["ref"], completeness=source.get("completeness", 1.0),
                   category=source.get("category"), region=source.get("region"), origin=source.get("origin"),
                   certifications=tuple(source.get("certifications") or ()),
                   service_modes=tuple(source.get("service_modes") or ()))


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, url: str, alias: str = "yiqi-listings", refresh: bool = True) -> None:
        self.url = url
        self.alias = alias
        # Refresh on write makes an acknowledged change searchable at once, like the embedded backend.
        self.refresh = refresh
        self.client = client_for(url)

    def _call(self, method, **kwargs):
        try:
            return method(request_timeout=REQUEST_TIMEOUT, **kwargs)
        except (OpenSearchConnectionError, ConnectionTimeout) as error:
            raise BackendUnavailable(f"OpenSearch at {self.url} is unreachable: {error}") from error

    # -- index lifecycle ---------------------------------------------------------------------------
    def _physical_indexes(self) -> list[str]:
        try:
            return sorted(self._call(self.client.indices.get_alias, name=self.alias))
        except NotFoundError:
            return []

    def _create_index(self, dimension: int, name: str | None = None, with_alias: bool = False) -> str:
        name = name or f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{int(time.time() * 1000) % 1000:03d}"
        body = _mapping(dimension)
        if with_alias:
            body["aliases"] = {self.alias: {}}
        self._call(self.client.indices.create, index=name, body=body)
        return name

    def ensure_ready(self) -> None:
        self._call(self.client.cluster.health, params={"wait_for_status": "yellow", "timeout": "30s"})

    def _ensure_index(self, dimension: int) -> None:
        """The first index has a fixed name and gets the alias in the same request, so when several
        workers start at once exactly one creation succeeds and the others find it there."""
        if not self._physical_indexes():
            try:
                self._create_index(dimension, name=f"{self.alias}-initial", with_alias=True)
            except TransportError as error:
                if "resource_already_exists_exception" not in str(error):
                    raise

    # -- writes ------------------------------------------------------------------------------------
    def write(self, ops: Sequence[Upsert | Delete]) -> list[WriteResult]:
        upserts = [op for op in ops if isinstance(op, Upsert)]
        if upserts:
            self._ensure_index(int(upserts[0].vector.shape[0]))
        elif not self._physical_indexes():
            self._ensure_index(384)
        return self._bulk(self.alias, ops, refresh=self.refresh)

    def _bulk(self, index: str, ops: Sequence[Upsert | Delete], refresh: bool) -> list[WriteResult]:
        lines: list[dict[str, Any]] = []
        for op in ops:
            lines.append({"index": {"_index": index, "_id": op.doc_id, "version": op.version,
                                    "version_type": "external"}})
            lines.append(_source(op.document, op.vector) if isinstance(op, Upsert) else _tombstone(op.doc_id, op.version))
        if not lines:
            return []
        response = self._call(self.client.bulk, body=lines, params={"refresh": "true" if refresh else "false"})
        results = []
        for op, item in zip(ops, response["items"]):
            outcome = item["index"]
            status = outcome.get("status", 500)
            if status in (200, 201):
                results.append(WriteResult(op.doc_id, "ok"))
            elif status == 409:
                results.append(WriteResult(op.doc_id, "stale"))
            else:
                error = outcome.get("error", {})
                results.append(WriteResult(op.doc_id, "error", f"{error.get('type')}: {error.get('reason')}"))
        return results

    # -- reads -------------------------------------------------------------------------------------
    def candidates(self, query: BackendQuery) -> Candidates:
        filters = _filter_clauses(query.filters)
        searches: list[tuple[str, dict[str, Any]]] = []
        if query.keyword_depth and query.groups:
            clauses = [_group_clause(g) for g in query.groups]
            searches.append(("and", {"query": {"bool": {"must": clauses, "filter": filters}}}))
            if len(clauses) > 1:
                searches.append(("or", {"query": {"bool": {"should": clauses, "minimum_should_match": 1,
                                                           "filter": filters}}}))
        elif query.keyword_depth:
            searches.append(("browse", {"query": {"bool": {"filter": filters}}, "track_total_hits": True,
                                        "sort": [{"completeness": "desc"}, {"doc_id": "desc"}]}))
        if query.vector is not None:
            depth = query.vector_depth
            searches.append(("vector", {"query": {"knn": {"vector": {
                "vector": [float(x) for x in query.vector], "k": depth, "filter": {"bool": {"filter": filters}}}}}}))
        body: list[dict[str, Any]] = []
        for leg, search in searches:
            size = query.vector_depth if leg == "vector" else query.keyword_depth
            body += [{"index": self.alias}, {"size": size, "_source": LIGHT_FIELDS, **search}]
        result = Candidates()
        if not body:
            return result
        responses = self._call(self.client.msearch, body=body)["responses"]
        found: dict[str, float] = {}
        for (leg, _), response in zip(searches, responses):
            if "error" in response:  # _msearch reports per-search failures inside an HTTP 200
                if response["error"].get("type") == "index_not_found_exception":
                    return Candidates()  # nothing indexed yet
                raise RuntimeError(f"OpenSearch {leg} search failed: {response['error']}")
            hits = response["hits"]["hits"]
            for hit in hits:
                result.info.setdefault(hit["_source"]["doc_id"], _info(hit["_source"]))
            if leg == "vector":
                # Lucene's cosinesimil score is (1 + cosine) / 2.
                result.vector = [(h["_source"]["doc_id"], 2 * h["_score"] - 1) for h in hits
                                 if 2 * h["_score"] - 1 >= query.min_similarity]
            elif leg == "browse":
                result.keyword = [(h["_source"]["doc_id"], h["_source"].get("completeness", 0.0)) for h in hits]
                result.keyword_total = response["hits"]["total"]["value"]
            elif leg == "and" or len(found) < AND_ENOUGH:
                for hit in hits:
                    found.setdefault(hit["_source"]["doc_id"], hit["_score"])  # AND matches stay ahead
        if found:
            result.keyword = list(found.items())[:query.keyword_depth]
            result.keyword_total = len(result.keyword)
        return result

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]:
        if not doc_ids:
            return {}
        try:
            response = self._call(self.client.mget, index=self.alias, body={"ids": list(doc_ids)},
                                  params={"_source_includes": "title,body,terms,live"})
        except NotFoundError:
            return {}
        return {d["_id"]: DocText(d["_source"].get("title", ""), d["_source"].get("body", ""),
                                  frozenset((d["_source"].get("terms") or "").split()))
                for d in response["docs"] if d.get("found") and d["_source"].get("live")}

    def _scan(self, index: str, live: bool, fields: list[str]) -> Iterable[dict[str, Any]]:
        try:
            yield from helpers.scan(self.client, index=index, query={"query": {"term": {"live": live}}},
                                    _source=fields, size=1000, request_timeout=REQUEST_TIMEOUT)
        except NotFoundError:
            return
        except (OpenSearchConnectionError, ConnectionTimeout) as error:
            raise BackendUnavailable(str(error)) from error

    def versions(self) -> dict[str, int]:
        if not self._physical_indexes():
            return {}
        return {hit["_id"]: hit["_source"]["version"] for hit in self._scan(self.alias, True, ["version"])}

    def count(self) -> int:
        if not self._physical_indexes():
            return 0
        return self._call(self.client.count, index=self.alias, body={"query": {"term": {"live": True}}})["count"]

    # -- maintenance -------------------------------------------------------------------------------
    def rebuild(self, upserts: Iterable[Upsert]) -> None:
        """Load a new index while the alias still serves the old one, keep old tombstones, then swap."""
        old = self._physical_indexes()
        new: str | None = None
        batch: list[Upsert] = []

        def flush() -> None:
            nonlocal new
            if not batch:
                return
            if new is None:
                new = self._create_index(int(batch[0].vector.shape[0]))
            failed = [r for r in self._bulk(new, batch, refresh=False) if r.status == "error"]
            if failed:
                raise RuntimeError(f"rebuild failed for {len(failed)} documents, e.g. {failed[0].error}")
            batch.clear()

        for upsert in upserts:
            batch.append(upsert)
            if len(batch) >= BULK_CHUNK:
                flush()
        flush()
        if new is None:
            new = self._create_index(384)
        if old:
            tombstones = [Delete(hit["_id"], hit["_source"]["version"])
                          for hit in self._scan(self.alias, False, ["version"])]
            for start in range(0, len(tombstones), BULK_CHUNK):
                self._bulk(new, tombstones[start:start + BULK_CHUNK], refresh=False)
        self._call(self.client.indices.refresh, index=new)
        actions = [{"remove": {"index": name, "alias": self.alias}} for name in old]
        actions.append({"add": {"index": new, "alias": self.alias}})
        self._call(self.client.indices.update_aliases, body={"actions": actions})
        for name in old:
            self._call(self.client.indices.delete, index=name)

    def clear(self) -> None:
        for name in self._physical_indexes():
            self._call(self.client.indices.delete, index=name)

    def close(self) -> None:
        """The client is shared by the process; nothing to release per backend."""
