"""How padded a posted need's matches are: the matches page against the search it starts from.

A need's matches (marketplace.services.matching) are searched with its whole text, which shares common
words (检测, 样品, 报告, testing) with most listings; they keep only listings with evidence of serving it
(SearchRequest.evidence_required) and scoring at least MATCH_SCORE_FLOOR of the best. For each labelled
set, every test-service query without filters is posted as a need (its text as the title), and two
lists of at most 30 are compared: "search", the search `matching.need_search` describes without the
evidence rule (what the page listed until 2026-12-06, less the need's place and certifications), and
"matches", what `matching.matches_for_need` returns. Reported per query type: listings shown per need,
the share of them labelled relevant (grade >= 1; unlabelled counts as not), how many grade >= 2 listings
are shown, nDCG@10, and how many nonsense needs are left with no match.

    python -m bench.need_matches [--set DIR ...] [--backend embedded|opensearch|both]
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.common import table, write_report
from bench.quality import BACKENDS, DATA, answerable, load_set, ndcg_at_10, number, read_queries
from marketplace.models import TestNeed
from marketplace.services import matching
from marketplace.services.discovery import search_postings

SHOWN = 30  # the matches page's length
TYPES = ("all", "long_need", "cross_lingual", "colloquial", "nonsense")


def need_queries(path: Path) -> list[dict]:
    """The set's queries a posted test need could say: test-service intent (or nonsense), no filters."""
    return [q for q in read_queries(path) if not q.get("filters")
            and {"intent_test", "long_need", "nonsense"} & set(q.get("type") or [])]


def matched(path: Path, backend: str, queries: list[dict]) -> dict[str, list[list[str]]]:
    """Per variant, each query's matches (refs, best first)."""
    runs: dict[str, list[list[str]]] = {"search": [], "matches": []}
    with tempfile.TemporaryDirectory(prefix="need-matches-") as tmp:
        app = load_set(path, backend, Path(tmp))
        searcher = app.extensions["search"].searcher
        with app.extensions["database"].new_session() as session:
            for query in queries:
                need = TestNeed(title=query["text"])
                page = search_postings(session, searcher, replace(matching.need_search(need, SHOWN),
                                                                  evidence_required=False))
                runs["search"].append([result.posting.ref for result in page.results])
                found = matching.matches_for_need(session, searcher, need, SHOWN)
                runs["matches"].append([match.posting.ref for match in found])
        searcher.backend.clear()
        app.extensions["database"].dispose()
    return runs


def rows_for(set_name: str, backend: str, queries: list[dict], runs: dict[str, list[list[str]]]) -> list[list[str]]:
    rows = []
    for kind in TYPES:
        chosen = [i for i, q in enumerate(queries) if kind == "all" or kind in (q.get("type") or [])]
        if not chosen:
            continue
        every = runs["search"]
        for variant, ranked in runs.items():
            shown = [ranked[i] for i in chosen]
            relevant = [queries[i]["relevant"] for i in chosen]
            listed = sum(len(r) for r in shown)
            labelled = sum(rel.get(ref, 0) > 0 for r, rel in zip(shown, relevant, strict=True) for ref in r)
            good = sum(rel.get(ref, 0) >= 2 for r, rel in zip(shown, relevant, strict=True) for ref in r)
            good_before = sum(queries[i]["relevant"].get(ref, 0) >= 2 for i in chosen for ref in every[i])
            scored = [(r, rel) for r, rel, i in zip(shown, relevant, chosen, strict=True) if answerable(queries[i])]
            unanswerable = [r for r, i in zip(shown, chosen, strict=True) if not answerable(queries[i])]
            ndcg = sum(ndcg_at_10(r, rel) for r, rel in scored) / len(scored) if scored else float("nan")
            rows.append([set_name, backend, kind, str(len(chosen)), variant, f"{listed / len(chosen):.1f}",
                         f"{labelled / listed:.3f}" if listed else "-", f"{good} of {good_before}", number(ndcg),
                         f"{sum(not r for r in unanswerable)} of {len(unanswerable)}" if unanswerable else "-"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", action="append", type=Path, dest="sets",
                        help="labelled set folders (default: bench/data/market-tune and bench/data/heldout)")
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="embedded")
    args = parser.parse_args()
    sets = args.sets or [DATA / "market-tune", DATA / "heldout"]
    backends = BACKENDS if args.backend == "both" else (args.backend,)
    rows = []
    for path in sets:
        queries = need_queries(path)
        for backend in backends:
            rows += rows_for(path.name, backend, queries, matched(path, backend, queries))
    headers = ["set", "backend", "queries", "n", "list", "shown per need", "labelled relevant",
               "grade >= 2 shown", "nDCG@10", "nonsense left empty"]
    body = (f"Each test-service query of the set (no filters) posted as a need; its matches as the matches page "
            f"lists them (at most {SHOWN}: \"matches\") and the search they start from (\"search\": no "
            "evidence rule, no score floor). "
            "market-tune is a tuning set; heldout is never tuned on (bench/data/LABELLING.md).\n\n"
            + table(headers, rows))
    print(body)
    write_report("need-matches", "A posted need's matches: padding", body, module="need_matches")


if __name__ == "__main__":
    main()
