"""Fixtures for the search library: every backend behind one parametrised fixture, and a writer of
search documents (tests/search/listings.py)."""
from __future__ import annotations

import os
import uuid

import pytest

from search.embeddings import HashingEmbedder
from search.factory import create_backend
from search.service import Searcher
from tests.search.listings import upserts

OPENSEARCH_URL = os.environ.get("MARKETPLACE_TEST_OPENSEARCH_URL")
# Every index this run creates starts with this prefix, so runs never see each other's data.
RUN_PREFIX = f"yiqi-test-{uuid.uuid4().hex[:8]}"


# "embedded-ann": the embedded backend with every vector search through its approximate index, which a
# catalogue this small would otherwise never reach.
@pytest.fixture(params=["embedded", "embedded-ann", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def backend(request, tmp_path):
    if request.param == "embedded":
        backend = create_backend({"backend": "embedded", "path": str(tmp_path / "search-index")})
    elif request.param == "embedded-ann":
        backend = create_backend({"backend": "embedded", "path": str(tmp_path / "search-index"),
                                  "ann_min_rows": 1, "exact_max_rows": 0})
    else:
        if not OPENSEARCH_URL:
            pytest.skip("MARKETPLACE_TEST_OPENSEARCH_URL is not set (scripts/opensearch.sh start, then its url)")
        backend = create_backend({"backend": "opensearch", "url": OPENSEARCH_URL,
                                  "index": f"{RUN_PREFIX}-{uuid.uuid4().hex[:6]}"})
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
    def write(*documents, version: int = 1):
        return backend.write(upserts(embedder, documents, version))
    return write
