"""Sentence embeddings: the real sentence-transformers model, and a tiny deterministic one for unit tests."""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from search import analysis, models
from search.models.digest import sha256_of

# Chosen on the tuning sets (bench/results/quality-models.md): multilingual, best vector leg of the three.
DEFAULT_MODEL = models.E5
QUERY_CACHE_SIZE = 2048
# Listings are embedded from their title and the start of the body: 128 word pieces cover that, and
# measured on 2 cores 128 instead of the model's 256 doubles throughput (24 -> 51 listings/s).
MAX_SEQUENCE_LENGTH = 128
PRECISIONS = ("auto", "fp32", "bf16")


def native_bf16() -> bool:
    """Whether this CPU multiplies bf16 matrices in hardware (AMX tiles). There bf16 embeds 3-4x the
    documents per CPU second of fp32 at cosine >= 0.9999 to its vectors (docs/perf-log.md, 2026-12-03);
    elsewhere torch emulates bf16, which is slower than fp32 (bench/results/embedders.md)."""
    import torch

    return bool(getattr(torch.cpu, "_is_amx_tile_supported", lambda: False)())


@dataclass(frozen=True)
class EmbedderFingerprint:
    """What makes two vectors comparable: an index built with one fingerprint is searched only with
    vectors of the same one."""

    name: str
    weights_sha256: str
    dimension: int
    query_prompt: str
    document_prompt: str

    @property
    def key(self) -> str:
        """What an index records of the model its vectors come from (search.backend.Upsert.model)."""
        return (f"{self.name} sha256:{self.weights_sha256[:16]} dim:{self.dimension} "
                f"prompts:{self.query_prompt!r}/{self.document_prompt!r}")


class Embedder(Protocol):
    @property
    def name(self) -> str:
        """The model's name (its fingerprint's), known before the model loads."""

    @property
    def dimension(self) -> int: ...

    @property
    def ready(self) -> bool:
        """False while the model is still loading: callers then search by keywords only."""

    @property
    def fingerprint(self) -> EmbedderFingerprint: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Documents' vectors (the model's document prompt): float32 (len(texts), dimension), rows
        L2-normalised, computed in batches."""

    def embed_query(self, text: str) -> np.ndarray:
        """One query's vector (the model's query prompt), cached: people repeat queries (pagination,
        facets, back button)."""

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Several queries' vectors at once, uncached (evaluation, benchmarks)."""

    def preload_for_workers(self, threads_per_worker: int) -> None:
        """Load the model now, in a process about to fork its workers (gunicorn --preload): the workers
        share its pages copy-on-write instead of each loading a copy; each computes with
        `threads_per_worker` threads."""


class _LruCache:
    def __init__(self, size: int) -> None:
        self._items: OrderedDict[str, np.ndarray] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> np.ndarray | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: np.ndarray) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class SentenceTransformerEmbedder:
    """Loads on first use (1-5 s; the first use of multilingual-e5-small also converts it, about 10 s),
    offline, thread-safe; then embeds in batches, documents and queries each with their prompt."""

    def __init__(self, model_name_or_path: str = DEFAULT_MODEL, batch_size: int = 64, device: str = "cpu",
                 precision: str = "auto", models_dir: str | None = None) -> None:
        if precision not in PRECISIONS:
            raise ValueError("precision must be auto, fp32 or bf16")
        self.choice = models.choose(model_name_or_path)
        # The packaged USE computes in numpy float32, outside torch.
        self._numpy_model = self.choice.name == models.USE and self.choice.directory is None
        if precision == "bf16" and self._numpy_model:
            raise ValueError(f"{models.USE} computes in numpy float32: precision bf16 does not apply to it")
        self.models_dir = models_dir
        self.batch_size = batch_size
        self.device = device
        # "auto": bf16 where the CPU computes it natively (rankings as fp32's, bench/results/embedders.md;
        # int8 quantisation changed 38% of top-10s, so it is not offered), fp32 elsewhere. Resolved on load.
        self.precision: str | None = None if precision == "auto" else precision
        self._loaded: models.LoadedModel | None = None
        self.model_max_seq_length: int | None = None  # the model's own limit, before MAX_SEQUENCE_LENGTH
        self._fingerprint: EmbedderFingerprint | None = None
        self._load_lock = threading.Lock()
        self._cache = _LruCache(QUERY_CACHE_SIZE)

    @property
    def ready(self) -> bool:
        return self._loaded is not None

    @property
    def name(self) -> str:
        return self.choice.name

    @property
    def dimension(self) -> int:
        return self.load().model.get_embedding_dimension()

    @property
    def fingerprint(self) -> EmbedderFingerprint:
        if self._fingerprint is None:  # computed once: hashing the weights takes up to a few seconds
            loaded = self.load()
            self._fingerprint = EmbedderFingerprint(self.name, sha256_of(loaded.weights), self.dimension,
                                                    loaded.query_prompt, loaded.document_prompt)
        return self._fingerprint

    def load(self) -> models.LoadedModel:
        with self._load_lock:
            if self._loaded is None:
                # Offline: huggingface_hub reads the variable at import, local_files_only covers an earlier import.
                os.environ["HF_HUB_OFFLINE"] = "1"
                if self.precision is None:
                    native = self.device == "cpu" and not self._numpy_model and native_bf16()
                    self.precision = "bf16" if native else "fp32"
                loaded = models.load(self.choice, self.models_dir, self.device, self.precision)
                model = loaded.model
                self.model_max_seq_length = model.max_seq_length
                if model.max_seq_length is not None:
                    model.max_seq_length = min(model.max_seq_length, MAX_SEQUENCE_LENGTH)
                self._loaded = loaded
        return self._loaded

    def preload_for_workers(self, threads_per_worker: int) -> None:
        import torch

        # One thread in the parent until it forks: a thread pool started before fork() is not in the
        # children, and an OpenMP runtime waiting for it there hangs. Each worker then sets its own.
        torch.set_num_threads(1)
        # The fingerprint loads the model and hashes its weights (up to a few seconds), once for every worker.
        self.fingerprint  # noqa: B018
        os.register_at_fork(after_in_child=lambda: torch.set_num_threads(threads_per_worker))

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        model = self.load().model
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(list(texts), prompt=prompt, batch_size=self.batch_size, convert_to_numpy=True,
                               show_progress_bar=False)
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
        # Normalised here, in float32: bf16 rows normalised by the model are off unit length by up to 0.3%.
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.load().document_prompt)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.load().query_prompt)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._cache.get(text)
        if vector is None:
            vector = self.embed_queries([text])[0]
            vector.setflags(write=False)  # shared by every caller of the cache
            self._cache.put(text, vector)
        return vector


class HashingEmbedder:
    """FOR UNIT TESTS ONLY: hashes the analysed tokens into a small signed vector. Deterministic and
    instant, so tests need no model; it knows nothing of meaning beyond shared words."""

    ready = True
    name = "hashing"

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in analysis.index_terms(text):
                digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                vectors[row, bucket] += 1.0 if digest[4] % 2 else -1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    @property
    def fingerprint(self) -> EmbedderFingerprint:
        return EmbedderFingerprint(self.name, "", self.dimension, "", "")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed(texts)

    def preload_for_workers(self, threads_per_worker: int) -> None:
        """Nothing to load: the hashing embedder is a function."""

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
