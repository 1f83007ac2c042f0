"""How the keyword leg relaxes a query whose words no listing has all of (same for both backends)."""
from search.analysis import analyse_query
from search.backend import relaxed_stages
from search.ranking import RankingSettings

COMMON = RankingSettings().common_word_matches
GROUPS = analyse_query("液相色谱 检测 胶囊 武汉").groups  # 胶囊: no listing; 检测: in most listings


def labels(stage):
    return [g.label for g in stage.groups], stage.operator


def test_words_no_listing_has_are_dropped_first_then_the_rest_are_or_ed_without_the_most_common():
    stages = relaxed_stages(GROUPS, frequencies=[900, 60_000, 0, 16_000], listings=100_000, common_word_matches=COMMON)
    assert [labels(s) for s in stages] == [(["液相色谱", "检测", "武汉"], "AND"), (["液相色谱", "武汉"], "OR")]


def test_when_every_word_is_present_the_only_relaxation_is_or():
    stages = relaxed_stages(GROUPS, frequencies=[900, 1_000, 50, 16_000], listings=100_000, common_word_matches=COMMON)
    assert [labels(s) for s in stages] == [(["液相色谱", "检测", "胶囊", "武汉"], "OR")]


def test_common_words_still_count_when_nothing_else_is_left():
    stages = relaxed_stages(GROUPS[:3], frequencies=[0, 60_000, 0], listings=100_000, common_word_matches=COMMON)
    assert [labels(s) for s in stages] == [(["检测"], "OR")]


def test_a_single_word_or_words_no_listing_has_leave_nothing_to_relax():
    assert relaxed_stages(GROUPS[:1], frequencies=[0], listings=10, common_word_matches=COMMON) == []
    assert relaxed_stages(GROUPS, frequencies=[0, 0, 0, 0], listings=10, common_word_matches=COMMON) == []


def test_a_small_catalogue_keeps_its_common_words():
    stages = relaxed_stages(GROUPS, frequencies=[3, 1, 0, 1], listings=4, common_word_matches=COMMON)
    assert [labels(s) for s in stages] == [(["液相色谱", "检测", "武汉"], "AND"), (["液相色谱", "检测", "武汉"], "OR")]
