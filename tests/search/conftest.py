"""One contract suite for every search backend: same fixtures, same expectations."""
from __future__ import annotations

import os
import uuid

import pytest

from search.backend import Upsert
from search.documents import build_document
from search.embeddings import HashingEmbedder
from search.embedded import EmbeddedBackend
from search.service import Searcher

OPENSEARCH_URL = os.environ.get("MARKETPLACE_TEST_OPENSEARCH_URL")
BACKENDS = ["embedded", pytest.param("opensearch", marks=pytest.mark.opensearch)]


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    if request.param == "embedded":
        backend = EmbeddedBackend(tmp_path / "search-index")
    else:
        if not OPENSEARCH_URL:
            pytest.skip("MARKETPLACE_TEST_OPENSEARCH_URL is not set (scripts/test.sh starts OpenSearch and sets it)")
        from search.opensearch import OpenSearchBackend

        backend = OpenSearchBackend(OPENSEARCH_URL, f"test-{uuid.uuid4().hex[:10]}")
        backend.ensure_ready()
    yield backend
    backend.clear()
    backend.close()


@pytest.fixture
def embedder():
    return HashingEmbedder()


@pytest.fixture
def searcher(backend, embedder):
    return Searcher(backend, embedder)


@pytest.fixture
def put(backend, embedder):
    """Index records (catalogue-contract dicts) as documents with ids and versions."""
    def index(*records, version: int = 1):
        documents = [build_document(r.get("id", r["ref"]), r.get("version", version), r) for r in records]
        vectors = embedder.embed([d.embedding_text() for d in documents])
        return backend.write([Upsert(d, v) for d, v in zip(documents, vectors)])
    return index
