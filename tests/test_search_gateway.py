"""SearchGateway: the settings it hands to search/, and preload, what `app:create_server_app()` does
before gunicorn forks its workers."""
from marketplace.search_gateway import SearchGateway
from search.analysis import analyse_query
from search.backend import BackendQuery
from search.embeddings import HashingEmbedder
from tests.search.catalogue import ALL, HPLC_LISTINGS, upserts


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
    gateway.preload()
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
