"""The operator's commands, run through Flask's CLI runner as `flask --app app ...` runs them: exit codes,
what they print, and what they leave in the database and the index. SQLite and PostgreSQL; the indexer
commands on the embedded engine and a real OpenSearch."""
import json
import re
import uuid

import pytest
from sqlalchemy import delete, func, select, update

from marketplace.models import Posting
from tests import servers
from tests.conftest import running_app
from tests.factories import credit_code, instrument_record, need_record

GOOD = [instrument_record(), instrument_record(ref="inst-2", title="气相色谱仪 GC-2030"), need_record()]


def write_jsonl(path, *lines):
    path.write_text("".join((line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
                            for line in lines), encoding="utf-8")
    return path


def flask(app, *args):
    return app.test_cli_runner().invoke(args=[str(arg) for arg in args])


def postings_in(app) -> int:
    with app.extensions["database"].new_session() as session:
        return session.scalar(select(func.count()).select_from(Posting))


@pytest.fixture(params=["embedded", pytest.param("opensearch", marks=pytest.mark.opensearch)])
def search_app(request, database_url, tmp_path):
    """An app on either search backend, its catalogue imported by the CLI and not yet indexed."""
    overrides = {}
    if request.param == "opensearch":
        overrides = {"SEARCH_BACKEND": "opensearch", "OPENSEARCH_URL": servers.opensearch_url(),
                     "OPENSEARCH_INDEX": f"yiqi-test-cli-{uuid.uuid4().hex[:8]}"}
    for app in running_app(database_url, tmp_path, **overrides):
        assert flask(app, "catalog", "import", write_jsonl(tmp_path / "catalogue.jsonl", *GOOD)).exit_code == 0
        yield app


def test_catalog_import_keeps_the_good_rows_reports_progress_and_the_bad_ones_by_line_and_exits_1(app, tmp_path):
    path = write_jsonl(tmp_path / "mixed.jsonl", GOOD[0], "{not json", GOOD[1],
                       need_record(ref="bad-count", sample_count="many"), GOOD[2])
    result = flask(app, "catalog", "import", path)
    assert result.exit_code == 1
    assert result.stdout == "created 3, updated 0, unchanged 0, rejected 2\n"
    progress, *reported = result.stderr.splitlines()
    assert re.fullmatch(r"  rows read: 5 in \d+\.\d s \([\d,]+/s\)", progress)
    assert len(reported) == 2
    assert reported[0].startswith("  line 2: record: is not valid JSON")
    assert reported[1].startswith("  line 4 (ref bad-count): sample_count: ")
    assert postings_in(app) == 3


def test_catalog_import_of_a_clean_file_exits_0_and_a_second_import_changes_nothing(app, tmp_path):
    path = write_jsonl(tmp_path / "catalogue.jsonl", *GOOD)
    first, second = flask(app, "catalog", "import", path), flask(app, "catalog", "import", path)
    assert (first.exit_code, first.stdout) == (0, "created 3, updated 0, unchanged 0, rejected 0\n")
    assert (second.exit_code, second.stdout) == (0, "created 0, updated 0, unchanged 3, rejected 0\n")


def test_catalog_import_gives_rows_without_an_owner_the_named_one(app, tmp_path):
    path = write_jsonl(tmp_path / "ownerless.jsonl", instrument_record(owner=None))
    assert flask(app, "catalog", "import", path).exit_code == 1  # an instrument needs its owner
    result = flask(app, "catalog", "import", path, "--owner", "华中科技大学分析测试中心")
    assert (result.exit_code, result.stdout) == (0, "created 1, updated 0, unchanged 0, rejected 0\n")


def test_catalog_import_of_a_missing_file_is_a_usage_error(app, tmp_path):
    result = flask(app, "catalog", "import", tmp_path / "nowhere.jsonl")
    assert result.exit_code == 2 and "does not exist" in result.stderr


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_catalog_export_writes_a_file_that_imports_back_unchanged(app, tmp_path, fmt):
    owned = instrument_record(ref="owned", owner={"name": "华中科技大学", "kind": "university",
                                                  "credit_code": credit_code("12100000441")})
    flask(app, "catalog", "import", write_jsonl(tmp_path / "catalogue.jsonl", *GOOD, owned))
    exported = tmp_path / f"export.{fmt}"
    result = flask(app, "catalog", "export", exported)
    assert (result.exit_code, result.stderr) == (0, "exported 4 postings\n")
    again = flask(app, "catalog", "import", exported)
    assert (again.exit_code, again.stdout) == (0, "created 0, updated 0, unchanged 4, rejected 0\n")


def test_catalog_export_to_standard_output_filters_by_kind(app, tmp_path):
    flask(app, "catalog", "import", write_jsonl(tmp_path / "catalogue.jsonl", *GOOD))
    result = flask(app, "catalog", "export", "-", "--kind", "need")
    assert result.exit_code == 0 and result.stderr == "exported 1 postings\n"
    assert [json.loads(line)["ref"] for line in result.stdout.splitlines()] == ["need-capsule-1"]


def test_indexer_verify_reports_drift_and_exits_1_until_repair_fixes_it(search_app, tmp_path):
    assert flask(search_app, "indexer", "run", "--until-idle").exit_code == 0
    clean = flask(search_app, "indexer", "verify")
    assert (clean.exit_code, clean.stdout) == (0, "index matches the database\n")
    # Drift: rows changed behind the ORM's back (no outbox entry), and a row imported while no worker ran.
    with search_app.extensions["database"].engine.begin() as connection:
        edited, removed = connection.scalars(select(Posting.id).order_by(Posting.id).limit(2)).all()
        connection.execute(update(Posting).where(Posting.id == edited).values(version=Posting.version + 1))
        connection.execute(delete(Posting).where(Posting.id == removed))
    flask(search_app, "catalog", "import", write_jsonl(tmp_path / "late.jsonl", instrument_record(ref="late")))
    with search_app.extensions["database"].new_session() as session:
        late = session.scalar(select(Posting.id).where(Posting.ref == "late"))
    drift = flask(search_app, "indexer", "verify")
    assert drift.exit_code == 1
    assert drift.stdout.splitlines() == [f"missing from index: posting {late}", f"outdated in index: posting {edited}",
                                         f"in index but not in database: document {removed} (version 1)"]
    repair = flask(search_app, "indexer", "verify", "--repair")
    assert (repair.exit_code, repair.stdout.splitlines()[-1]) == (0, "repaired 3 differences")
    after = flask(search_app, "indexer", "verify")
    assert (after.exit_code, after.stdout) == (0, "index matches the database\n")


def test_indexer_reindex_builds_the_index_from_the_database(search_app):
    result = flask(search_app, "indexer", "reindex")
    assert result.exit_code == 0 and result.stdout.startswith("rebuilt index with 3 postings in ")
    assert search_app.extensions["search"].searcher.backend.count() == 3
    assert flask(search_app, "indexer", "verify").exit_code == 0


def test_indexer_status_reports_the_backlog_then_an_empty_one_after_a_run(search_app):
    before = flask(search_app, "indexer", "status").stdout.splitlines()
    assert before[0] == "pending changes: 3" and before[1].startswith("oldest pending (sync lag): ")
    assert before[1] != "oldest pending (sync lag): none" and before[3:] == ["dead letters: 0", "indexed documents: 0"]
    assert flask(search_app, "indexer", "run", "--until-idle").stdout.startswith("indexed 3 changes in ")
    after = flask(search_app, "indexer", "status")
    assert after.exit_code == 0
    lines = after.stdout.splitlines()
    assert lines[:2] == ["pending changes: 0", "oldest pending (sync lag): none"]
    assert lines[2].startswith("throughput (last 5 min): ") and not lines[2].endswith(" 0.00 changes/s")
    assert lines[3:] == ["dead letters: 0", "indexed documents: 3"]
