"""The benchmarks' text-keyed vector cache: a larger catalogue embeds only the texts it has not seen."""
import numpy as np

from bench.vector_cache import cached_embeddings
from search.embeddings import HashingEmbedder


class CountingEmbedder(HashingEmbedder):
    def __init__(self) -> None:
        super().__init__()
        self.embedded: list[str] = []

    def embed(self, texts):
        self.embedded += texts
        return super().embed(texts)


def test_only_distinct_texts_not_yet_cached_are_embedded_and_every_row_gets_its_vector(tmp_path):
    path = tmp_path / "vectors.sqlite3"
    first = CountingEmbedder()
    vectors, _ = cached_embeddings(first, ["HPLC", "扫描电镜", "HPLC"], path)
    assert sorted(first.embedded) == ["HPLC", "扫描电镜"]
    assert np.array_equal(vectors, HashingEmbedder().embed(["HPLC", "扫描电镜", "HPLC"]))

    later = CountingEmbedder()  # another run, a larger catalogue
    vectors, rate = cached_embeddings(later, ["扫描电镜", "NMR", "HPLC"], path)
    assert later.embedded == ["NMR"] and rate is None  # too few embedded to time
    assert np.array_equal(vectors, HashingEmbedder().embed(["扫描电镜", "NMR", "HPLC"]))
