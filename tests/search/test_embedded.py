"""What only the embedded backend has to get right: several processes and threads on one index
directory, in-memory columns that follow other writers, and file swaps under readers."""
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from search.analysis import analyse_query
from search.backend import BackendQuery, Delete
from search.embedded import EmbeddedBackend
from search.embeddings import HashingEmbedder
from tests.search.conftest import upserts
from tests.search.test_backend_contract import ALL, HPLC_LISTINGS, NMR, SEM

ROOT = Path(__file__).resolve().parents[2]


def keyword_refs(backend, text):
    result = backend.search(BackendQuery(keywords=analyse_query(text), vector=None, legs=frozenset({"keyword"})))
    return {result.info[doc_id].ref for doc_id, _ in result.keyword}


@pytest.fixture
def index_dir(tmp_path):
    return tmp_path / "index"


@pytest.fixture
def writer(index_dir):
    backend = EmbeddedBackend(index_dir)
    backend.write(upserts(HashingEmbedder(), ALL))
    yield backend
    backend.close()


def test_a_second_instance_sees_what_the_first_one_writes_and_deletes(index_dir, writer):
    reader = EmbeddedBackend(index_dir)
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS
    writer.write([Delete("xss", 2)])
    writer.write(upserts(HashingEmbedder(), [{**NMR, "title": "液相色谱 NMR"}], version=2))
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS - {"xss"} | {"nmr"}
    reader.close()


def test_a_reader_follows_a_rebuild_made_by_another_instance(index_dir, writer):
    reader = EmbeddedBackend(index_dir)
    assert keyword_refs(reader, "液相色谱") == HPLC_LISTINGS
    writer.rebuild(upserts(HashingEmbedder(), [SEM], version=2))
    assert keyword_refs(reader, "液相色谱") == set()
    assert keyword_refs(reader, "扫描电镜") == {"sem"} and reader.versions() == {"sem": 2}
    assert sorted(p.name for p in index_dir.glob("index-*.sqlite3")) == [(index_dir / "CURRENT").read_text()]
    reader.close()


def test_writes_from_another_process_reach_this_process(index_dir, writer):
    assert keyword_refs(writer, "扫描电镜") == {"sem"}
    script = (
        "from search.embedded import EmbeddedBackend\n"
        "from search.embeddings import HashingEmbedder\n"
        "from tests.search.conftest import upserts\n"
        "from tests.search.test_backend_contract import SEM\n"
        f"backend = EmbeddedBackend({str(index_dir)!r})\n"
        "results = backend.write(upserts(HashingEmbedder(), [{**SEM, 'ref': 'sem-2', 'title': '扫描电镜 2'}]))\n"
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
        writer.write(upserts(embedder, [{**NMR, "ref": f"nmr-{version}"}]))
    stop.set()
    for thread in readers:
        thread.join()
    assert not errors and writer.count() == len(ALL) + 10


def test_a_query_vector_of_another_dimension_is_refused_with_a_reason(writer):
    query = BackendQuery(keywords=analyse_query("液相色谱"), vector=np.ones(5, dtype=np.float32) / np.sqrt(5))
    with pytest.raises(ValueError, match="reindex"):
        writer.search(query)
