"""Every value that decides how listings are ranked, in one frozen object.

The composition root (marketplace/search_gateway.py) makes one RankingSettings and hands it to the
Searcher (fusion) and to the backend it builds (keyword leg, vector leg); bench/quality.py measures
variants of it. Each value names the measurement that chose it: ranking quality on the labelled
development set (bench/results/ranking-<model>.md, `python -m bench.quality --sweep --model M`) or speed and recall of
the vector leg (bench/results/search.md, `python -m bench.search`).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class RankingSettings:
    # -- fusion (search.service, search.fusion) --------------------------------------------------
    # The fused score is keyword_share * the keyword leg's score (BM25 over the best match's) plus the
    # rest times the vector leg's (1 for the most similar candidate, 0 at similarity_window below it).
    # Per model (MODEL_VALUES): a model whose vectors rank well earns a smaller keyword share, and the
    # window follows the model's similarity scale. These defaults serve models whose cosines spread from
    # 0 to 1: all-MiniLM-L6-v2 and use-multilingual-v3 both ranked best at a share of 0.7 of those
    # measured (0.5 to 0.7), with windows of 0.05 to 0.3 alike for MiniLM (docs/perf-log.md, 2026-12-03).
    keyword_share: float = 0.7
    similarity_window: float = 0.2
    # How many of each leg's best candidates are fused (a deeper page asks for more). ranking-all-MiniLM-L6-v2.md: 20 to
    # 100 rank alike on the labelled set; each candidate costs OpenSearch work (its k-NN k and hits fetched).
    fusion_depth: int = 50
    # Vector candidates in the other language than the query (search.analysis.language_of), within
    # `cross_lingual_margin` of the best candidate's similarity, have this added to their vector score:
    # without it a Chinese need ranks Chinese listings that share some of its words above the English
    # listings that answer it. 0 (off) for a model that does not place both languages in one space or
    # was not measured; MODEL_VALUES sets it where the tuning sets justified it. The boost steps aside
    # when the best keyword match holds every word of the query (Searcher._cross_lingual_boost).
    cross_lingual_boost: float = 0.0
    cross_lingual_margin: float = 0.02
    # Chinese names of an English query's words (from the synonym dictionary) embedded after its English
    # ones, so that its vector reaches the Chinese listings (search.analysis.embedding_text). 0 for a
    # model that does not read Chinese (MiniLM would embed them as unknown pieces) or does not gain
    # (use-multilingual-v3: hybrid 0.907 / 0.823 on dev / market-tune without, 0.906 / 0.822 with 4).
    chinese_gloss_terms: int = 0
    # English names of the techniques that answer a query's words (techniques.txt) embedded after them:
    # a need described as a problem ("血清样品里细胞因子的浓度") then lies near the instruments that answer
    # it (ELISA, plate readers). 0 for a model not measured with them.
    technique_gloss_terms: int = 0
    # Vector candidates less similar than this (cosine) are dropped. ranking-all-MiniLM-L6-v2.md: 0 to 0.2
    # rank alike and 0.3 loses recall@50 (0.797 against 0.811): 0.2 drops the most noise at no measured loss.
    min_similarity: float = 0.2
    # No padding: when no listing matches a word of the query, its vector candidates are shown only if
    # the best of them is at least this similar; otherwise nothing good matched and the search returns
    # no hit. Per model (MODEL_VALUES): nonsense must fall below it, real queries' best listing above.
    good_match_similarity: float = 0.0
    # Nor when the catalogue lacks most of the query's words: fewer than `known_words_share` of its word
    # groups held by any listing ("减肥 食谱 推荐", "北京 明天 天气预报"), unless a candidate is at least
    # `sure_match_similarity` similar. A model's nearest listings to an everyday question lie as near as
    # to a real need (e5: 0.85-0.88), and a partial match of one place or everyday word ("北京", "water")
    # says nothing. Per model (MODEL_VALUES); at 0 any vector candidate is sure, so that the rule then
    # holds only where no vector leg ran (keyword mode).
    known_words_share: float = 0.4
    sure_match_similarity: float = 0.0
    # Nor when the query asks for instruments or methods (by name, or by a need techniques.txt maps to
    # them) and no listing holds any of them, unless a candidate is at least this similar: the nearest
    # listings to an instrument the catalogue lacks are other instruments. Per model (MODEL_VALUES); at
    # 0 any vector candidate clearly matches, so that the rule then holds only in keyword mode.
    clear_match_similarity: float = 0.0
    # Incomplete listings rank lower but are never hidden: the fused score is multiplied by
    # floor + (1 - floor) * completeness. A product decision (complete listings answer the searcher's
    # questions); ranking-all-MiniLM-L6-v2.md: it costs nothing on the labelled set, whose grades ignore completeness.
    completeness_floor: float = 0.7
    # Soft preferences (search.service.Preferences, read from the query by the marketplace's need
    # understanding) multiply the fused score. A kind multiplier of 2.5 lifts a listing of the kind the
    # intent wants above any other scoring up to 2.5 times as much, so a test-service need shows shared
    # instruments before products for sale and a buyer the reverse, as the grades do (the wrong kind is
    # worth at most 1 of 3), without burying a far better match. Tuning sets, hybrid nDCG@10 and the
    # share of products in the top 5 (docs/perf-log.md, 2026-12-03): market-tune 0.781 / 0.782 / 0.782 /
    # 0.781 at 1.5 / 2 / 2.5 / 3, its 9 buyers' top 5 holding 0.64 / 0.69 / 0.76 / 0.82 products and its
    # 70 test needs' 0.10 / 0.08 / 0.08 / 0.07; dev 0.923 / 0.921 / 0.911 / 0.905 (its labels follow
    # the demo's words, not the intent). 1 (off): market-tune 0.755.
    preferred_kind_multiplier: float = 2.5
    # A listing in the place the searcher named ranks higher, one in the same province a little;
    # a place is a convenience (samples can be posted), so less than the kind.
    preferred_region_multiplier: float = 1.25
    preferred_province_multiplier: float = 1.1
    # A listing holding every certification the searcher asked for (CMA, CNAS).
    preferred_certifications_multiplier: float = 1.25

    # -- keyword leg (both backends) --------------------------------------------------------------
    # BM25 weight of a match in the title against one in the body. ranking-all-MiniLM-L6-v2.md: heavier ranked better
    # up to 5 (hybrid nDCG@10 0.934 at 1, 0.939 at 3, 0.941 at 5): a candidate for the next labelled set.
    title_weight: float = 3.0
    # The keyword leg ANDs the query's groups; when that finds fewer filtered listings than this, it
    # relaxes (drops words no listing has, then ORs). ranking-all-MiniLM-L6-v2.md: 10 to 50 rank alike; at 5, nDCG@10
    # falls to 0.892 and recall@50 to 0.770 (from 0.939 and 0.811).
    enough_matches: int = 20
    # A word is too common to OR in when it is in more than half of the listings and in at least this
    # many: BM25 gives it almost no weight, and at 100k listings OR-ing it in made OpenSearch score tens
    # of thousands of matches. Below this count scoring is cheap, and dropping it would lose the only
    # word a small catalogue shares (so the labelled set, 370 listings, cannot measure it).
    common_word_matches: int = 1000
    # Lists that introduce people to each other (a need's matches, a provider's leads) keep only
    # listings with evidence (Searcher, SearchRequest.evidence_required): a shared word held by at most
    # this share of the listings or by at most informative_count of them (a small catalogue, where every
    # word is in a fifth of it), or closeness in meaning for a listing in the other language. Need-style
    # searches of market-tune's test queries (docs/perf-log.md, 2026-12-06): 2,160 listings shown, 0.316
    # of them labelled relevant, without it; 1,634 and 0.392 at 0.2 (0.1 and 0.3 alike), nDCG@10 0.812
    # and 0.811, its long needs 0.657 and 0.668.
    informative_share: float = 0.2
    informative_count: int = 10

    # -- vector leg of the embedded backend (search.embedded) -------------------------------------
    # A filter keeping at most this many listings is scored exactly (every cell probed, recall 1).
    # search.md: the exact scan of 1,000 listings costs about what the approximate search costs at 10,000.
    exact_max_rows: int = 2_000
    # Below this many live listings the index is one cell, so every search is exact; from it on, k-means
    # cells. search.md: the exact scan grows with the catalogue (at 10k it takes twice the approximate
    # search's time, at 100k six times) while the approximate search finds 0.99 of the exact top 50.
    ann_min_rows: int = 5_000
    # k-means cells per square root of the live listings (632 cells at 100k), the share of them a query
    # probes (more when a filter keeps fewer listings, so that about as many filtered vectors are scored
    # as an unfiltered search would score), and the fewest probes. ann.md: these find 0.985 to 0.996 of
    # the exact top 50 at 10k and 30k listings, in a quarter to a half of the exact scan's time; 16
    # probes lose recall (0.977 filtered at 10k), while 64 probes or one cell per square root gain about
    # 0.01 for twice the time. Below 40k listings the fewest probes decide, so the share is measured
    # only by search.md's 100k row.
    ann_cells_per_sqrt_row: float = 2.0
    ann_probed_share: float = 0.08
    ann_min_probes: int = 32
    # The most probes an unfiltered search makes (the share reaches it at 640k listings). Cells hold
    # about the square root of the listings each, so a share of them scans a share of the catalogue and
    # its time grows with it, while recall depends on the probes: search-1m.md, 64 of 2,000 cells.
    ann_max_probes: int = 64


# The values that follow an embedding model's similarity scale, by model name (EmbedderFingerprint.name):
# e5's cosines are compressed (unrelated listings median 0.833, related 0.868; bench/results/embedders.md),
# USE's and MiniLM's spread from 0 to 1, so one floor and one similarity window cannot serve them all.
# Chosen on the tuning sets (bench/results/ranking-<model>.md, `python -m bench.quality --sweep --model M`).
#
# multilingual-e5-small (ranking-multilingual-e5-small.md): the vector leg is worth far more than MiniLM's
# (market-tune vector-only 0.744 against keyword 0.731), so the keyword share is lower: hybrid nDCG@10 on
# dev / market-tune is 0.907 / 0.780 at 0.5, 0.911 / 0.782 at 0.55, 0.916 / 0.778 at 0.6 and 0.924 /
# 0.769 at 0.7 (rank fusion, before: 0.906 / 0.766). Window 0.05: 0.913 / 0.774 at 0.04, 0.906 / 0.776
# at 0.06 (dev's labels follow the demo's words, so keywords alone nearly saturate it: market-tune decides).
# Candidate floor 0.80: no loss on either set (0.82 starts losing recall, 0.86 costs vector-only 0.16 on
# dev). Good-match floor 0.85: nonsense queries' best listing lies at 0.76 to 0.848, real queries' best
# at 0.858 or more in 95% of the tuning queries (bench probe in docs/perf-log.md).
# Sure-match floor 0.87 with the known-words share 0.4 (docs/perf-log.md, 2026-12-06, seventeenth
# session): on the tuning sets the catalogue holds at least 0.42 of an answerable query's words (a long
# need; short queries 0.5), while of 50 everyday questions over market-tune's catalogue
# (bench/data/offtopic-tune) 40 have fewer than 0.4 of theirs held, and none a listing at 0.885 or more;
# hybrid left 18 of the 50 empty before, 37 with it, every tuning figure unchanged. 0.87, not 0.89: the
# demo catalogue (few English listings) knows too few of an English colloquial question's words, and
# "want to check what is in my plastic" (best 0.873) lost its page at 0.89.
# Clear-match floor 0.93 (docs/perf-log.md, 2026-12-07, twenty-third session): the 8 queries of
# bench/data/absent-tune (instruments the catalogue lacks) whose asked-for instruments no listing holds
# have their best listing at 0.869-0.894, the demo's cone calorimeter query a universal testing machine
# at 0.901; the one answerable query it rescued was dev's LC-MS need at 0.941 (its listings said
# LC-MS/MS, before a224d8d). At 0.90 or 0.93 every tuning figure is the same.
# Cross-lingual boost 0.5 with margin 0.02: market-tune 0.778 without it and at 0.3, 0.782 at 0.5 and 1
# (its 16 cross-lingual queries 0.716 -> 0.748, its 8 long needs 0.687 -> 0.663: docs/perf-log.md);
# margins from 0.01 to 0.03 rank alike, 0.05 lets in the other language's near misses (0.776).
# Chinese gloss terms 4 (docs/perf-log.md, 2026-12-05, eighth session): vector-only dev / market-tune
# 0.770 / 0.775 without, 0.837 / 0.801 with 4, 0.830 / 0.801 with 12; hybrid 0.919 / 0.833 -> 0.921 / 0.836.
# Technique gloss terms 2 (docs/perf-log.md, 2026-12-07, nineteenth session): hybrid reworded-tune
# 0.634 without, 0.646 / 0.661 / 0.649 / 0.642 with 1 / 2 / 3 / 6 (vector-only 0.504 -> 0.554 / 0.572 /
# 0.603 / 0.613); market-tune 0.840 -> 0.838, dev 0.921 either way.
# use-multilingual-v3: floors on its own scale (nonsense best 0.10 to 0.21, real queries' best >= 0.25
# in 95%); keyword share 0.7 with a window of 0.3 ranked best of those measured (dev / market-tune
# 0.925 / 0.753, rank fusion 0.917 / 0.729).
MODEL_VALUES: dict[str, dict[str, Any]] = {
    "multilingual-e5-small": {"keyword_share": 0.55, "similarity_window": 0.05, "min_similarity": 0.80,
                              "good_match_similarity": 0.85, "sure_match_similarity": 0.87,
                              "clear_match_similarity": 0.93, "cross_lingual_boost": 0.5,
                              "cross_lingual_margin": 0.02, "chinese_gloss_terms": 4,
                              "technique_gloss_terms": 2},
    "use-multilingual-v3": {"similarity_window": 0.3, "good_match_similarity": 0.25},
}


def for_model(name: str) -> RankingSettings:
    """The ranking settings for searches embedded with the model `name` (its own values where measured)."""
    return replace(RankingSettings(), **MODEL_VALUES.get(name, {}))
