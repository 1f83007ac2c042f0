"""What only the embedded backend has to get right: several processes and threads on one index
directory, in-memory columns that follow other writers, and file swaps under readers."""
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from search.analysis import analyse_query
from search.backend import UNKNOWN_ANALYSIS, BackendQuery, BackendUnavailable, Delete, SearchFilters, Upsert
from search.documents import SearchDocument
from search.embedded import EmbeddedBackend
from search.embeddings import HashingEmbedder
from search.ranking import RankingSettings
from tests.search.catalogue import ALL, HPLC_LISTINGS, NMR, SEM, renamed, upserts

ROOT = Path(__file__).resolve().parents[2]


def keyword_refs(backend, text):
    result = backend.search(BackendQuery(keywords=analyse_query(text), vector=None, legs=frozenset({"keyword"})))
    return {result.info[doc_id].ref for doc_id, _ in result.keyword}


@pytest.fixture
def index_dir(tmp_path):
    return tmp_path / "index"


@pytest.fixture
def writer(index_dir):
    backend = EmbeddedBackend(index_dir, RankingSettings())
    backend.write(upserts(HashingEmbedder(), ALL))
    yield backend
    backend.close()


def test_a_second_instance_sees_what_the_first_one_writes_and_deletes(index_dir, writer):
    reader = EmbeddedBackend(index_dir, RankingSettings())
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS
    writer.write([Delete("xss", 2)])
    writer.write(upserts(HashingEmbedder(), [replace(NMR, title="液相色谱 NMR")], version=2))
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS - {"xss"} | {"nmr"}
    reader.close()


def test_a_reader_follows_a_rebuild_made_by_another_instance(index_dir, writer):
    reader = EmbeddedBackend(index_dir, RankingSettings())
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS
    writer.rebuild(upserts(HashingEmbedder(), [SEM], version=2))
    assert keyword_refs(reader, "液相色谱") == set()
    assert keyword_refs(reader, "扫描电镜") == {"sem"} and reader.versions() == {"sem": 2}
    assert sorted(p.name for p in index_dir.glob("index-*.sqlite3")) == [(index_dir / "CURRENT").read_text()]
    writer.rebuild(upserts(HashingEmbedder(), [NMR], version=3))  # the pointer replaced again, at once
    assert keyword_refs(reader, "扫描电镜") == set() and reader.versions() == {"nmr": 3}
    reader.close()


def test_writes_from_another_process_reach_this_process(index_dir, writer):
    assert keyword_refs(writer, "扫描电镜") == {"sem"}
    script = (
        "from search.embedded import EmbeddedBackend\n"
        "from search.embeddings import HashingEmbedder\n"
        "from search.ranking import RankingSettings\n"
        "from tests.search.catalogue import SEM, renamed, upserts\n"
        f"backend = EmbeddedBackend({str(index_dir)!r}, RankingSettings())\n"
        "results = backend.write(upserts(HashingEmbedder(), [renamed(SEM, 'sem-2', title='扫描电镜 2')]))\n"
        "assert [r.status for r in results] == ['ok'], results\n")
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=True, timeout=60)
    assert keyword_refs(writer, "扫描电镜") == {"sem", "sem-2"}


def test_threads_can_search_while_another_thread_writes(index_dir, writer):
    embedder, errors, stop = HashingEmbedder(), [], threading.Event()
    query = BackendQuery(keywords=analyse_query("液相色谱"), vector=embedder.embed_query("液相色谱"))

    def search_until_stopped():
        try:
            while not stop.is_set():
                assert writer.search(query).keyword
        except Exception as error:  # reported below, in the test's own thread
            errors.append(error)

    readers = [threading.Thread(target=search_until_stopped) for _ in range(4)]
    for thread in readers:
        thread.start()
    for version in range(2, 12):
        writer.write(upserts(embedder, [renamed(NMR, f"nmr-{version}")]))
    stop.set()
    for thread in readers:
        thread.join()
    assert not errors and writer.count() == len(ALL) + 10


def test_a_query_vector_of_another_dimension_is_refused_with_a_reason(writer):
    query = BackendQuery(keywords=analyse_query("液相色谱"), vector=np.ones(5, dtype=np.float32) / np.sqrt(5))
    with pytest.raises(ValueError, match="reindex"):
        writer.search(query)


def _clustered_upserts(count, dimension=48, seed=7):
    """`count` listings whose vectors lie around 40 topics, like embeddings of a real catalogue."""
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(40, dimension))
    vectors = topics[rng.integers(0, 40, count)] + rng.normal(scale=0.6, size=(count, dimension))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    documents = [_clustered(i, 1) for i in range(count)]
    return [Upsert(d, v) for d, v in zip(documents, vectors, strict=True)], vectors


def _clustered(number, version):
    return SearchDocument(doc_id=f"r{number}", version=version, kind="instrument" if number % 4 else "service",
                          ref=f"r{number}", title=f"listing {number}", body="")


def _vector_refs(backend, vector, depth=50, **filters):
    result = backend.search(BackendQuery(keywords=analyse_query(""), vector=vector, legs=frozenset({"vector"}),
                                         vector_depth=depth, filters=SearchFilters(**filters)))
    return [result.info[doc_id].ref for doc_id, _ in result.vector]


def test_the_approximate_index_finds_what_the_exact_scan_finds(tmp_path):
    docs, vectors = _clustered_upserts(4000)
    exact = EmbeddedBackend(tmp_path / "index", RankingSettings(ann_min_rows=10**9))  # never builds it
    approximate = EmbeddedBackend(tmp_path / "index", RankingSettings(ann_min_rows=1000, exact_max_rows=0))
    exact.write(docs)
    queries = vectors[:30] + np.random.default_rng(1).normal(scale=0.05, size=(30, vectors.shape[1]))
    recall = np.mean([len(set(_vector_refs(exact, q)) & set(_vector_refs(approximate, q))) / 50 for q in queries])
    assert recall >= 0.95
    services = _vector_refs(approximate, queries[0], kinds=("service",))
    assert len(services) == 50 and all(int(ref[1:]) % 4 == 0 for ref in services)


def test_the_approximate_index_follows_edits_and_deletes(tmp_path):
    docs, vectors = _clustered_upserts(3000)
    backend = EmbeddedBackend(tmp_path / "index", RankingSettings(ann_min_rows=1000, exact_max_rows=0))
    backend.write(docs)
    assert _vector_refs(backend, vectors[5], depth=1) == ["r5"]
    for version in (2, 3):  # an edit replaces the vector: no second copy takes a place in the results
        backend.write([Upsert(_clustered(5, version), vectors[5])])
    assert len(_vector_refs(backend, vectors[5], depth=3)) == 3
    moved = Upsert(_clustered(5, 4), vectors[9])
    backend.write([moved, Delete("r9", 2)])
    assert _vector_refs(backend, vectors[9], depth=1) == ["r5"]
    assert "r9" not in _vector_refs(backend, vectors[9], depth=100)


def test_an_index_in_an_older_format_is_refused_with_the_fix_and_a_rebuild_replaces_it(index_dir, writer):
    live = index_dir / (index_dir / "CURRENT").read_text()
    with sqlite3.connect(live) as db:  # what an index written before format 2 (SQLite FTS5) looks like
        db.execute("DELETE FROM meta WHERE key = 'format'")
    reader = EmbeddedBackend(index_dir, RankingSettings())
    assert reader.analysed_with() == UNKNOWN_ANALYSIS  # so `indexer verify` reports it and --repair rebuilds
    with pytest.raises(BackendUnavailable, match="indexer verify --repair"):
        keyword_refs(reader, "液相色谱")
    writer.rebuild(upserts(HashingEmbedder(), ALL, version=2))
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS and reader.analysed_with() != UNKNOWN_ANALYSIS
    reader.close()


def _search_in_forked_child(reader, loaded, results):
    results.put((reader._columns is loaded, keyword_refs(reader, "液相色谱"), keyword_refs(reader, "扫描电镜")))


@pytest.fixture
def one_openmp_thread():
    """What SearchGateway.preload sets before it loads anything: an OpenMP thread pool (faiss's, torch's)
    started before a fork is missing in the child, which then waits for it for ever."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_columns_warmed_before_a_fork_serve_the_child_which_still_follows_later_writes(index_dir, writer,
                                                                                      one_openmp_thread):
    reader = EmbeddedBackend(index_dir, RankingSettings())
    reader.warm()
    reader.close()  # what SearchGateway.preload does: no connection crosses the fork
    loaded = reader._columns
    writer.write([Delete("sem", 2)])
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=_search_in_forked_child, args=(reader, loaded, results))
    child.start()
    kept_columns, hplc, sem = results.get(timeout=60)
    child.join(60)
    assert child.exitcode == 0 and kept_columns  # refreshed in place, not loaded again
    assert hplc == HPLC_LISTINGS and sem == set()
