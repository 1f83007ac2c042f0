"""A reader's in-memory columns saved beside the index file they were built from, so that the next
process loads them in seconds and catches up from their generation, instead of building them again from
every row: at 1M listings that takes about 45 s, mostly sorting postings and clustering vectors
(bench/results/search-1m.md).

A process that built a large file's columns from scratch (a server's master, before it forks) writes the
checkpoint; every process that starts later reads it. It is keyed by the index file, by the ranking
settings the columns were built with and by the source of the modules that define them, so after an
upgrade or a settings change it is ignored and replaced. The file is a pickle, as trusted as the index
files beside it: only this app writes that directory.
"""
from __future__ import annotations

import functools
import hashlib
import logging
import os
import pickle
import uuid
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from search.embedded.columns import Columns
from search.ranking import RankingSettings

log = logging.getLogger(__name__)

# Smaller indexes load from their rows in about a second: a checkpoint would only take disk space.
MIN_ROWS = 50_000
_MODULES = ("ann.py", "checkpoint.py", "columns.py", "inverted.py")


@functools.cache
def _code_version() -> str:
    digest = hashlib.sha256()
    for name in _MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def _header(file_id: str, ranking: RankingSettings) -> dict[str, Any]:
    return {"file_id": file_id, "code": _code_version(), "ranking": ranking}


def _path(directory: Path, file_id: str) -> Path:
    return directory / f"columns-{file_id}.pickle"


def load(directory: Path, file_id: str, ranking: RankingSettings) -> Columns | None:
    """The columns last saved for this index file, or None when there are none this code can use."""
    try:
        with open(_path(directory, file_id), "rb") as file:
            if not _matches(file, file_id, ranking):
                return None
            columns = pickle.load(file)
    except FileNotFoundError:
        return None
    except Exception as error:  # torn or foreign (saves are renamed into place whole): build from the rows
        log.warning("ignoring the search index checkpoint in %s: %s", directory, error)
        _path(directory, file_id).unlink(missing_ok=True)  # so that a new one is saved
        return None
    return columns if isinstance(columns, Columns) else None


def _matches(file: BinaryIO, file_id: str, ranking: RankingSettings) -> bool:
    return bool(pickle.load(file) == _header(file_id, ranking))


def _usable(directory: Path, file_id: str, ranking: RankingSettings) -> bool:
    try:
        with open(_path(directory, file_id), "rb") as file:
            return _matches(file, file_id, ranking)
    except Exception:  # missing, torn or foreign: not usable
        return False


def save(columns: Columns, directory: Path) -> None:
    """Write the checkpoint of a large file's columns (written whole, then renamed: a reader sees the old
    one or the new one), and delete those of files the index no longer uses."""
    if np.count_nonzero(columns.live) < MIN_ROWS or _usable(directory, columns.file_id, columns.ranking):
        return  # small, or saved already by a process that loaded the same file at the same time
    staged = directory / f".columns-{uuid.uuid4().hex[:12]}.tmp"
    try:
        with open(staged, "wb") as file:
            pickle.dump(_header(columns.file_id, columns.ranking), file, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.dump(columns, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(staged, _path(directory, columns.file_id))
    except OSError as error:  # a full disk costs the next start its speed, never this one its index
        log.warning("could not save the search index checkpoint in %s: %s", directory, error)
        staged.unlink(missing_ok=True)
        return
    for old in directory.glob("columns-*.pickle"):
        if old != _path(directory, columns.file_id):
            old.unlink(missing_ok=True)
