"""Search quality of labelled sets broken down by query type (the "type" list of each query), per mode.

Also reports recall@10 of grade >= 2, and splits cross-lingual queries by the query's language; the
"zh->en, English listings" rows count only the relevant listings written in English, the figure issue 17
quotes for Chinese queries. The rankings and metrics are bench.quality's, so the "all" rows agree with
`python -m bench.quality`.

    python -m bench.quality_by_type --set bench/data/heldout [--set ...] [--backend embedded|opensearch]
"""
from __future__ import annotations

import argparse
import json
import re
from collections import defaultdict
from pathlib import Path

from bench.common import table, write_report
from bench.quality import MODES, SCORING, mean_scores, number, rankings, read_queries

CJK = re.compile(r"[\u4e00-\u9fff]")


def groups_of(query: dict) -> list[str]:
    types = query.get("type") or []
    names = ["all"] + [t for t in types if t not in ("zh", "en")]
    if "cross_lingual" in types:
        names.append("cross_lingual:" + ("zh->en" if "zh" in types else "en->zh"))
    return names


def kinds_of(path: Path) -> dict[str, str]:
    return {r["ref"]: r["kind"] for r in catalogue(path)}


def kind_shares(runs: list[list[str]], kinds: dict[str, str]) -> list[str]:
    """Shares of instruments, products and transfers among the top 5 (all queries' top 5 together): a
    test need should see shared instruments first, a buyer products (issue 17)."""
    top = [kinds[ref] for run in runs for ref in run[:5]]
    return [f"{top.count(kind) / len(top):.2f}" if top else "-" for kind in ("instrument", "product", "transfer")]


def catalogue(path: Path) -> list[dict]:
    return [json.loads(line) for line in (path / "catalogue.jsonl").read_text(encoding="utf-8").splitlines() if line]


def english_refs(path: Path) -> set[str]:
    """Listings written in English: fewer than four Chinese characters in the title and the description's start."""
    return {r["ref"] for r in catalogue(path) if len(CJK.findall(r["title"] + r["description"][:60])) < 4}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", dest="sets", type=Path, action="append", required=True)
    parser.add_argument("--backend", default="embedded", choices=["embedded", "opensearch"])
    args = parser.parse_args()
    rows = []
    for path in args.sets:
        queries = read_queries(path)
        ranked = rankings(path, args.backend, queries)
        members: dict[str, list[int]] = defaultdict(list)
        for i, query in enumerate(queries):
            for name in groups_of(query):
                members[name].append(i)
        english, kinds = english_refs(path), kinds_of(path)
        for i in members.get("cross_lingual:zh->en", []):  # the same queries, judged on their English listings only
            only = dict(queries[i], relevant={r: g for r, g in queries[i]["relevant"].items() if r in english})
            members["cross_lingual:zh->en, English listings"].append(len(queries))
            queries.append(only)
            for mode in MODES:
                ranked[mode].append(ranked[mode][i])
        for name in sorted(members, key=lambda n: (n != "all", n)):
            picked = [queries[i] for i in members[name]]
            for mode in MODES:
                runs = [ranked[mode][i] for i in members[name]]
                r = mean_scores(runs, picked)
                rows.append([path.name, name, len(picked), mode,
                             *(number(r[k]) for k in ("ndcg@10", "recall@10", "recall@50", "mrr", "left empty")),
                             *kind_shares(runs, kinds)])
                print(rows[-1], flush=True)
    body = (f"Backend: {args.backend}. {SCORING} The last three columns are shares of the group's top-5 results "
            "by kind.\n\n"
            + table(["set", "query type", "queries", "mode", "nDCG@10", "recall@10", "recall@50", "MRR",
                     "unanswerable left empty", "instruments in top 5", "products in top 5", "transfers in top 5"],
                    rows))
    print(write_report("quality_by_type", "Search quality by query type", body))


if __name__ == "__main__":
    main()
