"""Search quality on labelled sets, through the public search API, for keyword, vector and hybrid modes.

A set is a folder with catalogue.jsonl and queries.jsonl (../shared/eval/README.md). By default: our
development set (bench/data/dev), our own held-out and tuning sets (bench/data/heldout, bench/data/market-tune;
bench/data/LABELLING.md), 50 everyday questions over market-tune's catalogue that nothing answers
(bench/data/offtopic-tune), market-tune's needs wrapped in the words people put around them
(bench/data/filler-tune), described as problems (bench/data/reworded-tune) or written in English as long
needs (bench/data/long-tune), its needs met by English listings asked in Chinese (bench/data/xl-tune),
30 needs for instruments its catalogue lacks (bench/data/absent-tune), heldout's needs described as
problems (bench/data/reworded-heldout and -b, never tuned on) and every set under ../shared/eval/.
Prints and writes bench/results/quality.md with nDCG@10, recall@50 (grade >= 2) and MRR (first
grade >= 2), ranked with the app's RankingSettings (search/ranking.py).

--sweep measures instead what each ranking setting is worth: every RankingSettings value in SWEEP is
varied alone around the app's settings on the sets ranking may be tuned on (dev and market-tune, never
heldout), and bench/results/ranking-<model>.md gets hybrid, keyword and vector quality for each.

    python -m bench.quality [--set DIR ...] [--backend embedded|opensearch|both] [--model NAME ...] [--sweep]
                            [--report quality]
"""
from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

from flask import Flask
from werkzeug.datastructures import MultiDict

from app import create_app
from bench.common import table, write_report
from indexer.worker import Worker
from marketplace import migrations
from marketplace.services import catalog, discovery
from search.embeddings import DEFAULT_MODEL
from search.factory import create_backend
from search.ranking import for_model
from search.service import Searcher

ROOT = Path(__file__).resolve().parents[1]
MODES = ("keyword", "vector", "hybrid")
DATA = Path(__file__).parent / "data"
# Converted models (multilingual-e5-small) are cached here across runs: converting takes about 15 s.
MODELS_DIR = Path(__file__).parent / ".cache" / "models"
BACKENDS = ("embedded", "opensearch")
# The labelled sets ranking settings may be chosen on (bench/data/LABELLING.md): never heldout.
TUNING_SETS = (DATA / "dev", DATA / "market-tune")
# mean_scores' figures, in the reports' order, and their column headers.
SCORE_COLUMNS = ("ndcg@10", "recall@50", "mrr", "ndcg@10 all", "left empty")
SCORE_HEADERS = ["nDCG@10", "recall@50", "MRR", "nDCG@10, unanswerable as 0", "unanswerable left empty"]
SCORING = ("nDCG@10, recall@50 and MRR average the answerable queries (some listing is graded above 0). "
           "The queries no listing answers (nonsense) are scored apart: the share the search left empty "
           "(its \"no good match\" answer). \"nDCG@10, unanswerable as 0\" is the figure these reports gave "
           "until 2026-12-05, which averaged them in as 0.")
# RankingSettings field -> the values tried besides the app's own (--sweep).
SWEEP = {
    "keyword_share": (0.0, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8, 1.0),
    "similarity_window": (0.05, 0.1, 0.3),
    "fusion_depth": (20, 100),
    "min_similarity": (0.0, 0.1, 0.3),
    "completeness_floor": (0.5, 1.0),
    "preferred_kind_multiplier": (1.0, 1.25, 2.0, 3.0),
    "title_weight": (1.0, 2.0, 5.0),
    "enough_matches": (5, 10, 50),
}
# Similarity floors on each model's own scale (bench/results/embedders.md: e5's unrelated listings lie
# around 0.83, related ones around 0.87).
MODEL_SWEEP = {"multilingual-e5-small": {"min_similarity": (0.0, 0.78, 0.8, 0.82, 0.84, 0.86),
                                         "similarity_window": (0.03, 0.04, 0.06, 0.08),
                                         "cross_lingual_boost": (0.0, 0.3, 0.5, 1.0),
                                         "cross_lingual_margin": (0.01, 0.015, 0.03, 0.05),
                                         "chinese_gloss_terms": (0, 2, 8, 12),
                                         "technique_gloss_terms": (0, 1, 3, 6)}}


def default_sets() -> list[Path]:
    shared = ROOT.parent / "shared" / "eval"
    names = ("dev", "heldout", "market-tune", "offtopic-tune", "filler-tune", "reworded-tune", "long-tune",
             "xl-tune", "absent-tune", "reworded-heldout", "reworded-heldout-b")
    found = [Path(__file__).parent / "data" / name for name in names]
    found += sorted(p for p in shared.glob("*") if (p / "queries.jsonl").exists()) if shared.exists() else []
    return found


def ndcg_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    gains = [relevant.get(ref, 0) for ref in ranked[:10]]
    dcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(relevant.values(), reverse=True)[:10]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(k: int, ranked: list[str], relevant: dict[str, int]) -> float:
    """The share of the grade >= 2 listings among the first k."""
    wanted = {ref for ref, g in relevant.items() if g >= 2}
    return len(wanted & set(ranked[:k])) / len(wanted) if wanted else 0.0


def recall_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    return recall_at(10, ranked, relevant)


def recall_at_50(ranked: list[str], relevant: dict[str, int]) -> float:
    return recall_at(50, ranked, relevant)


def reciprocal_rank(ranked: list[str], relevant: dict[str, int]) -> float:
    return next((1 / (i + 1) for i, ref in enumerate(ranked) if relevant.get(ref, 0) >= 2), 0.0)


def load_set(path: Path, backend: str, workdir: Path, model: str = DEFAULT_MODEL):
    # No rate limit: the benchmark asks faster than the API lets one anonymous client (300 a minute).
    config = {"TESTING": True, "SECRET_KEY": "quality", "RATELIMIT_ENABLED": False,
              "DATABASE_URL": f"sqlite:///{workdir / 'quality.sqlite3'}",
              "SEARCH_BACKEND": backend, "SEARCH_PATH": str(workdir / "index"),
              "OPENSEARCH_URL": os.environ.get("MARKETPLACE_OPENSEARCH_URL", "http://127.0.0.1:9200"),
              "OPENSEARCH_INDEX": f"quality-{uuid.uuid4().hex[:8]}", "EMBEDDING_MODEL": model,
              "EMBEDDING_MODELS_PATH": str(MODELS_DIR)}
    app = create_app(config)
    database = app.extensions["database"]
    migrations.upgrade(database.engine)
    with database.new_session() as session:
        report = catalog.import_records(session, catalog.parse_catalogue(path / "catalogue.jsonl"),
                                        default_owner={"name": "Labelled set"})
    if report.errors:
        raise SystemExit(f"{path}: {len(report.errors)} catalogue rows rejected, e.g. {report.errors[0]}")
    searcher = app.extensions["search"].searcher
    Worker(database.new_session, searcher.backend, searcher.embedder).run(until_idle=True, poll_interval=0.01)
    return app


def read_queries(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line]


def rankings(path: Path, backend: str, queries: list[dict], model: str = DEFAULT_MODEL) -> dict[str, list[list[str]]]:
    """Per mode, the top 50 refs the public search API returns for each query, over a scratch copy of the set."""
    ranked: dict[str, list[list[str]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
        app = load_set(path, backend, Path(tmp), model)
        client = app.test_client()
        for query in queries:
            for mode in MODES:
                reply = client.get("/api/v1/search", query_string={"q": query["text"], "mode": mode, "limit": 50,
                                                                   **(query.get("filters") or {})})
                if reply.status_code != 200:
                    raise SystemExit(f"{path.name}: {query['text']!r} ({mode}) answered {reply.status_code}: "
                                     f"{reply.get_data(as_text=True)[:300]}")
                ranked[mode].append([hit["ref"] for hit in reply.get_json()["results"]])
        app.extensions["search"].searcher.backend.clear()
        app.extensions["database"].dispose()
    return ranked


def answerable(query: dict) -> bool:
    """Whether some listing answers the query; the others (nonsense such as "红烧肉的做法") are right to
    get nothing, which nDCG cannot reward."""
    return any(grade > 0 for grade in query["relevant"].values())


def mean_scores(ranked: list[list[str]], queries: list[dict]) -> dict[str, float]:
    """nDCG@10, recall@10 and @50 and MRR averaged over the answerable queries (as trec_eval leaves out
    queries without relevant documents); "ndcg@10 all" counts the others as 0 (this report's figure
    until 2026-12-05); "left empty" is the share of the others that got no result at all (nan: none)."""
    metrics = {"ndcg@10": ndcg_at_10, "recall@10": recall_at_10, "recall@50": recall_at_50, "mrr": reciprocal_rank}
    pairs = list(zip(ranked, queries, strict=True))
    scored = [(r, q) for r, q in pairs if answerable(q)]
    unanswerable = [r for r, q in pairs if not answerable(q)]
    scores = {name: sum(metric(r, q["relevant"]) for r, q in scored) / len(scored) if scored else math.nan
              for name, metric in metrics.items()}
    scores["ndcg@10 all"] = scores["ndcg@10"] * len(scored) / len(pairs) if scored else 0.0
    scores["left empty"] = sum(not r for r in unanswerable) / len(unanswerable) if unanswerable else math.nan
    return scores


def number(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.3f}"


def ranked_by(app: Flask, searcher: Searcher, queries: list[dict], mode: str) -> list[list[str]]:
    """The top 50 refs of each query, searched by the service the API calls but with `searcher`."""
    ranked = []
    with app.extensions["database"].new_session() as session:
        for query in queries:
            filters = {name: str(value) for name, value in (query.get("filters") or {}).items()}  # as in a URL
            args = MultiDict({"q": query["text"], "mode": mode, "limit": "50", **filters})
            page = discovery.search_summaries(session, searcher, discovery.parse_params(args))
            ranked.append([result.posting.ref for result in page.results])
    return ranked


def sweep(app: Flask, name: str, queries: list[dict]) -> list[list[object]]:
    """One row per setting and value: hybrid nDCG@10, recall@50 and MRR, keyword and vector nDCG@10."""
    gateway = app.extensions["search"]
    base, embedder = gateway.searcher.ranking, gateway.searcher.embedder
    rows: list[list[object]] = []
    for setting, values in (SWEEP | MODEL_SWEEP.get(embedder.name, {})).items():
        default = getattr(base, setting)
        for value in sorted({default, *values}):
            ranking = replace(base, **{setting: value})
            backend = create_backend(gateway.settings, ranking)
            searcher = Searcher(backend, embedder, ranking)
            hybrid = mean_scores(ranked_by(app, searcher, queries, "hybrid"), queries)
            keyword = mean_scores(ranked_by(app, searcher, queries, "keyword"), queries)
            vector = mean_scores(ranked_by(app, searcher, queries, "vector"), queries)
            backend.close()
            rows.append([name, setting, f"**{value}** (app)" if value == default else value, f"{hybrid['ndcg@10']:.3f}",
                         f"{hybrid['recall@50']:.3f}", f"{hybrid['mrr']:.3f}", f"{keyword['ndcg@10']:.3f}",
                         f"{vector['ndcg@10']:.3f}"])
            print(rows[-1], flush=True)
    return rows


def run_sweep(backend: str, model: str) -> None:
    rows = []
    for path in TUNING_SETS:
        with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
            app = load_set(path, backend, Path(tmp), model)
            rows += sweep(app, path.name, read_queries(path))
            app.extensions["search"].searcher.backend.clear()
            app.extensions["database"].dispose()
    body = ("Each RankingSettings value varied alone, the others as the app has them (search/ranking.py), on "
            f"the sets ranking may be tuned on ({', '.join(p.name for p in TUNING_SETS)}); backend {backend}; "
            f"model {model} (fp32). nDCG@10, recall@50 (grade >= 2) and MRR of hybrid search, and "
            "nDCG@10 of keyword and of vector search.\n\n"
            + table(["set", "setting", "value", "hybrid nDCG@10", "hybrid recall@50", "hybrid MRR", "keyword nDCG@10",
                     "vector nDCG@10"], rows))
    print(write_report(f"ranking-{model}", "What each ranking setting is worth", body, module="quality"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", dest="sets", type=Path, action="append")
    parser.add_argument("--backend", default="embedded", choices=[*BACKENDS, "both"])
    parser.add_argument("--model", action="append", help=f"embedding model(s) to compare (default {DEFAULT_MODEL})")
    parser.add_argument("--sweep", action="store_true", help="vary each ranking setting on the tuning sets")
    parser.add_argument("--report", default="quality", help="name of the bench/results/*.md file written")
    args = parser.parse_args()
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    model_names = args.model or [DEFAULT_MODEL]
    if args.sweep:
        run_sweep(backends[0], model_names[0])
        return
    rows = []
    for path in args.sets or default_sets():
        queries = read_queries(path)
        count = f"{sum(map(answerable, queries))} + {sum(not answerable(q) for q in queries)}"
        for model in model_names:
            scores = {backend: rankings(path, backend, queries, model) for backend in backends}
            for mode in MODES:
                for backend, ranked in scores.items():
                    r = mean_scores(ranked[mode], queries)
                    rows.append([path.name, count, model, mode, backend, *(number(r[name]) for name in SCORE_COLUMNS)])
                    print(rows[-1], flush=True)
    settings = "; ".join(f"{model}: {for_model(model)}" for model in model_names)
    body = (f"Backend(s): {', '.join(backends)}; ranking (search/ranking.py) {settings}.\n\n{SCORING}\n\n"
            + table(["set", "queries (answerable + not)", "model", "mode", "backend", *SCORE_HEADERS], rows))
    print(write_report(args.report, "Search quality", body, module="quality"))


if __name__ == "__main__":
    main()
