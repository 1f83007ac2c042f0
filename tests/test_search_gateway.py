"""SearchGateway.preload: what `app:create_server_app()` does before gunicorn forks its workers."""
from marketplace.search_gateway import SearchGateway
from search.analysis import analyse_query
from search.backend import BackendQuery
from search.embeddings import HashingEmbedder
from tests.search.listings import ALL, HPLC_LISTINGS, upserts


def test_preload_leaves_the_index_in_memory_and_no_connection_open(tmp_path):
    gateway = SearchGateway({"SEARCH_BACKEND": "embedded", "SEARCH_PATH": str(tmp_path / "index"),
                             "OPENSEARCH_URL": "", "OPENSEARCH_INDEX": "", "EMBEDDING_MODEL": "hashing",
                             "EMBEDDING_BATCH_SIZE": 8, "EMBEDDING_PRECISION": "fp32"})
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
