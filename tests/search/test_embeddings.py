"""The real sentence-transformers model, loaded offline from the PyPI package, and the test embedder."""
import numpy as np

from search.embeddings import HashingEmbedder, SentenceTransformerEmbedder


def test_the_packaged_model_loads_offline_and_places_similar_needs_closer():
    embedder = SentenceTransformerEmbedder()
    vectors = embedder.embed(["HPLC impurity test for capsules", "liquid chromatography of drug impurities",
                              "tensile strength of steel bars"])
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.embed_query("HPLC") is embedder.embed_query("HPLC")  # repeated queries come from the cache


def test_the_hashing_test_embedder_is_deterministic():
    first, second = HashingEmbedder().embed(["液相色谱 HPLC"]), HashingEmbedder().embed(["液相色谱 HPLC"])
    assert np.array_equal(first, second) and first.shape == (1, 256)
