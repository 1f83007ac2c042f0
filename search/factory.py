"""Builds backends and embedders from plain settings; nothing outside search/ names their classes.

Settings keys: backend ("embedded" | "opensearch"), path (embedded file), url and index (OpenSearch),
model (a sentence-transformers path or "all-MiniLM-L6-v2"; "hashing" only for tests), batch_size,
precision ("fp32" or "bf16").
"""
from __future__ import annotations

from typing import Any, Mapping

from search.backend import SearchBackend
from search.embeddings import Embedder, HashingEmbedder, SentenceTransformerEmbedder

TEST_EMBEDDER = "hashing"


def create_backend(settings: Mapping[str, Any]) -> SearchBackend:
    kind = settings.get("backend", "embedded")
    if kind == "embedded":
        from search.embedded import EmbeddedBackend

        return EmbeddedBackend(settings["path"])
    if kind == "opensearch":
        from search.opensearch import OpenSearchBackend

        return OpenSearchBackend(settings["url"], settings.get("index", "yiqi-listings"))
    raise ValueError(f"unknown search backend {kind!r}: use 'embedded' or 'opensearch'")


def create_embedder(settings: Mapping[str, Any]) -> Embedder:
    model = settings.get("model") or "all-MiniLM-L6-v2"
    if model == TEST_EMBEDDER:
        return HashingEmbedder()
    return SentenceTransformerEmbedder(model, batch_size=int(settings.get("batch_size", 64)),
                                       precision=settings.get("precision", "fp32"))
