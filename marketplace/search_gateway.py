"""The marketplace's single door to search/: builds the backend, embedder and searcher lazily from config,
and names postings in the index (the indexer imports these too, so marketplace never imports indexer)."""
from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from search import analysis
from search import ranking as ranking_settings
from search.factory import create_backend, create_embedder
from search.service import Searcher


def document_id(posting_id: int) -> str:
    """The search document id of a posting."""
    return str(posting_id)


def posting_id(document_id: str) -> int:
    """The posting a search document id names."""
    return int(document_id)


def search_settings(config: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "backend": config["SEARCH_BACKEND"],
        "path": config["SEARCH_PATH"],
        "url": config["OPENSEARCH_URL"],
        "index": config["OPENSEARCH_INDEX"],
        "model": config["EMBEDDING_MODEL"],
        "models_dir": config["EMBEDDING_MODELS_PATH"],
        "batch_size": config["EMBEDDING_BATCH_SIZE"],
        "precision": config["EMBEDDING_PRECISION"],
    }


class SearchGateway:
    def __init__(self, config: Mapping[str, Any]) -> None:
        self.settings = search_settings(config)
        self._lock = threading.Lock()
        self._searcher: Searcher | None = None

    @property
    def searcher(self) -> Searcher:
        with self._lock:
            if self._searcher is None:
                embedder = create_embedder(self.settings)
                ranking = ranking_settings.for_model(embedder.name)
                self._searcher = Searcher(create_backend(self.settings, ranking), embedder, ranking)
            return self._searcher

    def preload(self, threads_per_worker: int) -> None:
        """Load the search index and the embedding model into memory before a pre-forking server
        (gunicorn --preload) forks: the workers then answer their first search at once and share those
        pages (copy-on-write) instead of each loading a copy. No connection may cross the fork, so they
        are closed here."""
        searcher = self.searcher
        analysis.preload()
        searcher.embedder.preload_for_workers(threads_per_worker)
        searcher.backend.warm()
        searcher.backend.close()

    def close(self) -> None:
        with self._lock:
            if self._searcher is not None:
                self._searcher.backend.close()
                self._searcher = None
