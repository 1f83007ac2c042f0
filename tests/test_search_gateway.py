"""SearchGateway: the settings it hands to search/, and preload, what `app:create_server_app()` does
before gunicorn forks its workers."""
import os
import subprocess
import sys
from pathlib import Path

from marketplace.search_gateway import SearchGateway
from search.analysis import analyse_query
from search.backend import BackendQuery
from search.embeddings import HashingEmbedder
from tests.search.catalogue import ALL, HPLC_LISTINGS, upserts

ROOT = Path(__file__).resolve().parents[1]


def embedded_gateway(directory, model: str) -> SearchGateway:
    return SearchGateway({"SEARCH_BACKEND": "embedded", "SEARCH_PATH": str(directory / "index"),
                          "OPENSEARCH_URL": "", "OPENSEARCH_INDEX": "", "EMBEDDING_MODEL": model,
                          "EMBEDDING_MODELS_PATH": str(directory / "models"),
                          "EMBEDDING_BATCH_SIZE": 8, "EMBEDDING_PRECISION": "fp32"})


def test_preload_leaves_the_index_in_memory_and_no_connection_open(tmp_path):
    gateway = embedded_gateway(tmp_path, "hashing")
    backend = gateway.searcher.backend
    backend.write(upserts(HashingEmbedder(), ALL))
    backend.close()
    gateway.preload(threads_per_worker=1)
    assert backend._columns is not None and backend.store.open_connections == 0
    loaded = backend._columns
    result = backend.search(BackendQuery(keywords=analyse_query("液相色谱"), vector=None, legs=frozenset({"keyword"})))
    assert {result.info[doc_id].ref for doc_id, _ in result.keyword} == HPLC_LISTINGS
    assert backend._columns is loaded
    gateway.close()


def test_the_gateway_hands_the_models_directory_to_the_embedder(tmp_path):
    gateway = embedded_gateway(tmp_path, "use-multilingual-v3")
    embedder = gateway.searcher.embedder
    assert embedder.choice.name == "use-multilingual-v3" and embedder.models_dir == str(tmp_path / "models")
    assert not embedder.ready  # nothing loads before the first search needs it
    gateway.close()


# A fresh interpreter, as gunicorn's master is: one that already ran torch with several threads (this
# test process) cannot fork safely whatever it does afterwards, which is why preload sets one thread first.
FORKING_SERVER = """
import os, sys, torch
from marketplace.search_gateway import SearchGateway
from search import analysis
gateway = SearchGateway({"SEARCH_BACKEND": "embedded", "SEARCH_PATH": sys.argv[1], "OPENSEARCH_URL": "",
                         "OPENSEARCH_INDEX": "", "EMBEDDING_MODEL": "all-MiniLM-L6-v2", "EMBEDDING_MODELS_PATH": "",
                         "EMBEDDING_BATCH_SIZE": 8, "EMBEDDING_PRECISION": "fp32"})
print("dictionaries before", analysis._lexicon is not None, flush=True)
gateway.preload(threads_per_worker=2)
embedder = gateway.searcher.embedder
print("master", embedder.ready, torch.get_num_threads(), analysis._lexicon is not None, flush=True)
if os.fork() == 0:  # a worker: the master's model, its own thread count
    print("worker", embedder.ready, torch.get_num_threads(), embedder.embed_query("HPLC").shape[0], flush=True)
    os._exit(0)
os.wait()
"""


def test_preload_loads_the_model_and_dictionaries_once_before_the_fork_and_each_worker_computes_with_its_own_threads(
        tmp_path):
    server = subprocess.run([sys.executable, "-c", FORKING_SERVER, str(tmp_path / "index")], capture_output=True,
                            text=True, timeout=240, env={**os.environ, "HF_HUB_OFFLINE": "1"}, cwd=ROOT)
    assert server.returncode == 0, server.stderr
    # The dictionaries too: loaded once, before the fork, instead of by each worker.
    assert server.stdout.split("\n")[:3] == ["dictionaries before False", "master True 1 True", "worker True 2 384"]
