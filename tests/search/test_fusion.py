"""Convex fusion of the keyword and vector legs."""
import pytest

from search.fusion import convex_fusion, keyword_scale, similarity_scale


def fuse(keyword, vector, share=0.5, window=0.1, **boost):
    return convex_fusion(keyword, vector, keyword_share=share, similarity_window=window, **boost)


def test_an_id_found_by_both_legs_beats_ids_found_by_one():
    fused = dict(fuse([("a", 8.0), ("b", 8.0)], [("b", 0.9), ("c", 0.9)]))
    assert fused["b"] > fused["a"] == fused["c"]
    assert fused["b"] == pytest.approx(1.0)


def test_the_keyword_share_decides_between_a_keyword_and_a_vector_winner():
    keyword, vector = [("a", 5.0)], [("c", 0.9)]
    assert [d for d, _ in fuse(keyword, vector, share=0.7)] == ["a", "c"]
    assert [d for d, _ in fuse(keyword, vector, share=0.3)] == ["c", "a"]


def test_scores_keep_their_gaps_where_ranks_would_not():
    """The second keyword match at half the best's BM25 score counts half; a candidate at the edge of
    the similarity window counts nothing from the vector leg."""
    assert keyword_scale([("a", 10.0), ("b", 5.0)]) == {"a": 1.0, "b": 0.5}
    scaled = similarity_scale([("a", 0.90), ("b", 0.88), ("c", 0.85), ("d", 0.70)], window=0.05)
    assert scaled["a"] == 1.0 and scaled["b"] == pytest.approx(0.6) and scaled["c"] == pytest.approx(0.0)
    assert scaled["d"] == 0.0


def test_a_relaxed_stage_match_never_overtakes_the_matches_listed_before_it():
    """The backend lists the listings holding every word first; a partial match further down with a
    higher raw BM25 score is held at the score of the one above it."""
    assert keyword_scale([("every-word", 4.0), ("partial", 6.0), ("weaker", 2.0)]) == {
        "every-word": 1.0, "partial": 1.0, "weaker": 0.5}


def test_boosted_ids_gain_on_the_vector_side_only():
    fused = dict(fuse([("a", 5.0)], [("b", 0.9)], share=0.6, boosted={"b"}, boost=0.5))
    assert fused["a"] == pytest.approx(0.6)
    assert fused["b"] == pytest.approx(0.4 * 1.5)


def test_ties_keep_the_keyword_legs_order_then_the_vector_legs():
    """Vector candidates past the window all score 0: they stay in order of similarity."""
    assert fuse([("b", 1.0)], [("a", 0.5)]) == [("b", 0.5), ("a", 0.5)]
    assert [d for d, _ in fuse([], [("z", 0.9), ("y", 0.5), ("x", 0.4)])] == ["z", "y", "x"]


def test_empty_legs_fuse_to_nothing_and_bad_settings_are_refused():
    assert fuse([], []) == []
    with pytest.raises(ValueError):
        fuse([("a", 1.0)], [], share=1.5)
    with pytest.raises(ValueError):
        fuse([("a", 1.0)], [], window=0.0)
