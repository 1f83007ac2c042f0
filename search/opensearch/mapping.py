"""What an OpenSearch index of listings looks like: its settings and mapping, and the documents
written to it. Pure functions; search.opensearch.engine sends them."""
from __future__ import annotations

from typing import Any

from search import analysis
from search.backend import Delete, Upsert

# What a hit carries, its id included, read from doc values: loading any stored field of a hit (its
# _source, even just its _id) decompresses a block of stored documents, which cost more than finding it.
HIT_FIELDS = ["doc_id", "kind", "ref", "completeness", "region", "certifications", "language"]
TEXT_FIELDS = ["title", "body", "title_terms", "body_terms"]
# The index's layout, recorded in its mapping: an index of another format is rebuilt by `indexer verify
# --repair` (analysed_with reports it as unknown). 2: texts are stored fields, read without _source.
# 3: each listing's language.
FORMAT = "3"


# Writes wait for the next scheduled refresh (refresh=wait_for) instead of forcing one each. Forced
# refreshes at 20 writes a second gave a lag p95 of 1.6-5 s; waiting for one every 100 ms, 0.6 s
# (250 ms: 1.0 s, since the worker's next write waits for its previous one; docs/perf-log.md). Set
# explicitly, the interval also keeps refreshing an index nobody searched lately (no "search idle"),
# which a waiting write needs.
REFRESH_INTERVAL = "100ms"


def index_body() -> dict[str, Any]:
    """Settings and mapping of a new index; the vector field comes later (vector_mapping)."""
    keyword = {"type": "keyword"}
    # Texts for highlights are stored fields: fetching them cost a third of OpenSearch's CPU that
    # filtering them out of the _source (which holds the vector too) cost, for a page of 20 at 100k listings.
    stored = {"type": "text", "index": False, "store": True}  # returned for highlights, never searched
    # Queries are single terms, never phrases (see search.analysis): no positions needed.
    tokens = {"type": "text", "analyzer": "tokens", "index_options": "freqs", "store": True}
    return {
        # One replica once the cluster has a second data node (none on a single node, which stays green):
        # an index then survives the loss of any one node.
        "settings": {"index": {"knn": True, "number_of_shards": 1, "auto_expand_replicas": "0-1",
                               "refresh_interval": REFRESH_INTERVAL},
                     "analysis": {"analyzer": {"tokens": {"type": "custom", "tokenizer": "whitespace"}}}},
        # The vector field is added with the first upsert, when its dimension is known.
        "mappings": {
            "dynamic": "strict", "_meta": {"analysis": analysis.fingerprint(), "format": FORMAT},
            "properties": {
                "doc_id": keyword, "version": {"type": "long"}, "live": {"type": "boolean"},
                "written_at": {"type": "double"}, "kind": keyword, "ref": keyword, "title": stored, "body": stored,
                "title_terms": tokens, "body_terms": tokens, "category": keyword, "top_category": keyword,
                "region": keyword, "province": keyword, "origin": keyword, "certifications": keyword,
                "service_modes": keyword, "language": keyword, "price_low": {"type": "double"},
                "price_high": {"type": "double"}, "completeness": {"type": "float"},
            }},
    }


def vector_mapping(dimension: int) -> dict[str, Any]:
    return {"properties": {"vector": {
        "type": "knn_vector", "dimension": dimension,
        # Lucene's engine: the k-NN plugin built from Maven Central has no native faiss/nmslib libraries.
        "method": {"name": "hnsw", "engine": "lucene", "space_type": "cosinesimil"}}}}


def listing_source(upsert: Upsert, terms: tuple[str, str], written_at: float) -> dict[str, Any]:
    """The indexed document of a listing; `terms` are analysis.index_text of its title and body."""
    document = upsert.document
    return {
        "doc_id": document.doc_id, "version": document.version, "live": True, "written_at": written_at,
        "kind": document.kind, "ref": document.ref, "title": document.title, "body": document.body,
        "title_terms": terms[0], "body_terms": terms[1], "category": document.category,
        "top_category": document.top_category, "region": document.region, "province": document.province,
        "origin": document.origin, "certifications": list(document.certifications),
        "service_modes": list(document.service_modes), "language": document.language,
        "price_low": document.price_cny_low,
        "price_high": document.price_cny_high, "completeness": document.completeness,
        "vector": [float(x) for x in upsert.vector],
    }


def tombstone_source(delete: Delete, written_at: float) -> dict[str, Any]:
    """A deleted listing: kept, with the delete's version, so that an older upsert stays stale."""
    return {"doc_id": delete.doc_id, "version": delete.version, "live": False, "written_at": written_at}
