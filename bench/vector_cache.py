"""Document vectors kept across benchmark runs, keyed by text: a larger catalogue embeds only the texts
a smaller one did not (the generator's catalogues are prefixes of each other), and a run interrupted
while embedding keeps what it finished. One SQLite file per model and precision under bench/.cache."""
from __future__ import annotations

import hashlib
import re
import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from search.embeddings import Embedder

CACHE = Path(__file__).parent / ".cache"
CHUNK = 2048  # texts embedded between commits: progress survives an interrupted run
SQLITE_MAX_PARAMETERS = 900


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode()).digest()[:16]


def cache_path(model: str, precision: str) -> Path:
    slug = re.sub(r"[^A-Za-z0-9.-]+", "_", Path(model).name or model)
    return CACHE / f"vectors-{slug}-{precision}.sqlite3"


def cached_embeddings(embedder: Embedder, texts: Sequence[str], path: Path) -> tuple[np.ndarray, float | None]:
    """Vectors of `texts` (documents' prompt), embedding only the distinct texts the cache lacks.
    Returns the vectors and the embedding rate (distinct texts per second) when at least one chunk was
    embedded, else None."""
    path.parent.mkdir(parents=True, exist_ok=True)
    digests = [_digest(text) for text in texts]
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE IF NOT EXISTS vector (digest BLOB PRIMARY KEY, value BLOB NOT NULL)")
        found = _lookup(db, list(dict.fromkeys(digests)))
        missing = {digest: text for digest, text in zip(digests, texts) if digest not in found}
        started, embedded = time.perf_counter(), 0
        pending = list(missing.items())
        for start in range(0, len(pending), CHUNK):
            chunk = pending[start:start + CHUNK]
            vectors = embedder.embed([text for _, text in chunk])  # float32 rows, as Embedder promises
            rows = [(digest, vector.tobytes()) for (digest, _), vector in zip(chunk, vectors)]
            db.executemany("INSERT OR REPLACE INTO vector VALUES (?, ?)", rows)
            db.commit()
            found.update((digest, vector) for (digest, _), vector in zip(chunk, vectors))
            embedded += len(chunk)
            print(f"embedded {embedded:,} of {len(pending):,} uncached texts", flush=True)
        rate = embedded / (time.perf_counter() - started) if embedded >= CHUNK else None
    return np.stack([found[digest] for digest in digests]), rate


def _lookup(db: sqlite3.Connection, digests: list[bytes]) -> dict[bytes, np.ndarray]:
    found: dict[bytes, np.ndarray] = {}
    for start in range(0, len(digests), SQLITE_MAX_PARAMETERS):
        chunk = digests[start:start + SQLITE_MAX_PARAMETERS]
        marks = ",".join("?" * len(chunk))
        for digest, value in db.execute(f"SELECT digest, value FROM vector WHERE digest IN ({marks})", chunk):
            found[digest] = np.frombuffer(value, dtype=np.float32)
    return found
