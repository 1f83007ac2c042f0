"""Every selectable embedding model serves the searcher end to end on the embedded backend: listings
embedded with the document prompt, queries with the query prompt."""
from dataclasses import replace

import pytest

from search.factory import create_backend, create_embedder
from search.ranking import for_model
from search.service import Searcher, SearchRequest
from tests.search.catalogue import ALL, HPLC_LISTINGS, listing, upserts

MULTILINGUAL = ["multilingual-e5-small", "use-multilingual-v3"]


@pytest.fixture
def searcher_with(tmp_path, models_dir, one_torch_thread):
    backends = []

    def build(model: str, extra: tuple = (), **changes) -> Searcher:
        """The app's searcher for `model` over the shared catalogue and `extra` listings: its own ranking
        settings (search.ranking.for_model), `changes` aside."""
        embedder = create_embedder({"model": model, "models_dir": str(models_dir)})
        ranking = replace(for_model(embedder.name), **changes)
        backend = create_backend({"backend": "embedded", "path": str(tmp_path / f"index-{model}-{len(backends)}")},
                                 ranking)
        backend.ensure_ready()
        backend.write(upserts(embedder, [*ALL, *extra]))
        backends.append(backend)
        return Searcher(backend, embedder, backend.ranking)

    yield build
    for backend in backends:
        backend.close()


@pytest.mark.parametrize("model", [*MULTILINGUAL, "all-MiniLM-L6-v2"])
def test_each_model_serves_vector_and_hybrid_search(searcher_with, model):
    searcher = searcher_with(model)
    english = searcher.search(SearchRequest("tensile test of plastics", mode="vector"))
    assert english.mode == "vector" and english.hits[0].ref == "utm" and english.hits[0].vector_similarity > 0.2
    hybrid = searcher.search(SearchRequest("液相色谱 有关物质"))
    assert hybrid.mode == "hybrid" and hybrid.hits[0].ref in HPLC_LISTINGS


@pytest.mark.parametrize("model", MULTILINGUAL)
def test_a_multilingual_model_finds_the_listing_written_only_in_english_for_a_chinese_need(searcher_with, model):
    response = searcher_with(model).search(SearchRequest("晶体的物相鉴定和结晶度测试", mode="vector"))
    assert response.hits[0].ref == "xrd"


def test_hybrid_search_lifts_the_english_answer_to_a_chinese_need_above_partial_keyword_matches(searcher_with):
    """"Crystal, diffraction, test": Chinese listings match 测试, only the English
    diffractometer answers it; the cross-lingual boost adds half of its vector score again."""
    need = "晶体 衍射 测试"
    boosted = {hit.ref: hit for hit in searcher_with("multilingual-e5-small").search(SearchRequest(need)).hits}
    plain = {hit.ref: hit for hit in searcher_with("multilingual-e5-small", cross_lingual_boost=0.0).search(
        SearchRequest(need)).hits}
    ranked = sorted(boosted.values(), key=lambda hit: -hit.score)
    assert "xrd" in [hit.ref for hit in ranked[:3]] and boosted["xrd"].score > boosted["hplc-wh"].score
    assert boosted["xrd"].score == pytest.approx(1.5 * plain["xrd"].score)


def test_a_listing_holding_every_word_of_the_query_keeps_its_place_above_the_other_languages_near_misses(
        searcher_with):
    """"Metallography, grain size, inclusions": the Chinese metallography service has every word; the
    model also finds English particle sizers near in meaning (粒度 is particle size). With the leg at
    full weight whatever the keyword match covers, they ranked above the service. (Since the dictionary
    names 金相, 晶粒度 and 夹杂物, the query's gloss ranks the service first in the vector leg too.)"""
    metallography = listing("metallography", "instrument", "金相显微镜 金相分析（晶粒度、夹杂物）",
                            "钢材金相组织评级。\n辽宁省 沈阳市\n分析仪器 光学仪器", region="辽宁省/沈阳市")
    sizers = [listing(f"sizer-{n}", "instrument", title, "Particle size distribution of powders.\n广东省 广州市",
                      region="广东省/广州市")
              for n, title in enumerate(["Malvern Mastersizer 3000 particle analyser",
                                         "Laser diffraction particle sizer (Mastersizer 2000)"])]
    searcher = searcher_with("multilingual-e5-small", extra=(metallography, *sizers))
    response = searcher.search(SearchRequest("金相 晶粒度 夹杂物"))
    assert response.hits[0].ref == "metallography"
    vector = [hit.ref for hit in searcher.search(SearchRequest("金相 晶粒度 夹杂物", mode="vector")).hits]
    assert {"sizer-0", "sizer-1"} <= set(vector), "the sizers are the near misses this is about"


def test_a_list_that_needs_evidence_judges_the_other_languages_listings_by_meaning(searcher_with):
    """The Chinese listings in Wuhan share only the place with the Chinese need, which a third of the
    catalogue holds: dropped. English listings share no word with it (the diffractometer only through
    the dictionary): those the vector leg found above the model's floor stay."""
    searcher = searcher_with("multilingual-e5-small", informative_count=0)
    need = "晶体的物相鉴定和结晶度测试 武汉"
    shown = {hit.ref: hit for hit in searcher.search(SearchRequest(need)).hits}
    kept = {hit.ref for hit in searcher.search(SearchRequest(need, evidence_required=True)).hits}
    assert {"sem", "column", "need-1"} <= set(shown) and not kept & {"sem", "column", "need-1"}
    english = {"xrd", "hplc-bj", "icp-ms"}
    assert english <= kept and all(shown[ref].vector_similarity for ref in english)


def test_an_everyday_question_gets_no_good_match_though_a_listing_holds_its_place(searcher_with):
    """北京 is in the Beijing HPLC's listing, 明天 and 天气预报 in none; e5 places the nearest listings
    about as near as a real need's, so the words decide: a third of them known is no good match."""
    searcher = searcher_with("multilingual-e5-small")
    assert "hplc-bj" in {hit.ref for hit in searcher.search(SearchRequest("北京", mode="keyword")).hits}
    for mode in ("keyword", "hybrid"):
        response = searcher.search(SearchRequest("北京明天天气预报", mode=mode))
        assert (response.hits, response.good_match) == ([], False)
    answered = searcher.search(SearchRequest("北京 液相色谱 检测"))
    assert answered.hits[0].ref == "hplc-bj"
