"""Both backends give every keyword match the same BM25F score (Lucene's combined fields, which the
embedded engine reproduces), so they rank alike. Listings of every length, titles in the weighted field,
words in two query groups; a fresh OpenSearch index, so no deleted document skews its statistics."""
import random
import uuid

import pytest

from search import analysis
from search.backend import BackendQuery
from search.embeddings import HashingEmbedder
from search.factory import create_backend
from search.ranking import RankingSettings
from tests import servers
from tests.search.catalogue import listing, upserts

WORDS = [f"w{i}" for i in range(30)] + ["hplc", "icp-ms", "液相色谱", "扫描电镜"]


@pytest.fixture
def backends(tmp_path):
    pair = [create_backend({"backend": "embedded", "path": str(tmp_path / "index")}, RankingSettings()),
            create_backend({"backend": "opensearch", "url": servers.opensearch_url(),
                            "index": f"yiqi-test-parity-{uuid.uuid4().hex[:8]}"}, RankingSettings())]
    for backend in pair:
        backend.ensure_ready()
    yield pair
    for backend in pair:
        backend.clear()
        backend.close()


@pytest.mark.opensearch
def test_keyword_scores_are_the_same_in_both_backends(backends):
    rng = random.Random(11)
    documents = [listing(f"l{n}", "instrument", " ".join(rng.choices(WORDS, k=rng.randint(1, 8))),
                         " ".join(rng.choices(WORDS[:rng.choice([10, 34])], k=rng.choice([0, 5, 30, 70, 150]))))
                 for n in range(120)]
    for backend in backends:
        assert {result.status for result in backend.write(upserts(HashingEmbedder(), documents))} == {"ok"}
    matched = 0
    for _ in range(25):
        text = " ".join(rng.sample(WORDS, rng.randint(1, 3)))
        query = BackendQuery(keywords=analysis.analyse_query(text), vector=None, legs=frozenset({"keyword"}),
                             keyword_depth=200)
        embedded, opensearch = (dict(backend.search(query).keyword) for backend in backends)
        assert embedded.keys() == opensearch.keys(), text
        assert embedded == pytest.approx(opensearch, rel=1e-4), text
        matched += len(embedded)
    assert matched > 500  # the queries did match (AND, then relaxed to OR where AND found few)
