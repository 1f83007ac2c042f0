"""Bilingual hybrid search for listings, as a plain library (no web framework, no marketplace imports).

Entry points: search.factory (create_backend, create_embedder from plain settings), search.service
(Searcher, SearchRequest, SearchFilters, SearchResponse), search.documents (SearchDocument) and
search.backend (Upsert, Delete, WriteResult: what the indexer writes).
"""
