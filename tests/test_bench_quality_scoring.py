"""The quality benchmark's averages: answerable queries are ranked, unanswerable ones are judged on
whether the search left them empty."""
import math

import pytest


def test_unanswerable_queries_are_scored_apart_by_whether_the_search_showed_nothing():
    from bench.quality import mean_scores  # imports the app; only these tests need it

    queries = [{"relevant": {"a": 3, "b": 2}}, {"relevant": {"c": 3}}, {"relevant": {}}, {"relevant": {"x": 0}}]
    ranked = [["a", "b"], ["z", "c"], [], ["x"]]
    scores = mean_scores(ranked, queries)
    assert scores["recall@10"] == 1.0 and scores["mrr"] == pytest.approx((1 + 1 / 2) / 2)
    assert scores["ndcg@10 all"] == pytest.approx(scores["ndcg@10"] / 2)  # two of four answerable
    assert scores["left empty"] == 0.5  # one of the two unanswerable got nothing


def test_a_set_without_unanswerable_queries_has_no_left_empty_figure():
    from bench.quality import mean_scores

    scores = mean_scores([["a"]], [{"relevant": {"a": 2}}])
    assert scores["ndcg@10"] == 1.0 and math.isnan(scores["left empty"])
