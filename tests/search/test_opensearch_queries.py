"""The OpenSearch backend's requests and how it reads their answers, without a server: the mapping,
the keyword leg and its relaxation counts, the vector leg, filters and facet aggregations. (The
contract tests run the same code against a real OpenSearch.)"""
import numpy as np
import pytest

from search.analysis import analyse_query
from search.backend import BackendQuery, Delete, KeywordStage, SearchFilters, Upsert
from search.opensearch import mapping, queries
from tests.search.catalogue import SEM

GROUPS = analyse_query("液相色谱 武汉").groups
VECTOR = np.array([0.6, 0.8], dtype=np.float32)


def query(**options):
    return BackendQuery(keywords=options.pop("keywords", analyse_query("液相色谱 武汉")), vector=VECTOR, **options)


def test_a_new_index_is_strict_records_its_format_splits_on_spaces_and_gets_a_replica_with_a_second_node(monkeypatch):
    monkeypatch.setattr(mapping.analysis, "fingerprint", lambda: "dictionaries-1")
    body = mapping.index_body()
    assert body["mappings"]["dynamic"] == "strict"
    assert body["mappings"]["_meta"] == {"analysis": "dictionaries-1", "format": mapping.FORMAT}
    assert body["settings"]["index"]["auto_expand_replicas"] == "0-1"  # a replica once there is a second node
    assert body["settings"]["analysis"]["analyzer"]["tokens"] == {"type": "custom", "tokenizer": "whitespace"}
    properties = body["mappings"]["properties"]
    assert properties["title_terms"]["analyzer"] == "tokens" and properties["title_terms"]["index_options"] == "freqs"
    assert properties["title"] == {"type": "text", "index": False, "store": True}  # stored for highlights only
    assert "vector" not in properties  # added with the first upsert, when its dimension is known


def test_the_vector_field_is_a_cosine_hnsw_of_the_embedders_dimension():
    field = mapping.vector_mapping(384)["properties"]["vector"]
    assert field["dimension"] == 384 and field["method"]["space_type"] == "cosinesimil"


def test_a_listing_is_indexed_with_its_terms_derived_levels_and_vector_and_a_delete_as_a_tombstone():
    source = mapping.listing_source(Upsert(SEM, VECTOR), ("场发射 扫描电镜", "形貌"), written_at=5.0)
    assert (source["doc_id"], source["version"], source["live"], source["written_at"]) == ("sem", 1, True, 5.0)
    assert (source["title_terms"], source["body_terms"]) == ("场发射 扫描电镜", "形貌")
    assert (source["province"], source["top_category"]) == ("湖北省", "分析仪器")
    assert source["certifications"] == ["CMA", "CNAS"] and source["vector"] == pytest.approx([0.6, 0.8])
    assert mapping.tombstone_source(Delete("sem", 4), written_at=6.0) == {"doc_id": "sem", "version": 4,
                                                                          "live": False, "written_at": 6.0}


def test_every_filter_becomes_a_clause_and_paths_match_whole_segments():
    clauses = queries.filter_clauses(SearchFilters(
        kinds=("instrument",), region="湖北省/", category="分析仪器", origin="imported", certifications=("CMA", "CNAS"),
        service_modes=("self_service",), price_min=100, price_max=500))
    assert clauses == [
        {"term": {"live": True}},
        {"terms": {"kind": ["instrument"]}},
        {"bool": {"should": [{"term": {"region": "湖北省"}}, {"prefix": {"region": "湖北省/"}}]}},
        {"bool": {"should": [{"term": {"category": "分析仪器"}}, {"prefix": {"category": "分析仪器/"}}]}},
        {"term": {"origin": "imported"}},
        {"term": {"certifications": "CMA"}}, {"term": {"certifications": "CNAS"}},  # all of them
        {"terms": {"service_modes": ["self_service"]}},  # any of them
        {"range": {"price_high": {"gte": 100}}},  # the listing's range reaches into the asked one
        {"range": {"price_low": {"lte": 500}}},
    ]
    assert queries.filter_clauses(SearchFilters()) == [{"term": {"live": True}}]


def test_a_group_matches_any_of_its_alternatives_in_the_weighted_title_or_the_body():
    clause = queries.group_clause(GROUPS[0], title_weight=3.0)["combined_fields"]
    terms = clause["query"].split()
    assert "液相色谱" in terms and "hplc" in terms
    assert clause["fields"] == ["title_terms^3.0", "body_terms"] and clause["operator"] == "or"


def test_the_first_msearch_holds_the_and_of_the_groups_and_the_filtered_knn_leg():
    filters = SearchFilters(kinds=("instrument",))
    searches = queries.first_searches(query(filters=filters, keyword_depth=50, vector_depth=30, min_similarity=0.2),
                                      title_weight=3.0)
    assert [name for name, _ in searches] == ["stage", "vector"]
    stage, vector = (search for _, search in searches)
    assert len(stage["query"]["bool"]["must"]) == len(GROUPS) and stage["size"] == 50
    assert stage["query"]["bool"]["filter"] == queries.filter_clauses(filters)
    knn = vector["query"]["knn"]["vector"]
    assert knn["k"] == vector["size"] == 30 and knn["vector"] == pytest.approx([0.6, 0.8])
    assert knn["filter"] == {"bool": {"filter": queries.filter_clauses(filters)}}  # inside the knn clause
    assert vector["min_score"] == pytest.approx(0.6)  # Lucene's score for cosine 0.2
    for search in (stage, vector):  # hits from doc values only, exact totals, the facets
        assert search["_source"] is False and search["stored_fields"] == "_none_"
        assert search["docvalue_fields"] == mapping.HIT_FIELDS and search["track_total_hits"] is True
        assert set(search["aggs"]) == set(query().facets)


def test_no_words_browse_the_filtered_listings_most_complete_first_and_legs_not_asked_for_are_not_sent():
    searches = dict(queries.first_searches(query(keywords=analyse_query(""), legs=frozenset({"keyword"})), 3.0))
    assert list(searches) == ["browse"]
    assert searches["browse"]["sort"] == [{"completeness": "desc"}, {"written_at": "desc"}, {"doc_id": "asc"}]
    assert [name for name, _ in queries.first_searches(query(legs=frozenset({"vector"})), 3.0)] == ["vector"]


def test_a_relaxed_stage_ors_its_groups_and_relaxation_counts_the_live_listings_and_each_group():
    relaxed = queries.stage_search(KeywordStage(GROUPS, "OR"), query(), title_weight=3.0)["query"]["bool"]
    assert len(relaxed["should"]) == len(GROUPS) and relaxed["minimum_should_match"] == 1 and "must" not in relaxed
    counts = queries.group_counts(GROUPS, title_weight=3.0)
    assert len(counts) == 1 + len(GROUPS) and all(c["size"] == 0 and c["track_total_hits"] for c in counts)
    assert counts[0]["query"] == {"term": {"live": True}}
    assert counts[1]["query"]["bool"]["must"] == [queries.group_clause(GROUPS[0], 3.0)]


def test_facets_count_provinces_and_top_categories_most_frequent_first():
    aggregations = queries.aggregations(("region", "category"))
    assert aggregations["region"]["terms"]["field"] == "province"
    assert aggregations["category"]["terms"]["field"] == "top_category"
    assert aggregations["region"]["terms"]["order"] == [{"_count": "desc"}, {"_key": "asc"}]


def response(*hits, total=None, buckets=None):
    """An _msearch item: hits as (doc id, score)."""
    return {"hits": {"total": {"value": len(hits) if total is None else total},
                     "hits": [{"_score": score, "fields": {"doc_id": [doc_id], "kind": ["instrument"], "ref": [doc_id],
                                                          "completeness": [0.5]}} for doc_id, score in hits]},
            "aggregations": {"kind": {"buckets": [{"key": k, "doc_count": n} for k, n in (buckets or {}).items()]}}}


def test_stricter_stages_rank_first_and_the_last_stage_run_gives_total_and_facets():
    strict = response(("a", 9.0), buckets={"instrument": 1})
    relaxed = response(("b", 8.0), ("a", 7.0), total=40, buckets={"instrument": 40})
    result = queries.read_result(query(facets=("kind",)), [strict, relaxed], {"vector": response(("c", 0.9))})
    assert result.keyword == [("a", 9.0), ("b", 8.0)]
    assert result.vector == [("c", pytest.approx(0.8))]  # back to a cosine
    assert result.total == 40 and result.facets == {"kind": [("instrument", 40)]}
    assert set(result.info) == {"a", "b", "c"} and result.info["a"].completeness == 0.5


def test_when_the_keywords_match_nothing_the_vector_candidates_are_the_match_set():
    vector = response(("c", 0.9), ("d", 0.8), total=1000, buckets={"instrument": 2})
    result = queries.read_result(query(facets=("kind",)), [response(total=0)], {"vector": vector})
    assert result.total == 2 and result.facets == {"kind": [("instrument", 2)]}


def test_an_msearch_item_whose_shards_are_not_ready_is_a_temporary_failure():
    # Seen in the load-and-fault test right after OpenSearch became reachable again: HTTP 200 for the
    # _msearch, and an item "all shards failed" with status 503, which must read as "unavailable now".
    not_ready = {"status": 503, "error": {"type": "search_phase_execution_exception", "reason": "all shards failed",
                                          "phase": "query", "grouped": True, "failed_shards": []}}
    assert queries.failed_for_now(not_ready)
    assert not queries.failed_for_now({"status": 400, "error": {"type": "parsing_exception"}})
