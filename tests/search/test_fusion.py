"""Reciprocal rank fusion of the keyword and vector legs."""
import pytest

from search.fusion import reciprocal_rank_fusion


def test_an_id_found_by_both_legs_beats_ids_found_by_one():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=10))
    assert fused["b"] > fused["a"] > fused["c"]
    assert fused["a"] == pytest.approx(1 / (10 + 1))


def test_weights_scale_each_leg():
    assert [d for d, _ in reciprocal_rank_fusion([["a"], ["c"]], k=10, weights=[1.0, 0.1])] == ["a", "c"]
    assert [d for d, _ in reciprocal_rank_fusion([["a"], ["c"]], k=10, weights=[0.1, 1.0])] == ["c", "a"]


def test_ties_are_broken_by_id_so_pages_are_stable():
    assert reciprocal_rank_fusion([["b"], ["a"]], k=10) == [("a", 1 / 11), ("b", 1 / 11)]


def test_empty_legs_fuse_to_nothing_and_weights_must_match_the_legs():
    assert reciprocal_rank_fusion([[], []], k=10) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([["a"]], k=10, weights=[1.0, 2.0])
