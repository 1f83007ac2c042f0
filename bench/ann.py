"""The embedded backend's vector leg: the exact scan against the approximate (IVF) index at the app's
settings and at variants of its RankingSettings.ann_* values, on the demo catalogue's embeddings.
The approximate index's time as a share of the exact scan's (one thread, the 40 benchmark queries) and
its recall of the exact top `fusion_depth`, without a filter and with one that keeps the products.
Writes bench/results/ann.md.

    python -m bench.ann --sizes 10000 30000
"""
from __future__ import annotations

import argparse
import tempfile
from dataclasses import replace
from pathlib import Path

from bench.common import query_vectors, table, vector_legs, write_report
from bench.search import QUERIES, RANKING, backend_settings, build_database, documents_and_vectors, load_backend
from search.analysis import analyse_query
from search.backend import BackendQuery, SearchFilters
from search.factory import create_backend
from search.ranking import RankingSettings

VARIANTS: list[tuple[str, dict[str, float]]] = [
    ("app", {}),
    ("probed share 0.04", {"ann_probed_share": 0.04}),
    ("probed share 0.16", {"ann_probed_share": 0.16}),
    ("min probes 16", {"ann_min_probes": 16}),
    ("min probes 64", {"ann_min_probes": 64}),
    ("cells per √rows 1", {"ann_cells_per_sqrt_row": 1.0}),
    ("cells per √rows 4", {"ann_cells_per_sqrt_row": 4.0}),
]
# A filter keeping a part of the demo catalogue's listings (the report says which share).
PRODUCTS = SearchFilters(kinds=("product",))


def run(sizes: list[int]) -> str:
    vectors = query_vectors(QUERIES)
    rows, shares = [], []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"bench-ann-{size}-") as tmp:
            directory = Path(tmp)
            url, _ = build_database(size, directory)
            documents, embeddings, _ = documents_and_vectors(url, "bf16")
            settings = backend_settings("embedded", directory, "unused")
            load_backend(settings, documents, embeddings)
            exact = create_backend(settings, replace(RANKING, ann_min_rows=10**9))
            kept = exact.search(BackendQuery(keywords=analyse_query(""), vector=None, legs=frozenset({"keyword"}),
                                             filters=PRODUCTS, keyword_depth=1)).total
            shares.append(f"{kept / size:.0%} at {size:,}")
            for name, changes in VARIANTS:
                ranking: RankingSettings = replace(RANKING, exact_max_rows=0, **changes)
                approximate = create_backend(settings, ranking)
                cells = []
                for filters in (SearchFilters(), PRODUCTS):
                    exact_ms, approximate_ms, recall = vector_legs(exact, approximate, vectors, RANKING.fusion_depth,
                                                                   filters)
                    cells += [f"{approximate_ms / exact_ms:.2f}", f"{recall:.3f}"]
                approximate.close()
                rows.append([f"{size:,}", name, *cells])
                print(rows[-1], flush=True)
            exact.close()
    return (f"Time of the approximate index as a share of the exact scan's (one thread, median of {len(QUERIES)} "
            f"queries) and its recall of the exact top {RANKING.fusion_depth}; each variant changes one "
            f"RankingSettings value of the app's ({RANKING.ann_cells_per_sqrt_row:g} cells per square root of the "
            f"listings, {RANKING.ann_probed_share:g} of them probed, at least {RANKING.ann_min_probes}). The filtered "
            f"columns keep the products ({', '.join(shares)} of the listings). Recall does not vary between runs "
            "(k-means is seeded); timings on a shared machine do, so compare them loosely.\n\n"
            + table(["listings", "variant", "time / exact", "recall", "filtered: time / exact", "filtered: recall"],
                    rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 30_000])
    args = parser.parse_args()
    print(write_report("ann", "Approximate vector search in the embedded backend", run(args.sizes)))


if __name__ == "__main__":
    main()
