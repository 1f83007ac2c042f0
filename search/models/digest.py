"""The sha256 that identifies a model's weights."""
from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def sha256_of(paths: Iterable[Path]) -> str:
    """One file's sha256; for a model in several shards, that of their bytes in the order given."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()
