"""Bilingual analysis shared by both backends: segmentation, normalisation, stop words, synonym
expansion at query time, match explanations and highlights."""
import re

import pytest

from search import analysis
from search.highlight import Highlighter


def alternatives(query):
    return {a.surface for group in analysis.analyse_query(query).groups for a in group.alternatives}


def reasons(query, document_terms):
    """The reasons a listing matched, as a hit reports them (analysis.matches)."""
    return [reason for _, reason in analysis.matches(query, document_terms)]


def test_domain_terms_stay_whole_when_chinese_is_segmented():
    words = analysis.words("需要用液相色谱仪检测胶囊中的有关物质，并做形貌观察")
    assert {"液相色谱仪", "检测", "胶囊", "有关物质", "形貌观察"} <= set(words)


def test_latin_terms_keep_their_inner_punctuation_and_are_lower_cased():
    assert analysis.words("ICP-MS 与 LC-MS/MS, GB/T 40069-2021, 10 μL") == [
        "icp-ms", "lc-ms/ms", "gb/t", "40069-2021", "10", "μl"]


def test_full_width_forms_and_dash_variants_are_normalised():
    assert analysis.words("ＨＰＬＣ　GC–MS 10µL") == ["hplc", "gc-ms", "10μl"]


def test_mixed_text_keeps_the_order_of_chinese_and_latin_words():
    assert analysis.words("国产液相色谱仪LC-3000替代Agilent 1260") == ["国产", "液相色谱仪", "lc-3000", "替代",
                                                              "agilent", "1260"]


def test_stop_words_of_both_languages_are_dropped():
    words = analysis.words("我们需要的是 the analysis of impurities 和 杂质")
    assert words == ["analysis", "impurities", "杂质"]
    assert {"的", "需要", "the", "of"} <= analysis.stopwords()


def test_possessives_and_contractions_leave_no_stray_letters():
    # Otherwise "s" and "t" become words a listing must hold, like "coating" and "powder".
    assert analysis.words("a coating's thickness; we don't know what the powder’s made of") == [
        "coating", "thickness", "powder"]


def test_a_letter_standing_alone_is_still_a_word():
    # S-parameters and a field in tesla: cutting the apostrophe's "s" and "t" must not drop these.
    assert analysis.words("矢量网络分析仪 S参数") == ["矢量网络分析仪", "s", "参数"]
    assert analysis.words("9.4 T NMR") == ["9.4", "t", "nmr"]


@pytest.mark.parametrize(("typed", "asked"), [
    ("想测一下塑料成分", ["塑料成分"]),
    ("能不能测一下这种粉末是什么", ["测", "粉末"]),
    ("请问有没有能做XRD的地方，谢谢", ["做", "xrd"]),
    ("where can I get an XRD scan, please", ["xrd", "scan"]),
    ("find out what else is in it, the same again: look at it", []),  # a long need's connecting words
])
def test_the_words_people_wrap_a_need_in_ask_for_nothing(typed, asked):
    # Otherwise they are ANDed with the need (no listing holds 一下 or "where") and counted as words the
    # catalogue lacks by the "no good match" test.
    assert [group.label for group in analysis.analyse_query(typed).groups] == asked


def test_plastic_composition_is_answered_by_the_instruments_that_identify_polymers():
    assert {"ftir", "polymer identification", "塑料鉴定"} <= alternatives("想测一下塑料成分")


@pytest.mark.parametrize(("need", "answered_by"), [
    ("土壤里有哪些细菌，想做菌群组成分析", {"测序仪", "sequencer", "高通量测序"}),
    ("合成了新化合物，需要确认碳氢氮的百分含量", {"元素分析仪", "elemental analyzer"}),
    ("how much alpha helix and beta sheet", {"圆二色", "circular dichroism"}),
    ("血清样品里细胞因子的浓度", {"elisa", "酶标仪", "microplate reader"}),
    ("发动机机油用了多久该换，想看磨损金属含量", {"油液分析", "oil analysis"}),
    ("塑料餐盒装热食会不会有有害物质溶出来", {"食品接触材料", "迁移试验", "food contact material"}),
    ("天线和滤波器的反射和传输特性怎么测", {"网络分析仪", "vector network analyzer"}),
    ("镀膜玻璃上的薄膜有多厚", {"椭偏仪", "ellipsometer"}),
    ("光伏板 隐裂", {"光伏组件", "el检测", "electroluminescence test"}),
    ("光催化反应中产生了什么自由基，想直接检测出来", {"epr", "电子顺磁共振"}),
    ("想分析一下香精里有哪些挥发性成分", {"gc-ms", "气质联用"}),
    ("想在硅片上刻出几十纳米宽的线条图案", {"光刻", "ebl"}),
    ("enantiomeric excess of our product", {"手性色谱柱", "chiral column"}),
    ("our catalyst releases gases when heated - which ones", {"tg-ms", "tg-ftir"}),
    ("催化剂加热时会放出气体，想知道是什么气体", {"tg-ms", "热重红外联用"}),
    ("find a lab for water hardness testing", {"电位滴定", "icp-oes"}),  # not a hardness tester
    ("焊缝探伤", {"x射线探伤", "超声检测", "ct"}),  # a weld, and NDT: a family of methods
    ("无损检测", {"ct", "ultrasonic testing", "渗透检测"}),
    ("PCB X-ray inspection BGA voids", {"工业ct"}),  # an industrial CT takes radiographs too
])
def test_a_need_described_as_a_problem_reaches_the_instruments_that_answer_it(need, answered_by):
    assert answered_by <= alternatives(need)


def test_indexed_terms_add_the_words_inside_long_words_after_the_words_themselves():
    terms = analysis.index_terms("场发射扫描电镜 ICP-MS")
    assert terms[:2] == ["场发射扫描电镜", "icp-ms"]
    assert {"扫描电镜", "电镜", "icp", "ms"} <= set(terms[2:])


def test_a_chinese_query_expands_to_english_synonyms_and_back():
    assert {"hplc", "high performance liquid chromatography"} <= alternatives("液相色谱")
    assert {"液相色谱", "高效液相色谱仪"} <= alternatives("HPLC")
    assert {"扫描电镜", "sem"} <= alternatives("scanning electron microscope")


def test_a_synonym_of_several_words_becomes_one_group_and_one_term():
    query = analysis.analyse_query("scanning electron microscope 武汉")
    assert [g.label for g in query.groups] == ["scanning electron microscope", "武汉"]
    assert ("scanning", "electron", "microscope") in {a.phrase for a in query.groups[0].alternatives}
    assert "scanning.electron.microscope" in {a.term for a in query.groups[0].alternatives}


def test_a_synonym_of_several_words_is_indexed_joined_where_it_occurs():
    terms = analysis.index_terms("Scanning electron microscope for HPLC columns, scanning electron microscope images")
    assert terms.count("scanning.electron.microscope") == 2
    # A shorter synonym inside a longer one is indexed too: "electron microscope" (电镜) finds SEM listings.
    assert terms.count("electron.microscope") == 2
    assert "microscope.images" not in terms  # not a synonym: its words are only indexed one by one


def test_the_fingerprint_names_the_dictionaries_and_the_analysers_version(tmp_path, monkeypatch):
    before = analysis.fingerprint()
    edited = tmp_path / "synonyms.txt"
    edited.write_text(analysis.SYNONYMS_PATH.read_text(encoding="utf-8") + "\n新词, new word\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "SYNONYMS_PATH", edited)
    edited_synonyms = analysis.fingerprint()
    assert edited_synonyms != before
    techniques = tmp_path / "techniques.txt"
    techniques.write_text("新词 => bet\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "TECHNIQUES_PATH", techniques)
    edited_techniques = analysis.fingerprint()
    assert edited_techniques not in (before, edited_synonyms)
    monkeypatch.setattr(analysis, "TERMS_VERSION", analysis.TERMS_VERSION + 1)  # the analyser's own change
    assert analysis.fingerprint() not in (before, edited_synonyms, edited_techniques)


def test_two_words_of_one_synonym_group_ask_for_one_thing():
    assert len(analysis.analyse_query("微量杂质 有关物质 HPLC").groups) == 2


def test_an_unknown_long_chinese_word_also_accepts_the_words_inside_it_and_their_synonyms():
    query = analysis.analyse_query("胶囊剂")
    assert [g.label for g in query.groups] == ["胶囊剂"]
    assert {"胶囊剂", "胶囊", "capsule"} <= alternatives("胶囊剂")


def test_a_need_also_accepts_the_techniques_that_measure_it_in_both_languages():
    assert {"孔隙率", "bet", "压汞仪", "mercury intrusion porosimetry"} <= alternatives("孔隙率")
    listing = analysis.index_text("Mercury intrusion porosimetry of membranes")
    explained = reasons(analysis.analyse_query("孔隙率"), listing)
    assert explained == ["孔隙率 ≈ mercury intrusion porosimetry"]


def test_a_technique_does_not_ask_for_the_needs_it_measures():
    assert "孔隙率" not in alternatives("BET") and "porosity" not in alternatives("压汞仪")


def test_a_query_naming_a_technique_keeps_its_other_words_to_themselves():
    assert {"icp-ms", "aas"} <= alternatives("大米 镉")
    cadmium = analysis.analyse_query("大米 镉 ICP-MS").groups[1]
    assert cadmium.label == "镉" and "aas" not in {a.surface for a in cadmium.alternatives}


def test_techniques_are_glossed_into_the_query_embedding_only_when_asked_for():
    porosity = analysis.analyse_query("孔隙率")
    assert analysis.embedding_text(porosity) == "孔隙率 (void, voids, porosity analysis, pores)"
    assert analysis.embedding_text(porosity, technique_terms=2) == \
        "孔隙率 (void, voids, porosity analysis, pores, bet, specific surface area)"


def test_a_need_described_as_a_problem_embeds_with_the_techniques_that_answer_it():
    cytokines = analysis.embedding_text(analysis.analyse_query("血清样品里细胞因子的浓度"), technique_terms=2)
    assert "elisa" in cytokines.split("(", 1)[1]


def test_a_query_naming_its_technique_embeds_no_other_technique():
    assert analysis.embedding_text(analysis.analyse_query("大米 镉 ICP-MS"), technique_terms=2) == \
        analysis.embedding_text(analysis.analyse_query("大米 镉 ICP-MS"))


@pytest.mark.parametrize("line, message", [
    ("孔隙率 => 无此仪器", "must be in synonyms.txt"),
    ("孔隙率, bet", "is not 'need words => technique words'"),
])
def test_a_techniques_file_with_an_unknown_technique_or_no_arrow_is_refused(tmp_path, monkeypatch, line, message):
    edited = tmp_path / "techniques.txt"
    edited.write_text(line + "\n", encoding="utf-8")
    monkeypatch.setattr(analysis, "TECHNIQUES_PATH", edited)
    with pytest.raises(ValueError, match=message):
        analysis._load_lexicon()


def test_a_query_of_stop_words_only_has_no_groups():
    assert not analysis.analyse_query("的 the of")


def test_matched_terms_name_the_word_or_the_synonym_that_matched():
    query = analysis.analyse_query("液相色谱 杂质 武汉")
    listing = analysis.index_text("HPLC for impurity profiling")
    assert reasons(query, listing) == ["液相色谱 ≈ hplc", "杂质 ≈ impurity"]


def test_matched_terms_require_a_whole_phrase():
    query = analysis.analyse_query("scanning electron microscope")
    assert reasons(query, analysis.index_text("scanning probe; electron microscope")) == []


@pytest.mark.parametrize("surfaces, title, expected", [
    (["hplc"], "<b>HPLC</b> 系统", "&lt;b&gt;<mark>HPLC</mark>&lt;/b&gt; 系统"),
    (["液相色谱"], "国产液相色谱仪", "国产<mark>液相色谱</mark>仪"),
    (["ms"], "LC-MS and terms", "LC-<mark>MS</mark> and terms"),  # Latin surfaces match whole words only
    (["liquid chromatograph"], "Liquid  chromatograph", "<mark>Liquid  chromatograph</mark>"),
])
def test_highlights_escape_html_then_mark_matches(surfaces, title, expected):
    assert Highlighter(surfaces)(title, "")["title"] == [expected]


def test_highlight_snippets_come_from_the_body_around_matches():
    body = "前言。" * 100 + "采用<script>液相色谱</script>分析"
    snippets = Highlighter(analysis.highlight_terms(analysis.analyse_query("HPLC")))("标题", body)["body"]
    assert len(snippets) == 1 and "<mark>液相色谱</mark>" in snippets[0] and "<script>" not in snippets[0]


def test_a_snippet_ends_after_a_match_rather_than_inside_it():
    body = "HPLC " + "x" * 150 + " impurity profiling for generics"
    snippets = Highlighter(["hplc", "impurity profiling"])("标题", body)["body"]
    assert len(snippets) == 1 and snippets[0].startswith("<mark>HPLC</mark> ")
    assert snippets[0].endswith("<mark>impurity profiling</mark>")  # the 160 characters end inside it


@pytest.mark.parametrize("lead", range(0, 12))
def test_a_snippet_starts_and_ends_between_words_not_inside_one(lead):
    body = "x" * lead + " licensing or co-development " * 3 + "membrane" + " of the patents" * 20
    text = Highlighter(["membrane"])("标题", body)["body"][0].replace("<mark>", "").replace("</mark>", "")
    start = body.index(text)
    assert not re.match(r"\w", body[start - 1]) and not re.match(r"\w", body[start + len(text)])
    assert text.startswith(("licensing", "or", "co-", "development")) and text.endswith(("of", "the", "patents"))
    assert text == text.strip()


def test_a_word_longer_than_any_language_has_is_cut_where_the_snippet_ends():
    snippet = Highlighter(["membrane"])("标题", "x" * 150 + " membrane")["body"][0]
    assert snippet.startswith("x" * 50)  # a URL or a code: moving off it would drop the snippet's context


def test_an_english_plural_asks_for_what_its_singular_names():
    assert {"afm", "原子力显微镜"} <= alternatives("atomic force microscopes")
    assert {"gc", "气相色谱仪"} <= alternatives("gas chromatographs")
    assert "water" not in alternatives("Waters ACQUITY") and "time of flight" not in alternatives("flights")
    assert [g.label for g in analysis.analyse_query("mass spectrometers for metals").groups] == [
        "mass spectrometer", "metals"]  # one instrument, not mass and spectrometers


@pytest.mark.parametrize("word", ["analysis", "virus", "glass", "data", "xps", "gas", "ourselves"])
def test_a_word_whose_s_is_no_plural_has_no_singular(word):
    # inflect reads any word as a noun ("analysis" -> "analysi"); a phrase's last word is compared with it.
    assert analysis._singular(word) == word
    assert analysis._singular("spectrometers") == "spectrometer"


def test_a_chinese_query_is_embedded_with_the_english_names_of_its_words():
    text = analysis.embedding_text(analysis.analyse_query("液相色谱 武汉"))
    assert text.startswith("液相色谱 武汉 (") and "hplc" in text and "liquid chromatography" in text


def test_an_english_query_is_embedded_as_typed_plus_only_the_names_it_did_not_type():
    text = analysis.embedding_text(analysis.analyse_query("HPLC impurity test"))
    assert text.startswith("HPLC impurity test (") and "hplc" not in text[len("HPLC impurity test"):]
    assert analysis.embedding_text(analysis.analyse_query("xyzzy plugh")) == "xyzzy plugh"


def test_an_english_query_carries_chinese_names_only_when_asked_a_chinese_query_never():
    english = analysis.analyse_query("HPLC impurity test")
    assert analysis.embedding_text(english).isascii()  # for a model that reads no Chinese
    gloss = analysis.embedding_text(english, chinese_terms=4)[len("HPLC impurity test ("):-1].split(", ")
    chinese = [name for name in gloss if not name.isascii()]
    assert "液相色谱" in chinese and 0 < len(chinese) <= 4
    assert gloss.index(chinese[0]) > max(i for i, name in enumerate(gloss) if name.isascii())  # English first
    glossed = analysis.embedding_text(analysis.analyse_query("液相色谱 武汉"), chinese_terms=4)
    assert all(name.isascii() for name in glossed[len("液相色谱 武汉 ("):-1].split(", "))


@pytest.mark.parametrize("text, language", [
    ("高效液相色谱仪 Agilent 1260", "zh"), ("Liquid chromatograph Waters e2695", "en"),
    ("HPLC impurity test, Wuhan 武", "en"), ("气质", "zh"), ("", "en"),
])
def test_the_language_of_a_text_is_chinese_once_it_has_two_chinese_characters(text, language):
    assert analysis.language_of(text) == language


def test_an_amount_asks_for_no_assay_instrument():
    # "含量" is how much of anything (磨损金属含量, 碳含量); 含量测定 is a drug assay, done by HPLC.
    assert "hplc" not in alternatives("含量") and "hplc" in alternatives("含量测定")


def test_a_property_measured_by_a_named_test_leaves_the_other_words_their_instruments():
    # 冲击强度 is what an impact test measures, not an instrument: were it a technique name, the query
    # would name a technique and 拉伸强度 would lose its universal testing machines.
    assert "万能试验机" in alternatives("拉伸强度 冲击强度")


def test_a_tandem_instrument_answers_what_its_first_stage_names_but_not_the_reverse():
    """An LC-MS/MS does LC-MS work; a single-quadrupole LC-MS cannot do MS/MS."""
    tandem = analysis.index_text("Waters Xevo TQ-S micro LC-MS/MS 三重四极杆")
    single = analysis.index_text("Agilent 6125 LC-MS 单四极杆")
    assert analysis.matches(analysis.analyse_query("液质联用"), tandem)
    assert analysis.matches(analysis.analyse_query("LC-MS"), tandem)
    assert not analysis.matches(analysis.analyse_query("LC-MS/MS"), single)
    assert "py-gc" in analysis.index_terms("Py-GC/MS") and "tga" in analysis.index_terms("TGA/DSC")


def test_a_need_written_apart_asks_for_the_word_its_words_make():
    """"塑料里有什么成分" is 塑料成分 with stop words between: a need for plastic identification (FTIR),
    not for any listing that names plastic and, elsewhere, some composition."""
    for text in ("想测一下我的塑料里有什么成分", "塑料的成分", "塑料成分", "塑料 成分"):
        (group,) = analysis.analyse_query(text).groups
        assert group.label == "塑料成分" and analysis.asks_for_technique(group)
        assert any(a.surface == "ftir" for a in group.alternatives)
    apart = analysis.index_text("可分析塑料的成分")
    assert analysis.matches(analysis.analyse_query("塑料成分"), apart)
    # Other keywords typed apart are asked for each on its own: a need no instrument answers (国产替代,
    # where a listing saying 国产 answers), or a word cut from a longer keyword (活细胞: no 细胞增殖 assay).
    assert [g.label for g in analysis.analyse_query("国产 替代").groups] == ["国产", "替代"]
    assert [g.label for g in analysis.analyse_query("活细胞 增殖").groups] == ["活", "细胞", "增殖"]


def test_a_test_that_answers_its_own_need_words_is_asked_for():
    """"盐雾, 生锈 => 盐雾" (techniques.txt) makes 生锈 a salt-spray need without making 盐雾 a technique
    name; a query naming the test still asks for a method, which the catalogue may lack."""
    for text in ("盐雾试验", "橡胶老化试验", "fatigue test", "塑料的阻燃等级", "检测口罩的细菌过滤效率"):
        assert any(analysis.asks_for_technique(g) for g in analysis.analyse_query(text).groups), text
    assert not any(analysis.asks_for_technique(g) for g in analysis.analyse_query("橡胶 密封圈").groups)


def test_combustion_is_not_a_flammability_test():
    # A carbon-sulfur analyser burns its sample (高频燃烧红外吸收法): no answer to a flame-retardancy need.
    assert "flammability" not in alternatives("燃烧") and "flammability" in alternatives("燃烧性能")


def test_names_joined_into_one_word_ask_for_each_instrument():
    """"SEM+EDS" asks for SEM and EDS, which a listing writing "SEM with EDS" holds; a joined word the
    dictionary knows, or whose parts it does not, stays whole."""
    for joined in ("SEM+EDS", "SEM/EDS", "SEM-EDS"):
        assert [g.label for g in analysis.analyse_query(joined).groups] == ["sem", "eds"]
        assert len(analysis.matches(analysis.analyse_query(joined), analysis.index_text("SEM with EDS"))) == 2
    for whole in ("LC-MS/MS", "x-ray", "high-temperature", "mg/kg"):
        assert len(analysis.analyse_query(whole).groups) == 1, whole
