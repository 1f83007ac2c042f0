"""The search backend contract's writes, on the embedded engine and a real OpenSearch: deletes, external
versions, per-write results, rebuilds and the version and dictionary reports. Each test gets an index of
its own."""
import sys
from dataclasses import replace

import numpy as np
import pytest

from search import analysis
from search.backend import UNKNOWN_ANALYSIS, Delete, Upsert
from search.embeddings import HashingEmbedder
from search.opensearch import mapping
from search.service import Searcher, SearchRequest
from tests.search.catalogue import ALL, HPLC_LISTINGS, HPLC_WUHAN, NMR, SEM, XRD, renamed, upserts
from tests.search.conftest import open_backend
from tests.search.test_backend_contract import refs, search


@pytest.fixture
def catalogue(put):
    assert {r.status for r in put(*ALL)} == {"ok"}


def test_an_empty_index_answers_with_nothing(searcher):
    response = search(searcher, "液相色谱")
    assert response.total == 0 and response.hits == []
    assert search(searcher).total == 0


def test_browsing_without_text_lists_the_filtered_listings_most_complete_first(backend, embedder, searcher, catalogue):
    backend.write(upserts(embedder, [replace(SEM, completeness=0.2)], version=2))
    response = search(searcher, filters={"region": "湖北省"})
    assert set(refs(response)) == {"hplc-wh", "sem", "gc-ms", "column", "need-1"} and response.total == 5
    assert refs(response)[-1] == "sem"
    assert dict(response.facets["kind"]) == {"instrument": 3, "transfer": 1, "need": 1}


def test_a_delete_removes_the_listing_from_search_versions_and_count(backend, searcher, catalogue):
    assert backend.write([Delete("sem", 2)])[0].status == "ok"
    assert "sem" not in refs(search(searcher, "扫描电镜"))
    assert "sem" not in refs(search(searcher, filters={"region": "湖北省"}))
    assert "sem" not in backend.versions() and backend.count() == len(ALL) - 1


def test_writes_older_than_what_the_index_holds_are_stale_not_errors(backend, put, catalogue):
    assert put(replace(SEM, title="SEM v3"), version=3)[0].status == "ok"
    assert put(replace(SEM, title="SEM v2"), version=2)[0].status == "stale"
    assert put(replace(SEM, title="SEM v3 again"), version=3)[0].status == "stale"
    assert backend.write([Delete("sem", 3)])[0].status == "stale"
    assert backend.versions()["sem"] == 3


def test_a_late_upsert_cannot_bring_back_a_deleted_listing(backend, put, searcher, catalogue):
    assert backend.write([Delete("sem", 4)])[0].status == "ok"
    assert put(replace(SEM, title="SEM late"), version=3)[0].status == "stale"
    assert backend.write([Delete("sem", 4)])[0].status == "stale"
    assert "sem" not in backend.versions() and "sem" not in refs(search(searcher, "SEM late"))
    assert put(replace(SEM, title="SEM relisted"), version=5)[0].status == "ok"
    assert backend.versions()["sem"] == 5


def test_a_delete_that_arrives_before_its_listing_keeps_the_listing_out(backend, put):
    assert backend.write([Delete("ghost", 2)])[0].status == "ok"
    assert put(replace(XRD, doc_id="ghost"), version=1)[0].status == "stale"
    assert backend.versions() == {}


def test_each_write_gets_its_own_result_and_a_bad_one_does_not_sink_the_batch(backend, embedder, catalogue):
    good = upserts(embedder, [NMR], version=2)[0]
    bad = Upsert(upserts(embedder, [XRD], version=2)[0].document, np.ones(7, dtype=np.float32))
    results = backend.write([good, bad, Delete("utm", 2)])
    assert [(r.doc_id, r.status) for r in results] == [("nmr", "ok"), ("xrd", "error"), ("utm", "ok")]
    assert results[1].error
    assert backend.versions()["xrd"] == 1


def test_a_rebuild_swaps_in_exactly_the_new_documents_and_keeps_tombstones(backend, embedder, searcher, catalogue):
    backend.write([Delete("xrd", 2)])
    backend.rebuild(upserts(embedder, [HPLC_WUHAN, replace(SEM, title="扫描电镜 rebuilt")], version=2))
    assert backend.versions() == {"hplc-wh": 2, "sem": 2} and backend.count() == 2
    assert refs(search(searcher, "rebuilt")) == ["sem"]
    assert backend.write(upserts(embedder, [XRD], version=1))[0].status == "stale"
    assert backend.write(upserts(embedder, [NMR], version=1))[0].status == "ok"  # writes go to the new index


def test_searches_keep_answering_from_the_old_index_while_a_rebuild_runs(backend, embedder, searcher, catalogue):
    answers = []

    def documents():
        for upsert in upserts(embedder, [SEM, XRD], version=2):
            answers.append(refs(search(searcher, "液相色谱", mode="keyword")))
            yield upsert

    backend.rebuild(documents())
    assert answers and all(set(answer) == HPLC_LISTINGS for answer in answers)
    assert search(searcher, "液相色谱", mode="keyword").total == 0
    assert backend.versions() == {"sem": 2, "xrd": 2}


def test_a_rebuild_from_nothing_leaves_an_empty_index_that_accepts_writes(backend, embedder, put, searcher, catalogue):
    backend.rebuild([])
    assert backend.count() == 0 and search(searcher, "液相色谱").total == 0
    assert put(SEM, version=2)[0].status == "ok"
    assert refs(search(searcher, "扫描电镜")) == ["sem"]


def test_versions_and_count_report_what_was_written(backend, put, catalogue):
    assert put(replace(NMR, title="NMR v7"), version=7)[0].status == "ok"
    assert backend.versions() == {**{d.doc_id: 1 for d in ALL}, "nmr": 7}
    assert backend.count() == len(ALL)


def test_texts_return_the_stored_text_of_live_listings_only(backend, catalogue):
    backend.write([Delete("nmr", 2)])
    texts = backend.texts(["sem", "nmr", "unknown"])
    assert set(texts) == {"sem"}
    assert texts["sem"].title == SEM.title and "扫描电镜" in texts["sem"].terms.split()


def test_an_index_names_the_dictionaries_it_was_built_with(backend, embedder, catalogue, monkeypatch):
    assert backend.analysed_with() == analysis.fingerprint()
    monkeypatch.setattr(analysis, "fingerprint", lambda: "edited-dictionaries")
    backend.rebuild(upserts(embedder, ALL, version=2))
    assert backend.analysed_with() == "edited-dictionaries"


def test_an_index_records_the_model_its_vectors_come_from_and_a_rebuild_the_new_one(backend, embedder, catalogue):
    assert backend.embedded_with() == embedder.fingerprint.key
    other = HashingEmbedder(dimension=32)
    assert other.fingerprint.key != embedder.fingerprint.key
    backend.rebuild(upserts(other, ALL, version=2))
    assert backend.embedded_with() == other.fingerprint.key


def test_a_search_never_compares_vectors_of_two_models(backend, embedder, ranking, catalogue):
    other = HashingEmbedder(dimension=32)  # the configured model changed; the index still holds the old vectors
    response = Searcher(backend, other, ranking).search(SearchRequest("扫描电镜"))
    assert response.mode == "keyword" and [hit.ref for hit in response.hits] == ["sem"]
    assert all(hit.vector_rank is None for hit in response.hits)
    backend.rebuild(upserts(other, ALL, version=2))
    assert Searcher(backend, other, ranking).search(SearchRequest("扫描电镜")).mode == "hybrid"


# Where each backend keeps the format of the indexes it writes and reads.
FORMAT_MODULES = {"search.embedded.engine": "search.embedded.store",
                  "search.opensearch.engine": "search.opensearch.mapping"}


def test_an_index_in_an_older_format_reports_unknown_dictionaries_until_a_rebuild(backend, embedder, catalogue,
                                                                                monkeypatch):
    """What `indexer verify` sees after an upgrade changed the index layout: it asks for a rebuild."""
    monkeypatch.setattr(sys.modules[FORMAT_MODULES[type(backend).__module__]], "FORMAT", "a later format")
    assert backend.analysed_with() == UNKNOWN_ANALYSIS
    backend.rebuild(upserts(embedder, ALL, version=2))
    assert backend.analysed_with() == analysis.fingerprint()


def test_multi_word_synonyms_match_as_one_term_in_any_case_and_spacing(searcher, put):
    put(renamed(XRD, "sem-en", title="Field-emission SCANNING   Electron Microscope", body="Imaging."),
        renamed(XRD, "scattered", title="Electron beam welding", body="Scanning of microscope slides."))
    assert refs(search(searcher, "扫描电镜", mode="keyword")) == ["sem-en"]


def test_a_rebuild_leaves_out_a_document_the_index_refuses_and_still_swaps(backend, embedder, searcher, catalogue):
    bad = Upsert(upserts(embedder, [XRD], version=2)[0].document, np.ones(7, dtype=np.float32))
    refused = backend.rebuild([*upserts(embedder, [SEM], version=2), bad, *upserts(embedder, [NMR], version=2)])
    assert [(r.doc_id, r.status) for r in refused] == [("xrd", "error")] and refused[0].error
    assert backend.versions() == {"sem": 2, "nmr": 2}


@pytest.mark.opensearch
def test_an_opensearch_index_without_a_refresh_interval_gets_one_and_writes_are_searchable_when_acknowledged(
        tmp_path, embedder):
    """Writes wait for a scheduled refresh: an index created without an interval (before the app named
    one) could fall "search idle", where none comes; the first write gives it the interval."""
    backend = next(open_backend("opensearch", tmp_path))
    searcher = Searcher(backend, embedder, backend.ranking)
    index = f"{backend.alias}-v0"
    body = mapping.index_body()
    del body["settings"]["index"]["refresh_interval"]
    backend.client.indices.create(index=index, body={**body, "aliases": {backend.alias: {}}})
    try:
        for version, word in ((1, "scanning"), (2, "transmission")):
            written = backend.write(upserts(embedder, [renamed(SEM, "sem", title=f"{word} electron microscope")],
                                            version))
            assert [r.status for r in written] == ["ok"]
            assert refs(search(searcher, word, mode="keyword")) == ["sem"]  # searchable once acknowledged
        settings = backend.client.indices.get_settings(index=index, name="index.refresh_interval")
        assert settings[index]["settings"]["index"]["refresh_interval"] == mapping.REFRESH_INTERVAL
    finally:
        backend.clear()
