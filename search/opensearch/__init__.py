"""The OpenSearch backend. Everything in the project that talks to OpenSearch lives in this package.

- mapping: the index's settings and mapping, and the documents written to it; queries: the requests of
  a search and how their answers are read. Both are pure functions; engine (OpenSearchBackend) sends
  them and manages the indexes.
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
- The keyword leg (the AND of the query's groups) and the k-NN leg go in one `_msearch`. Only a query
  whose AND finds too few needs more: one `_msearch` of the groups' document counts, then one of the
  relaxed stages. Fusion happens in search.service as for the embedded backend.
"""
from search.opensearch.engine import OpenSearchBackend

__all__ = ["OpenSearchBackend"]
