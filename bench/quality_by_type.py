"""Search quality of labelled sets broken down by query type (the "type" list of each query), per mode.

Also reports recall@10 of grade >= 2 on cross-lingual queries, split by the query's language, the
figure issue 17 quotes for Chinese queries whose best listings are written in English.
Uses bench.quality's loading and metrics, so the numbers agree with `python -m bench.quality`.

    python -m bench.quality_by_type --set bench/data/heldout [--set ...] [--backend embedded|opensearch]
"""
from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path

from bench.common import table, write_report
from bench.quality import MODES, load_set, ndcg_at_10, recall_at_50, reciprocal_rank


def recall_at_10(ranked: list[str], relevant: dict[str, int]) -> float:
    wanted = {ref for ref, g in relevant.items() if g >= 2}
    return len(wanted & set(ranked[:10])) / len(wanted) if wanted else 0.0


def groups_of(query: dict) -> list[str]:
    types = query.get("type") or []
    names = ["all"] + [t for t in types if t not in ("zh", "en")]
    if "cross_lingual" in types:
        names.append("cross_lingual:" + ("zh->en" if "zh" in types else "en->zh"))
    return names


def rankings(app, queries: list[dict]) -> dict[str, list[list[str]]]:
    client = app.test_client()
    out = {mode: [] for mode in MODES}
    for query in queries:
        for mode in MODES:
            reply = client.get("/api/v1/search", query_string={"q": query["text"], "mode": mode, "limit": 50,
                                                               **(query.get("filters") or {})})
            out[mode].append([hit["ref"] for hit in reply.get_json()["results"]])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", dest="sets", type=Path, action="append", required=True)
    parser.add_argument("--backend", default="embedded", choices=["embedded", "opensearch"])
    args = parser.parse_args()
    rows = []
    for path in args.sets:
        queries = [json.loads(l) for l in (path / "queries.jsonl").read_text(encoding="utf-8").splitlines() if l]
        with tempfile.TemporaryDirectory(prefix="quality-") as tmp:
            app = load_set(path, args.backend, Path(tmp))
            ranked = rankings(app, queries)
            app.extensions["search"].searcher.backend.clear()
            app.extensions["database"].dispose()
        members: dict[str, list[int]] = defaultdict(list)
        for i, query in enumerate(queries):
            for name in groups_of(query):
                members[name].append(i)
        for name in sorted(members, key=lambda n: (n != "all", n)):
            for mode in MODES:
                picked = [(ranked[mode][i], queries[i]["relevant"]) for i in members[name]]
                mean = lambda metric: sum(metric(r, rel) for r, rel in picked) / len(picked)  # noqa: E731
                rows.append([path.name, name, len(picked), mode, f"{mean(ndcg_at_10):.3f}", f"{mean(recall_at_10):.3f}",
                             f"{mean(recall_at_50):.3f}", f"{mean(reciprocal_rank):.3f}"])
                print(rows[-1], flush=True)
    body = (f"Backend: {args.backend}. Nonsense queries have no relevant listing, so they score 0 on every metric "
            "here; a product that returns nothing for them is judged by hand.\n\n"
            + table(["set", "query type", "queries", "mode", "nDCG@10", "recall@10", "recall@50", "MRR"], rows))
    print(write_report("quality_by_type", "Search quality by query type", body))


if __name__ == "__main__":
    main()
