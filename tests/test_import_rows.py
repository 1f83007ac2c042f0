"""Import rows that used to stop a whole import or take a listing over: bytes that are not UTF-8,
JSON nested thousands deep, lone surrogates, and a ref that belongs to another organisation's listing.
Each is now an error of its own row, reported by line, and the other rows are kept."""
from __future__ import annotations

import io
import json

from sqlalchemy import select

from marketplace.models import Posting
from marketplace.services import catalog
from tests.factories import credit_code, instrument_record


def run_import(app, path):
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.output


def jsonl_bytes(*records) -> bytes:
    return b"".join(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records)


def test_a_json_line_with_bytes_that_are_not_utf8_is_a_row_error(app, tmp_path):
    bad = json.dumps(instrument_record(ref="bad"), ensure_ascii=False).encode().replace("液相".encode(), b"\xff\xfe")
    path = tmp_path / "catalogue.jsonl"
    path.write_bytes(jsonl_bytes(instrument_record(ref="a")) + bad + b"\n" + jsonl_bytes(instrument_record(ref="b")))
    output = run_import(app, path)
    assert "created 2, updated 0, unchanged 0, rejected 1" in output
    assert "line 2: record: is not valid UTF-8 text; save the file as UTF-8" in output


def test_a_csv_line_with_bytes_that_are_not_utf8_is_a_row_error(app, tmp_path):
    buffer = io.StringIO()
    catalog.write_catalogue([instrument_record(ref=ref) for ref in ("a", "bad", "b")], buffer, "csv")
    lines = buffer.getvalue().encode().split(b"\r\n")
    lines[2] = lines[2].replace("液相".encode(), b"\xc3\x28")
    path = tmp_path / "catalogue.csv"
    path.write_bytes(b"\r\n".join(lines))
    output = run_import(app, path)
    assert "created 2, updated 0, unchanged 0, rejected 1" in output
    assert "line 3: title: is not valid UTF-8 text; save the file as UTF-8" in output


def test_json_nested_thousands_deep_is_a_row_error(app, tmp_path):
    path = tmp_path / "catalogue.jsonl"
    deep = b'{"kind": "instrument", "ref": "deep", "specs": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    shallow_but_too_deep = b'{"kind": "instrument", "ref": "deep2", "specs": ' + b"[" * 50 + b"]" * 50 + b"}\n"
    path.write_bytes(jsonl_bytes(instrument_record(ref="a")) + deep + shallow_but_too_deep)
    output = run_import(app, path)
    assert "created 1, updated 0, unchanged 0, rejected 2" in output
    assert "line 2: record: is nested too deeply (at most 8 levels)" in output
    assert "line 3: record: is nested too deeply (at most 8 levels)" in output


def test_a_lone_surrogate_escape_is_a_field_error(app, tmp_path):
    path = tmp_path / "catalogue.jsonl"
    bad = json.dumps(instrument_record(ref="bad")).replace('"title": "', '"title": "\\udc80', 1)
    path.write_bytes(jsonl_bytes(instrument_record(ref="a")) + bad.encode() + b"\n")
    output = run_import(app, path)
    assert "line 2 (ref bad): title: is not valid Unicode text" in output


def test_a_ref_of_another_organisations_listing_is_a_row_error_and_never_a_takeover(app, tmp_path):
    path = tmp_path / "catalogue.jsonl"
    path.write_bytes(jsonl_bytes(instrument_record(ref="theirs", title="武大的液相色谱仪")))
    app.test_cli_runner().invoke(args=["catalog", "import", str(path)])
    intruder = {"name": "别家检测公司", "kind": "testing_agency", "credit_code": credit_code("91420100MA4K9999")}
    path.write_bytes(jsonl_bytes(instrument_record(ref="theirs", title="被接管", owner=intruder)))
    output = run_import(app, path)
    assert "line 1 (ref theirs): ref: is already used by a listing of another organisation" in output
    path.write_bytes(jsonl_bytes(instrument_record(ref="theirs", title="被接管", owner={"name": "别家检测公司"})))
    assert "is already used by a listing of another organisation" in run_import(app, path)
    with app.extensions["database"].new_session() as session:
        posting = session.scalar(select(Posting).where(Posting.ref == "theirs"))
        assert (posting.title, posting.organisation.name) == ("武大的液相色谱仪", "武汉大学分析测试中心")
    path.write_bytes(jsonl_bytes(instrument_record(ref="theirs", title="武大的液相色谱仪（更新）")))
    assert "updated 1" in app.test_cli_runner().invoke(args=["catalog", "import", str(path)]).output
