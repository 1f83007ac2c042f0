"""A process starts from the columns an earlier one saved and then catches up with what was written
since, with the same results as building them from every row; a checkpoint it cannot use is ignored."""
import numpy as np
import pytest

from search.analysis import analyse_query
from search.backend import BackendQuery, Delete, Upsert
from search.embedded import EmbeddedBackend, checkpoint
from search.embedded.columns import Columns
from search.ranking import RankingSettings
from tests.search.test_embedded import _clustered, _clustered_upserts

# Vectors in k-means cells (as from 5,000 listings on), approximate searches.
RANKING = RankingSettings(ann_min_rows=1000, exact_max_rows=0)


@pytest.fixture
def saved_for_any_size(monkeypatch):
    monkeypatch.setattr(checkpoint, "MIN_ROWS", 1)


def _results(backend, vectors):
    found = []
    for vector in vectors:
        result = backend.search(BackendQuery(keywords=analyse_query("listing 12"), vector=vector, vector_depth=20))
        # Vector neighbours as a set: cells trained on other rows may order near ties otherwise.
        found.append(([doc for doc, _ in result.keyword[:20]], {doc for doc, _ in result.vector}, result.total))
    return found


def _warmed(index_dir, count):
    """A backend over `count` clustered listings, loaded (and so saved); with their vectors."""
    docs, vectors = _clustered_upserts(count)
    backend = EmbeddedBackend(index_dir, RANKING)
    backend.write(docs)
    backend.warm()
    return backend, vectors


def _saved_generation(index_dir, backend):
    saved = checkpoint.load(index_dir, backend._columns.file_id, RANKING)
    return None if saved is None else saved.generation


def test_a_restart_loads_the_checkpoint_then_the_writes_made_since(tmp_path, saved_for_any_size):
    index_dir = tmp_path / "index"
    first, vectors = _warmed(index_dir, 3000)  # built from every row: saved
    saved = _saved_generation(index_dir, first)
    assert saved == first._columns.generation
    first.write([Upsert(_clustered(5, 2), vectors[9]), Delete("r9", 2), Upsert(_clustered(3000, 1), vectors[7]),
                 Upsert(_clustered(3001, 1), vectors[8])])
    first.close()

    restarted = EmbeddedBackend(index_dir, RANKING)
    restarted.warm()
    assert restarted._columns.generation > saved and _saved_generation(index_dir, restarted) == saved
    # Its vector cells are the saved ones, trained on the 3,000 rows there were (now 3,001).
    assert restarted._columns.cells.trained_rows == 3000
    queries = [vectors[9], vectors[7], vectors[100]]
    found = _results(restarted, queries)
    assert "r9" not in {doc for _, hits, _ in found for doc in hits} and "r3000" in found[1][1]
    (index_dir / f"columns-{restarted._columns.file_id}.pickle").unlink()
    from_rows = EmbeddedBackend(index_dir, RANKING)
    assert _results(from_rows, queries) == found
    restarted.close()
    from_rows.close()


def test_a_checkpoint_of_other_settings_or_torn_is_ignored_and_replaced(tmp_path, saved_for_any_size, caplog):
    index_dir = tmp_path / "index"
    first, vectors = _warmed(index_dir, 2000)
    file_id = first._columns.file_id
    path = index_dir / f"columns-{file_id}.pickle"
    assert checkpoint.load(index_dir, file_id, RankingSettings(ann_min_rows=1000, title_weight=3.0)) is None
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])  # a copy cut short
    assert checkpoint.load(index_dir, file_id, RANKING) is None and "ignoring" in caplog.text
    second = EmbeddedBackend(index_dir, RANKING)
    assert _results(second, vectors[:2]) == _results(first, vectors[:2])  # built from the rows, saved again
    assert checkpoint.load(index_dir, file_id, RANKING) is not None
    first.close()
    second.close()


def test_a_rebuild_saves_the_new_files_checkpoint_before_it_goes_live(tmp_path, saved_for_any_size, monkeypatch):
    index_dir = tmp_path / "index"
    backend, vectors = _warmed(index_dir, 2000)
    old = backend._columns.file_id
    backend.rebuild(Upsert(_clustered(i, 2), vectors[i]) for i in range(1500))
    with backend.store.snapshot() as snapshot:
        new = snapshot.file_id
    # Saved by the rebuild itself, not by a reader: the next server starts from it.
    assert new != old and [p.name for p in index_dir.glob("columns-*")] == [f"columns-{new}.pickle"]
    assert not list(index_dir.glob(".columns-*"))  # nothing staged left behind
    restarted = EmbeddedBackend(index_dir, RANKING)
    with monkeypatch.context() as patched:  # a start from the checkpoint reads no row
        patched.setattr(Columns, "apply", lambda *_: pytest.fail("built the columns from the rows"))
        restarted.warm()
    assert restarted.count() == 1500
    queries = [vectors[3], vectors[700]]
    found = _results(restarted, queries)
    (index_dir / f"columns-{new}.pickle").unlink()
    assert _results(EmbeddedBackend(index_dir, RANKING), queries) == found  # as if built from the rows
    backend.close()
    restarted.close()


def test_a_small_rebuild_saves_none(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index", RANKING)
    backend.rebuild(_clustered_upserts(500)[0])
    assert not list((tmp_path / "index").glob("*columns-*"))
    backend.close()


def test_a_small_index_saves_none(tmp_path):
    backend = EmbeddedBackend(tmp_path / "index", RANKING)
    backend.write(_clustered_upserts(500)[0])
    backend.warm()
    assert not list((tmp_path / "index").glob("*columns-*"))
    assert np.count_nonzero(backend._columns.live) < checkpoint.MIN_ROWS
    backend.close()
