"""Fixtures for the search library: every backend behind one parametrised fixture, and a writer of
search documents (tests/search/listings.py)."""
from __future__ import annotations

import os
import uuid

import pytest

from search.embeddings import HashingEmbedder
from search.factory import create_backend
from search.ranking import RankingSettings
from search.service import Searcher
from tests.search.listings import upserts

OPENSEARCH_URL = os.environ.get("MARKETPLACE_TEST_OPENSEARCH_URL")
# Every index this run creates starts with this prefix, so runs never see each other's data.
RUN_PREFIX = f"yiqi-test-{uuid.uuid4().hex[:8]}"


# "embedded-ann": the embedded backend with every vector search through its approximate index, which a
# catalogue this small would otherwise never reach.
@pytest.fixture(params=["embedded", "embedded-ann", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def backend_kind(request):
    return request.param


@pytest.fixture
def ranking(backend_kind):
    return RankingSettings(ann_min_rows=1, exact_max_rows=0) if backend_kind == "embedded-ann" else RankingSettings()


@pytest.fixture
def backend(backend_kind, ranking, tmp_path):
    if backend_kind.startswith("embedded"):
        backend = create_backend({"backend": "embedded", "path": str(tmp_path / "search-index")}, ranking)
    else:
        if not OPENSEARCH_URL:
            pytest.skip("MARKETPLACE_TEST_OPENSEARCH_URL is not set (scripts/opensearch.sh start, then its url)")
        backend = create_backend({"backend": "opensearch", "url": OPENSEARCH_URL,
                                  "index": f"{RUN_PREFIX}-{uuid.uuid4().hex[:6]}"}, ranking)
    backend.ensure_ready()
    yield backend
    backend.clear()
    backend.close()


@pytest.fixture
def embedder():
    return HashingEmbedder()


@pytest.fixture
def searcher(backend, embedder, ranking):
    return Searcher(backend, embedder, ranking)


@pytest.fixture
def put(backend, embedder):
    def write(*documents, version: int = 1):
        return backend.write(upserts(embedder, documents, version))
    return write
