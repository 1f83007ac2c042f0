"""The embedded backend (the default; no server).

- store: the index on disk, SQLite files in one directory (listings with versions and tombstones,
  filter fields, term postings, vectors), the CURRENT pointer that a rebuild swaps, connections, writes.
- columns: each process's in-memory copy of the rows as numpy columns (filters, facets, postings) and
  the vectors' index, refreshed incrementally by write generation.
- engine: EmbeddedBackend, the searches over those columns.
- inverted: BM25 over postings arrays; ann: the vectors in a faiss IVF index, searched exactly or
  approximately. Only this package uses them.
"""
from search.embedded.engine import EmbeddedBackend

__all__ = ["EmbeddedBackend"]
