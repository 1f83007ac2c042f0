"""How padded a posted need's matches are: the matches page against the search it starts from.

A need's matches (marketplace.services.matching) are searched with its whole text, which shares common
words (检测, 样品, 报告, testing) with most listings; they keep only listings with evidence of serving it
(SearchRequest.evidence_required) and scoring at least MATCH_SCORE_FLOOR of the best. For each labelled
set, every test-service query without filters is posted as a need (its text as the title), and two
lists of at most 30 are compared: "search", the search `matching.need_search` describes without the
evidence rule (what the page listed until 2026-12-06, less the need's place and certifications), and
"matches", what `matching.matches_for_need` returns. Reported per query type: listings shown per need,
the share of them labelled relevant (grade >= 1; unlabelled counts as not), how many grade >= 2 listings
are shown, nDCG@10, and how many nonsense needs are left with no match. Then the leads each need would
give providers, by the rule until 2026-12-06 and by today's, with the share of them labelled relevant.

    python -m bench.need_matches [--set DIR ...] [--backend embedded|opensearch|both]
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select

from bench.common import table, write_report
from bench.quality import BACKENDS, DATA, answerable, load_set, ndcg_at_10, number, read_queries
from marketplace.models import LISTING_KINDS, Posting, TestNeed
from marketplace.services import matching
from marketplace.services.discovery import search_postings

SHOWN = 30  # the matches page's length
TYPES = ("all", "long_need", "cross_lingual", "colloquial", "nonsense")


def need_queries(path: Path) -> list[dict]:
    """The set's queries a posted test need could say: test-service intent (or nonsense), no filters."""
    return [q for q in read_queries(path) if not q.get("filters")
            and {"intent_test", "long_need", "nonsense"} & set(q.get("type") or [])]


def matched(path: Path, backend: str, queries: list[dict]) -> dict[str, list[list[str]]]:
    """Per variant, each query's matches (refs, best first), and the listings it would be a lead for:
    "leads before" by the rule until 2026-12-06 (among the search's best 10, two shared words of any
    kind), "leads now" by `matching.qualified_matches`."""
    runs: dict[str, list[list[str]]] = {"search": [], "matches": [], "leads before": [], "leads now": []}
    with tempfile.TemporaryDirectory(prefix="need-matches-") as tmp:
        app = load_set(path, backend, Path(tmp))
        searcher = app.extensions["search"].searcher
        with app.extensions["database"].new_session() as session:
            listings = set(session.scalars(select(Posting.id).where(Posting.kind.in_(LISTING_KINDS))))
            for query in queries:
                need = TestNeed(title=query["text"])
                page = search_postings(session, searcher, replace(matching.need_search(need, SHOWN),
                                                                  evidence_required=False))
                runs["search"].append([result.posting.ref for result in page.results])
                runs["leads before"].append([result.posting.ref for result in page.results[:matching.LEAD_RANK_FLOOR]
                                             if len(result.matched_terms) >= 2])
                found = matching.matches_for_need(session, searcher, need, SHOWN)
                runs["matches"].append([match.posting.ref for match in found])
                runs["leads now"].append([match.posting.ref for match in
                                          matching.qualified_matches(session, searcher, need, listings)])
        searcher.backend.clear()
        app.extensions["database"].dispose()
    return runs


def lead_rows(set_name: str, backend: str, queries: list[dict], runs: dict[str, list[list[str]]]) -> list[list[str]]:
    """Per lead rule: (need, listing) pairs offered as leads a need, the share labelled relevant, and
    how many of them are graded 2 or 3."""
    rows = []
    for rule in ("leads before", "leads now"):
        pairs = [(ref, query["relevant"].get(ref, 0)) for query, refs in zip(queries, runs[rule], strict=True)
                 for ref in refs]
        rows.append([set_name, backend, rule.removeprefix("leads "), f"{len(pairs) / len(queries):.2f}",
                     f"{sum(grade > 0 for _, grade in pairs) / len(pairs):.3f}" if pairs else "-",
                     str(sum(grade >= 2 for _, grade in pairs))])
    return rows


def rows_for(set_name: str, backend: str, queries: list[dict], runs: dict[str, list[list[str]]]) -> list[list[str]]:
    rows = []
    for kind in TYPES:
        chosen = [i for i, q in enumerate(queries) if kind == "all" or kind in (q.get("type") or [])]
        if not chosen:
            continue
        every = runs["search"]
        for variant in ("search", "matches"):
            ranked = runs[variant]
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
    rows, leads = [], []
    for path in sets:
        queries = need_queries(path)
        for backend in backends:
            runs = matched(path, backend, queries)
            rows += rows_for(path.name, backend, queries, runs)
            leads += lead_rows(path.name, backend, queries, runs)
    headers = ["set", "backend", "queries", "n", "list", "shown per need", "labelled relevant",
               "grade >= 2 shown", "nDCG@10", "nonsense left empty"]
    body = (f"Each test-service query of the set (no filters) posted as a need; its matches as the matches page "
            f"lists them (at most {SHOWN}: \"matches\") and the search they start from (\"search\": no "
            "evidence rule, no score floor). "
            "market-tune is a tuning set; heldout is never tuned on (bench/data/LABELLING.md).\n\n"
            + table(headers, rows)
            + "\n\nLeads: the listings each need would be offered to as a lead, by the rule until 2026-12-06 "
            f"(\"before\": among the search's best {matching.LEAD_RANK_FLOOR}, two shared words of any kind) and "
            f"now (`matching.qualified_matches`: among the matches' best {matching.LEAD_RANK_FLOOR}, "
            f"{matching.LEAD_MIN_TELLING_TERMS} telling shared words).\n\n"
            + table(["set", "backend", "rule", "leads a need", "labelled relevant", "graded 2 or 3"], leads))
    print(body)
    write_report("need-matches", "A posted need's matches: padding", body, module="need_matches")


if __name__ == "__main__":
    main()
