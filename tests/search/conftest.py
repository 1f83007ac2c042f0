"""Fixtures for the search library: every backend behind one parametrised fixture (an empty index per
test, or for modules whose tests only read, one holding the shared catalogue per module), and a writer of
search documents (tests/search/catalogue.py)."""
from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.embeddings import HashingEmbedder
from search.factory import create_backend
from search.ranking import RankingSettings
from search.service import Searcher
from tests import servers
from tests.search.catalogue import ALL, upserts

# Every index this run creates starts with this prefix, so runs never see each other's data.
RUN_PREFIX = f"yiqi-test-{uuid.uuid4().hex[:8]}"


# "embedded-ann": the embedded backend with every vector search through its approximate index, which a
# catalogue this small would otherwise never reach.
BACKENDS = ["embedded", "embedded-ann", pytest.param("opensearch", marks=pytest.mark.opensearch)]


def open_backend(kind: str, tmp_path: Path) -> Iterator:
    if kind == "embedded":
        backend = create_backend({"backend": "embedded", "path": str(tmp_path / "search-index")}, RankingSettings())
    elif kind == "embedded-ann":
        backend = create_backend({"backend": "embedded", "path": str(tmp_path / "search-index")},
                                 RankingSettings(ann_min_rows=1, exact_max_rows=0))
    else:
        backend = create_backend({"backend": "opensearch", "url": servers.opensearch_url(),
                                  "index": f"{RUN_PREFIX}-{uuid.uuid4().hex[:6]}"}, RankingSettings())
    backend.ensure_ready()
    yield backend
    backend.clear()
    backend.close()


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    yield from open_backend(request.param, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def catalogue_backend(request, tmp_path_factory):
    """An index per backend holding tests/search/catalogue.py, written once for a whole module whose
    tests only read it: such a module overrides `backend` with this."""
    for backend in open_backend(request.param, tmp_path_factory.mktemp("catalogue-index")):
        assert {r.status for r in backend.write(upserts(HashingEmbedder(), ALL))} == {"ok"}
        yield backend


@pytest.fixture
def embedder():
    return HashingEmbedder()


@pytest.fixture
def ranking(backend):
    """What the backend ranks with: a searcher over it must fuse with the same settings."""
    return backend.ranking


@pytest.fixture
def searcher(backend, embedder, ranking):
    return Searcher(backend, embedder, ranking)


@pytest.fixture
def put(backend, embedder):
    def write(*documents, version: int = 1):
        return backend.write(upserts(embedder, documents, version))
    return write


@pytest.fixture(scope="session")
def models_dir(tmp_path_factory):
    """Where multilingual-e5-small is converted: once per test session (about 10 s)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def one_torch_thread():
    """As in production (one torch thread per worker process): on two shared cores, torch's second
    thread spins while waiting and made embedding ten times slower under load."""
    import torch

    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)


@pytest.fixture(scope="session")
def e5_embedder(models_dir, one_torch_thread):
    from search.factory import create_embedder

    return create_embedder({"model": "multilingual-e5-small", "models_dir": str(models_dir)})
