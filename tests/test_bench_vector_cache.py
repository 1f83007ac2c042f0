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


def test_a_repeated_text_gets_its_own_unit_vector_close_to_the_first_ones():
    from bench.search import own_vectors  # imports the app; only this test needs it

    texts = ["HPLC", "扫描电镜", "HPLC", "HPLC", "NMR"]
    vectors = HashingEmbedder().embed(texts)
    moved = own_vectors(texts, vectors)
    assert np.array_equal(moved[[0, 1, 4]], vectors[[0, 1, 4]])  # first occurrences keep theirs
    assert np.allclose(np.linalg.norm(moved, axis=1), 1.0, atol=1e-5)
    for repeat in (2, 3):
        assert 0.99 < float(moved[repeat] @ vectors[0]) < 0.999
    assert not np.allclose(moved[2], moved[3])  # the repeats differ from each other too
