"""Shared pieces of the benchmarks: machine facts, percentiles, markdown tables, corpora."""
from __future__ import annotations

import itertools
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from marketplace.config import default_settings, settings_from_environment
from marketplace.demo.catalogue import generate_catalogue
from search import analysis
from search.backend import BackendQuery, SearchBackend, SearchFilters
from search.factory import create_embedder
from search.ranking import for_model

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
LISTINGS_PER_SCALE = 370  # listings (not needs) in one copy of the demo catalogue


def embedding_settings(**overrides: object) -> dict:
    """The embedder the app is configured with (its default, or MARKETPLACE_EMBEDDING_MODEL ...), as
    search.factory settings: benchmarks measure what a deployment would run."""
    defaults = default_settings(str(ROOT / "instance"))
    config = {**defaults, **settings_from_environment(defaults)}
    return {"model": config["EMBEDDING_MODEL"], "models_dir": config["EMBEDDING_MODELS_PATH"],
            "batch_size": config["EMBEDDING_BATCH_SIZE"], "precision": config["EMBEDDING_PRECISION"], **overrides}


def resolved_precision(requested: str) -> str:
    """What `requested` ("auto" included) computes in on this machine, for a report to name."""
    embedder = create_embedder(embedding_settings(precision=requested))
    embedder.load()
    return embedder.precision


def model_name() -> str:
    return str(embedding_settings()["model"])


def listings(count: int, distinct: int | None = None) -> Iterator[dict]:
    """`count` listings from the demo generator, scaled up as needed (bilingual, realistic lengths).
    With `distinct`, only the first `distinct` are generated and then repeated under new refs: a
    catalogue larger than the texts ever embedded then takes every vector from the cache."""
    generated: list[dict] = []
    produced = 0
    for record in generate_catalogue(scale=min(count, distinct or count) // LISTINGS_PER_SCALE + 1):
        if record["kind"] == "need":
            continue
        yield record
        produced += 1
        if distinct and produced <= distinct:
            generated.append(record)
        if produced == count or produced == distinct:
            break
    for repeat, record in enumerate(itertools.islice(itertools.cycle(generated), count - produced)):
        yield {**record, "ref": f"{record['ref']}-r{repeat // len(generated) + 1}"}


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine_facts() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal")), "?")
    return (f"{os.cpu_count()} cores ({cpu}), {int(memory) // 1024 // 1024} GiB RAM, "
            f"Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join(" --- " for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_report(name: str, title: str, body: str, module: str | None = None) -> Path:
    """bench/results/<name>.md, written by `python -m bench.<module>` (the name unless given)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f"python -m bench.{module or name} " + " ".join(sys.argv[1:])
    text = (f"# {title}\n\nRun {stamp} at revision {git_revision()} on {machine_facts()}.\n\n"
            f"Command: `{command}`\n\n{body}\n")
    path = RESULTS / f"{name}.md"
    path.write_text(text, encoding="utf-8")
    return path


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1]) / 1024
    return float("nan")


def pss_mib(pid: int) -> float:
    """Proportional set size: each shared page counted once over the processes sharing it, so the PSS
    of a server's processes add up to the memory they really take."""
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def machine_busy_seconds() -> float:
    """CPU time all processes on this machine have used since boot (/proc/stat: not idle, iowait, or
    steal, the time the hypervisor gave other machines)."""
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in Path("/proc/stat").read_text().split()[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")


def git_revision() -> str:
    """The commit measured, and whether tracked files differed from it (reports written meanwhile aside)."""
    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)

    try:
        head = git("rev-parse", "--short", "HEAD")
        changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results").stdout
    except OSError:
        return "unknown (no git)"
    if head.returncode:
        return "unknown (not a git checkout)"
    return head.stdout.strip() + (" with uncommitted changes" if changed.strip() else "")



def query_vectors(queries: Sequence[str]) -> list[np.ndarray]:
    """The queries' vectors as the searcher embeds them (with the configured model)."""
    embedder = create_embedder(embedding_settings())
    chinese_terms = for_model(embedder.name).chinese_gloss_terms
    return [embedder.embed_query(analysis.embedding_text(analysis.analyse_query(text), chinese_terms))
            for text in queries]


def vector_legs(exact: SearchBackend, approximate: SearchBackend, vectors: Sequence[np.ndarray], depth: int,
                filters: SearchFilters | None = None) -> tuple[float, float, float]:
    """The vector leg alone on two embedded backends over one index, one exact and one approximate:
    median ms per query of each (one thread) and the approximate one's mean recall of the exact top `depth`."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    timings: dict[str, list[float]] = {"exact": [], "approximate": []}
    recalls = []
    for vector in vectors:
        query = BackendQuery(keywords=analysis.analyse_query(""), vector=vector, legs=frozenset({"vector"}),
                             vector_depth=depth, filters=filters or SearchFilters())
        found = {}
        for name, backend in (("exact", exact), ("approximate", approximate)):
            backend.search(query)  # the first search loads the index (and trains the approximate one)
            started = time.perf_counter()
            found[name] = {doc_id for doc_id, _ in backend.search(query).vector}
            timings[name].append((time.perf_counter() - started) * 1000)
        recalls.append(len(found["exact"] & found["approximate"]) / max(len(found["exact"]), 1))
    torch.set_num_threads(threads)
    return median(timings["exact"]), median(timings["approximate"]), float(np.mean(recalls))
