"""OpenSearchBackend: sends the requests that search.opensearch.mapping and search.opensearch.queries
build, and manages the indexes behind the alias."""
from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from opensearchpy import OpenSearch, helpers
from opensearchpy.exceptions import ConnectionError as OpenSearchConnectionError
from opensearchpy.exceptions import ConnectionTimeout, NotFoundError, TransportError

from search.analysis import QueryGroup
from search.backend import (
    UNKNOWN_ANALYSIS,
    BackendQuery,
    BackendResult,
    BackendUnavailable,
    Delete,
    DocText,
    Upsert,
    WriteOp,
    WriteResult,
    relaxed_stages,
)
from search.opensearch import mapping, queries
from search.ranking import RankingSettings

REQUEST_TIMEOUT = 30
MERGE_TIMEOUT = 3600
BULK_CHUNK = 500
# Items rejected because the node is busy (HTTP 429) are sent again, this many times, with backoff.
BULK_RETRIES = 3

_clients: dict[str, OpenSearch] = {}
_clients_lock = threading.Lock()


def client_for(url: str) -> OpenSearch:
    """One client, and so one connection pool, per process and URL. `url` may list several nodes of a
    cluster, separated by commas: requests go round them, and a node that stops answering is set aside
    (and retried later) while the others serve."""
    with _clients_lock:
        if url not in _clients:
            _clients[url] = OpenSearch(hosts=[host.strip() for host in url.split(",")], timeout=REQUEST_TIMEOUT,
                                       max_retries=2, retry_on_timeout=True,
                                       pool_maxsize=16)
        return _clients[url]


class OpenSearchBackend:
    name = "opensearch"

    def __init__(self, url: str, ranking: RankingSettings, prefix: str = "yiqi-listings") -> None:
        self.url = url
        self.ranking = ranking
        self.alias = prefix
        self.client = client_for(url)
        self._indexes_with_vectors: set[str] = set()
        self._indexes_refreshing: set[str] = set()

    def _call(self, method: Callable[..., Any], **kwargs: Any) -> Any:
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
        return f"{self.alias}-v{datetime.now(UTC).strftime('%Y%m%d%H%M%S%f')}"

    def _live_index(self) -> str:
        """The index behind the alias. The first one has a fixed name and gets the alias in the same
        request, so when several workers start at once exactly one creation succeeds."""
        indexes = self._physical_indexes()
        if indexes:
            return indexes[0]
        first = f"{self.alias}-v0"
        try:
            self._call(self.client.indices.create, index=first,
                       body={**mapping.index_body(), "aliases": {self.alias: {}}})
        except TransportError as error:
            if error.error != "resource_already_exists_exception":
                raise
        return first

    def _ensure_vector_field(self, index: str, first: Upsert) -> None:
        if index in self._indexes_with_vectors:
            return
        current = self._call(self.client.indices.get_mapping, index=index)[index]["mappings"]
        if "vector" not in current.get("properties", {}):
            # Idempotent when two writers add the same field; a different dimension fails per item later.
            body = mapping.vector_mapping(len(first.vector))
            if first.model:  # _meta is replaced whole: keep what the index recorded at creation
                body["_meta"] = {**current.get("_meta", {}), "model": first.model}
            self._call(self.client.indices.put_mapping, index=index, body=body)
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
        self._ensure_scheduled_refresh(index)
        upserts = [op for op in ops if isinstance(op, Upsert)]
        if upserts:
            self._ensure_vector_field(index, upserts[0])
        # Acknowledged once searchable (the next scheduled refresh), as in the embedded backend. Durability
        # does not depend on it: OpenSearch fsyncs its translog before answering a bulk.
        # require_alias: a write must never auto-create an index named like the alias.
        return self._bulk(self.alias, ops, refresh="wait_for", require_alias=True)

    def _ensure_scheduled_refresh(self, index: str) -> None:
        """An index created before its settings named a refresh interval may have fallen "search idle",
        where no scheduled refresh comes for a waiting write: give it the interval, once per process."""
        if index in self._indexes_refreshing:
            return
        settings = self._call(self.client.indices.get_settings, index=index, name="index.refresh_interval")
        if settings.get(index, {}).get("settings", {}).get("index", {}).get("refresh_interval") is None:
            self._call(self.client.indices.put_settings, index=index,
                       body={"index": {"refresh_interval": mapping.REFRESH_INTERVAL}})
        self._indexes_refreshing.add(index)

    def _bulk(self, index: str, ops: Sequence[WriteOp], refresh: str = "false",
              require_alias: bool = False) -> list[WriteResult]:
        terms = {id(op): op.document.terms() for op in ops if isinstance(op, Upsert)}
        results: dict[int, WriteResult] = {}
        pending = list(range(len(ops)))
        for attempt in range(BULK_RETRIES + 1):
            lines: list[dict[str, Any]] = []
            for position in pending:
                op = ops[position]
                action: dict[str, Any] = {"_index": index, "_id": op.doc_id, "version": op.version,
                                          "version_type": "external"}
                if require_alias:
                    action["require_alias"] = True
                now = time.time()
                lines += [{"index": action}, mapping.listing_source(op, terms[id(op)], now) if isinstance(op, Upsert)
                          else mapping.tombstone_source(op, now)]
            response = self._call(self.client.bulk, body=lines, refresh=refresh)
            busy = []
            for position, item in zip(pending, response["items"], strict=True):
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
        responses = self._msearch(queries.first_searches(query, self.ranking.title_weight))
        if responses is None:
            return BackendResult()  # nothing written yet
        stages = [r for leg, r in responses if leg == "stage"]
        groups = query.keywords.groups
        first = queries.total(stages[0]) if stages else None  # the AND of all groups, when the keyword leg ran
        counts = self._group_counts(groups) if groups and (query.frequencies or first == 0) else None
        if first is not None and first < self.ranking.enough_matches and len(groups) > 1:
            stages += self._relaxed(query, groups, counts or self._group_counts(groups))
        result = queries.read_result(query, stages, {leg: r for leg, r in responses if leg in ("browse", "vector")})
        if counts:
            result.listings, frequencies = counts
            result.frequencies = dict(zip(groups, frequencies, strict=True))
        return result

    def _group_counts(self, groups: Sequence[QueryGroup]) -> tuple[int, list[int]] | None:
        """The live listings, and those holding each group (unfiltered); None when the index was dropped
        since the first search."""
        searches = queries.group_counts(groups, self.ranking.title_weight)
        counts = self._msearch([("count", search) for search in searches])
        if not counts:
            return None
        listings, *frequencies = (queries.total(response) for _, response in counts)
        return listings, frequencies

    def _relaxed(self, query: BackendQuery, groups: Sequence[QueryGroup],
                 counts: tuple[int, list[int]] | None) -> list[dict[str, Any]]:
        """The relaxed stages' responses, up to the first that finds enough. Needed only by the few
        queries whose AND finds too few: from the groups' document counts (`counts`), one round trip per stage.
        A stage is sent only when the one before found too few: the OR of the groups scores, counts and
        facets every listing holding any of them (at 300k listings a third of a search's time when it
        ran beside an AND of the groups present that had found thousands)."""
        if counts is None:
            return []  # the index was dropped since the first search
        listings, frequencies = counts
        title_weight = self.ranking.title_weight
        responses = []
        for stage in relaxed_stages(groups, frequencies, listings, self.ranking.common_word_matches):
            answered = self._msearch([("stage", queries.stage_search(stage, query, title_weight))])
            if not answered:
                break  # the index was dropped meanwhile
            responses.append(answered[0][1])
            if queries.total(answered[0][1]) >= self.ranking.enough_matches:
                break
        return responses

    def _msearch(self, searches: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, dict[str, Any]]] | None:
        """Responses in order, or None when the index does not exist yet. _msearch reports each
        search's failure inside an HTTP 200, so every item is checked."""
        if not searches:
            return []
        body = [line for _, search in searches for line in ({"index": self.alias}, search)]
        answered = []
        responses = self._call(self.client.msearch, body=body)["responses"]
        for (leg, _), response in zip(searches, responses, strict=True):
            error = response.get("error")
            if error is None:
                answered.append((leg, response))
            elif error.get("type") == "index_not_found_exception":
                return None
            elif leg == "vector" and "not knn_vector type" in str(error):
                continue  # only deletes so far: the vector field comes with the first upsert
            elif queries.failed_for_now(response):
                raise BackendUnavailable(f"OpenSearch cannot answer the {leg} search now: {error}")
            else:
                raise RuntimeError(f"OpenSearch {leg} search failed: {error}")
        return answered

    def texts(self, doc_ids: Sequence[str]) -> dict[str, DocText]:
        if not doc_ids:
            return {}
        try:
            response = self._call(self.client.mget, index=self.alias, body={"ids": list(doc_ids)}, _source="false",
                                  stored_fields=",".join(mapping.TEXT_FIELDS))
        except NotFoundError:
            return {}
        texts = {}
        for found in response["docs"]:
            fields = found.get("fields")
            if fields and "title" in fields:  # a tombstone has no texts
                title, body, title_terms, body_terms = (fields.get(name, [""])[0] for name in mapping.TEXT_FIELDS)
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
        return meta.get("analysis", UNKNOWN_ANALYSIS) if meta.get("format") == mapping.FORMAT else UNKNOWN_ANALYSIS

    def embedded_with(self) -> str | None:
        indexes = self._physical_indexes()
        if not indexes:
            return None
        meta = self._call(self.client.indices.get_mapping, index=indexes[0])[indexes[0]]["mappings"].get("_meta", {})
        return meta.get("model")

    # -- maintenance -------------------------------------------------------------------------------
    def rebuild(self, upserts: Iterable[Upsert]) -> list[WriteResult]:
        """Load a new index while the alias still serves the old one, carry the old tombstones over,
        then move the alias in one atomic call and drop the old index.

        Writes that reach the old index meanwhile are not in the new one: the caller replays them
        afterwards (the indexer replays its outbox), and external versions make that idempotent.
        """
        old = self._physical_indexes()
        new = self._new_index_name()
        body = mapping.index_body()
        body["settings"]["index"]["refresh_interval"] = "-1"  # no refreshes while bulk loading
        self._call(self.client.indices.create, index=new, body=body)
        try:
            written: set[str] = set()
            refused: list[WriteResult] = []
            for chunk in _chunks(upserts, BULK_CHUNK):
                self._ensure_vector_field(new, chunk[0])
                refused += [r for r in self._bulk(new, chunk) if r.status == "error"]
                written.update(op.doc_id for op in chunk)
            if old:
                tombstones = (Delete(hit["_id"], hit["_source"]["version"])
                              for hit in self._scan(self.alias, live=False) if hit["_id"] not in written)
                for deletes in _chunks(tombstones, BULK_CHUNK):
                    self._bulk_or_raise(new, deletes)
            self._call(self.client.indices.put_settings, index=new,
                       body={"index": {"refresh_interval": mapping.REFRESH_INTERVAL}})
            self._call(self.client.indices.refresh, index=new)
            # BM25 and k-NN search every segment: at 100k listings the bulk load left 18, and merging
            # them into one, before the index serves, cut OpenSearch's CPU per search by a third.
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
        self._indexes_refreshing.difference_update(old)
        return refused

    def _bulk_or_raise(self, index: str, ops: Sequence[WriteOp]) -> None:
        failed = [r for r in self._bulk(index, ops) if r.status == "error"]
        if failed:
            raise RuntimeError(f"rebuild: {len(failed)} documents failed, e.g. {failed[0]}")

    def clear(self) -> None:
        for name in self._physical_indexes():
            self._call(self.client.indices.delete, index=name, ignore_unavailable=True)
        self._indexes_with_vectors.clear()
        self._indexes_refreshing.clear()

    def close(self) -> None:
        """Nothing to release: the client is shared by the whole process (see client_for)."""


Item = TypeVar("Item")


def _chunks(items: Iterable[Item], size: int) -> Iterator[list[Item]]:
    chunk: list[Item] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
