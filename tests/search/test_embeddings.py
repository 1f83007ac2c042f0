"""The real sentence-transformers model, loaded offline from the PyPI package, and the test embedder."""
import numpy as np
import pytest

from search.embeddings import HashingEmbedder, SentenceTransformerEmbedder, resolve_model_path
from search.factory import create_embedder


def test_the_packaged_model_loads_offline_and_places_similar_needs_closer():
    embedder = create_embedder({"model": "all-MiniLM-L6-v2"})
    assert not embedder.ready
    vectors = embedder.embed(["HPLC impurity test for capsules", "liquid chromatography of drug impurities",
                              "tensile strength of steel bars"])
    assert embedder.ready and embedder.dimension == 384
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    assert embedder.embed_query("HPLC") is embedder.embed_query("HPLC")  # repeated queries come from the cache


def test_the_model_can_be_named_by_its_local_path():
    path = resolve_model_path("all-MiniLM-L6-v2")
    assert SentenceTransformerEmbedder(path).model_path == path


def test_an_unknown_model_name_fails_at_once_instead_of_downloading():
    with pytest.raises(ValueError, match="never downloaded"):
        SentenceTransformerEmbedder("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")


def test_the_hashing_test_embedder_is_deterministic_small_and_normalised():
    first, second = HashingEmbedder().embed(["液相色谱 HPLC", "扫描电镜"]), HashingEmbedder().embed(["液相色谱 HPLC", "扫描电镜"])
    assert np.array_equal(first, second) and first.shape == (2, 64)
    assert np.allclose(np.linalg.norm(first, axis=1), 1)
    assert HashingEmbedder(dimension=8).embed_query("HPLC").shape == (8,)
