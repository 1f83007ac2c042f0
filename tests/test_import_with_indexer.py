"""`catalog import` while a real `indexer run` process drains the outbox into the index: on SQLite the
two processes write the same file, and the import must still finish with its per-row report."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from indexer import maintenance
from indexer.status import sync_status
from marketplace.models import Posting
from tests.factories import instrument_record

ROOT = Path(__file__).resolve().parents[1]
ROWS = 1200


def test_an_import_of_hundreds_of_rows_finishes_with_its_report_while_the_indexer_runs(app, tmp_path):
    source = tmp_path / "catalogue.jsonl"
    rows = [instrument_record(ref=f"bulk-{n}", title=f"液相色谱仪 {n}") for n in range(ROWS)]
    rows[7]["original_value_cny"] = -1  # one bad row: the report must name it and keep the others
    source.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    env = {**os.environ, **{f"MARKETPLACE_{key}": str(value) for key, value in app.config.items()
                            if key in ("SECRET_KEY", "DATABASE_URL", "SEARCH_BACKEND", "SEARCH_PATH", "EMBEDDING_MODEL",
                                       "PASSWORD_HASH_METHOD")}}
    indexer = subprocess.Popen([sys.executable, "-m", "flask", "--app", "app", "indexer", "run", "--batch-size", "4",
                                "--poll-interval", "0.01"], cwd=ROOT, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1)
        result = app.test_cli_runner().invoke(args=["catalog", "import", str(source)])
        database = app.extensions["database"]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with database.new_session() as session:
                if sync_status(session).pending == 0:
                    break
            time.sleep(0.1)
    finally:
        indexer.terminate()
        _, errors = indexer.communicate(timeout=30)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert f"created {ROWS - 1}, updated 0, unchanged 0, rejected 1" in result.output, result.output
    assert "line 8 (ref bulk-7): original_value_cny" in result.output
    assert "locked" not in errors, errors
    with database.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Posting)) == ROWS - 1
        searcher = app.extensions["search"].searcher
        assert maintenance.verify(session, searcher.backend, searcher.embedder).clean
