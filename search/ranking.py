"""Every value that decides how listings are ranked, in one frozen object.

The composition root (marketplace/search_gateway.py) makes one RankingSettings and hands it to the
Searcher (fusion) and to the backend it builds (keyword leg, vector leg); bench/quality.py measures
variants of it. Each value names the measurement that chose it: ranking quality on the labelled
development set (bench/results/ranking.md, `python -m bench.quality --sweep`) or speed and recall of
the vector leg (bench/results/search.md, `python -m bench.search`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RankingSettings:
    # -- fusion (search.service) ------------------------------------------------------------------------
    # Reciprocal rank fusion's k: a small k lets the top ranks of each leg dominate. ranking.md: 10
    # ranked best of 5 to 60 (the textbook 60 flattens the keyword leg's clear winners).
    rrf_k: int = 10
    # Keyword matching with the synonym dictionary is the stronger leg on the labelled set, so the vector
    # leg mostly adds what no word matched (recall) and breaks near-ties. ranking.md: a heavier vector
    # weight lowered nDCG@10, a lighter one lost recall@50.
    keyword_weight: float = 1.0
    vector_weight: float = 0.05
    # How many of each leg's best candidates are fused. ranking.md: 50 ranks as well as 100 on the
    # labelled set; it halves OpenSearch's work per search (the k-NN k and the hits fetched).
    fusion_depth: int = 50
    # Vector candidates less similar than this (cosine) are dropped: below it the default model's
    # neighbours are noise. ranking.md: 0.2 against 0.0 to 0.3.
    min_similarity: float = 0.2
    # Incomplete listings rank lower but are never hidden: the fused score is multiplied by
    # floor + (1 - floor) * completeness. A product decision (a complete listing serves the searcher
    # better); ranking.md shows what it costs on the labelled set, whose relevance ignores completeness.
    completeness_floor: float = 0.7

    # -- keyword leg (both backends) ----------------------------------------------------------------------
    # BM25 weight of a match in the title against one in the body. ranking.md: 3 against 1, 2 and 5.
    title_weight: float = 3.0
    # The keyword leg ANDs the query's groups; when that finds fewer filtered listings than this, it
    # relaxes (drop words no listing has, then OR). ranking.md: 20 against 5, 10 and 50.
    enough_matches: int = 20
    # A word is too common to OR in when it is in more than half of the listings and in at least this
    # many: BM25 gives it almost no weight, and at 100k listings OR-ing it in made OpenSearch score tens
    # of thousands of matches. Below this count scoring is cheap, and dropping it would lose the only
    # word a small catalogue shares (so the labelled set of 370 listings never reaches it).
    common_word_matches: int = 1000

    # -- vector leg of the embedded backend (search.embedded) ------------------------------------------------
    # A filter keeping at most this many listings is scored exactly (recall 1). search.md: an exact scan
    # of 1,000 rows costs about what the approximate index costs at 10,000 listings.
    exact_max_rows: int = 2_000
    # The approximate (IVF) index is built once the index holds this many live listings. search.md: the
    # exact scan grows with the catalogue (10k: 2x, 100k: 6x the approximate index's time) while the
    # approximate index finds 0.99 of the exact top 50; below 5,000 the exact scan is as quick.
    ann_min_rows: int = 5_000
    # k-means cells per square root of the live listings (632 cells at 100k).
    ann_cells_per_sqrt_row: float = 2.0
    # A query scans this share of the cells, and more when the filter keeps fewer listings, so that about
    # as many filtered vectors are scored as an unfiltered search would score; never fewer than
    # ann_min_probes cells. search.md: recall@50 of the approximate index at each setting.
    ann_probed_share: float = 0.08
    ann_min_probes: int = 32
