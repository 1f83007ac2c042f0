"""Text analysis shared by the backends: segmentation, stop words, synonyms, highlights, fusion."""
from search import analysis
from search.fusion import reciprocal_rank_fusion
from search.highlight import highlight


def test_the_synonym_dictionary_is_large_and_each_term_means_one_thing():
    groups = analysis.synonym_groups()
    members = [m for group in groups for m in group]
    assert len(groups) >= 150
    assert len(members) == len(set(members))


def test_domain_terms_stay_whole_and_latin_terms_keep_their_punctuation():
    words = analysis.words("需要用液相色谱仪检测胶囊中的有关物质，ICP-MS 与 LC-MS/MS")
    assert {"液相色谱仪", "有关物质", "icp-ms", "lc-ms/ms"} <= set(words)
    assert "的" not in words and "需要" not in words


def test_chinese_and_english_names_share_a_concept_in_both_directions():
    def concepts(text):
        return {t for t in analysis.index_terms(text) if t.startswith(analysis.CONCEPT_PREFIX)}

    assert concepts("高效液相色谱仪") & concepts("HPLC system")
    assert concepts("scanning electron microscope") & concepts("扫描电镜")
    assert concepts("核磁共振") & concepts("NMR")


def test_a_query_becomes_groups_of_alternatives_and_two_synonyms_count_once():
    groups = analysis.query_groups("微量杂质 有关物质 HPLC")
    assert len(groups) == 2
    assert all(any(t.startswith(analysis.CONCEPT_PREFIX) for t in g.terms) for g in groups)


def test_matched_groups_explain_a_match_through_a_synonym():
    groups = analysis.query_groups("液相色谱")
    reasons = analysis.matched_groups(groups, analysis.index_terms("HPLC for impurity profiling"))
    assert reasons and reasons[0].startswith("液相色谱 ≈")


def test_highlights_escape_html_and_mark_synonyms():
    marked = highlight("<b>HPLC</b> 系统", "用于 液相色谱 分析 <script>x</script>", ["hplc", "液相色谱"])
    assert marked["title"] == ["&lt;b&gt;<mark>HPLC</mark>&lt;/b&gt; 系统"]
    assert "<script>" not in marked["body"][0] and "<mark>液相色谱</mark>" in marked["body"][0]


def test_reciprocal_rank_fusion_rewards_agreement_and_respects_weights():
    fused = dict(reciprocal_rank_fusion([["a", "b"], ["b", "c"]], k=10))
    assert fused["b"] > fused["a"] > fused["c"]
    weighted = dict(reciprocal_rank_fusion([["a"], ["c"]], k=10, weights=[1.0, 0.1]))
    assert weighted["a"] > weighted["c"]
