import io
import json

import pytest
from sqlalchemy import event, func, select

from indexer.models import SearchChange
from marketplace.models import Organisation, Posting
from marketplace.services import catalog
from tests.conftest import fresh_database, running_app
from tests.factories import credit_code, instrument_record, need_record


def jsonl(*records) -> io.StringIO:
    return io.StringIO("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))


def import_text(session, stream, fmt="jsonl"):
    rows = catalog.parse_csv(stream) if fmt == "csv" else catalog.parse_jsonl(stream)
    return catalog.import_records(session, rows)


def test_import_creates_postings_and_their_owners(session):
    report = import_text(session, jsonl(instrument_record(), need_record()))
    assert (report.created, report.errors) == (2, [])
    assert session.scalar(select(func.count()).select_from(Posting)) == 2
    assert session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_reimporting_the_same_ref_updates_instead_of_duplicating(session):
    import_text(session, jsonl(instrument_record()))
    report = import_text(session, jsonl(instrument_record(title="液相色谱仪（更新）"), instrument_record(ref="inst-2")))
    assert (report.created, report.updated) == (1, 1)
    assert session.scalar(select(Posting.title).where(Posting.ref == "inst-hplc-1")) == "液相色谱仪（更新）"
    again = import_text(session, jsonl(instrument_record(title="液相色谱仪（更新）")))
    assert again.unchanged == 1


def test_bad_rows_are_reported_by_line_and_good_rows_are_kept(session):
    stream = io.StringIO(
        json.dumps(instrument_record()) + "\n"
        + "{not json\n"
        + json.dumps(instrument_record(ref="bad-code",
                                       owner={"name": "某公司", "credit_code": "91420100MA4K12345X"})) + "\n"
        + json.dumps(need_record(sample_count="many")) + "\n"
        + json.dumps(instrument_record(ref="big", title="x" * 301)) + "\n"
    )
    report = import_text(session, stream)
    assert report.created == 1
    assert [e.line for e in report.errors] == [2, 3, 4, 5]
    assert "not valid JSON" in str(report.errors[0])
    assert "check character" in str(report.errors[1])
    assert "whole number" in str(report.errors[2])
    assert "too long" in str(report.errors[3])
    assert session.scalar(select(func.count()).select_from(Organisation)) == 1  # no orphan owner left behind


def test_csv_with_the_same_columns_imports_lists_numbers_and_owners(session):
    stream = io.StringIO(
        "kind,ref,title,description,owner.name,owner.kind,owner.credit_code,region,keywords,fees,certifications,original_value_cny\n"
        f'instrument,csv-1,X射线衍射仪 XRD,粉末衍射,华中科技大学,university,{credit_code("12100000441")},'
        '湖北省/武汉市,XRD; 物相分析,"[{""item"": ""物相"", ""price_cny"": 200, ""unit"": ""sample""}]",cma,1200000\n'
        "instrument,csv-2,Bad row,,华中科技大学,university,,湖北省/武汉市,,,,lots\n"
    )
    report = import_text(session, stream, "csv")
    assert report.created == 1
    assert report.errors[0].line == 3 and "original_value_cny" in report.errors[0].errors
    posting = session.scalar(select(Posting).where(Posting.ref == "csv-1"))
    assert posting.keywords == ["XRD", "物相分析"]
    assert posting.fees == [{"item": "物相", "price_cny": 200, "unit": "sample"}]
    assert posting.certifications == ["CMA"]


def test_export_writes_the_import_format_and_round_trips(session):
    import_text(session, jsonl(instrument_record(), need_record()))
    for fmt in ("jsonl", "csv"):
        buffer = io.StringIO()
        assert catalog.write_catalogue(catalog.export_records(session), buffer, fmt) == 2
        buffer.seek(0)
        report = import_text(session, buffer, fmt)
        assert (report.unchanged, report.errors) == (2, []), fmt
    exported = list(catalog.export_records(session, ["need"]))
    assert exported[0]["title"] == need_record()["title"] and exported[0]["deadline"] == "2026-12-31"


def test_an_import_writes_each_batch_with_one_outbox_insert_not_one_flush_per_row(session):
    statements = []
    engine = session.get_bind()

    def count_outbox_inserts(_conn, _cursor, statement, *_args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO SEARCH_CHANGES"):
            statements.append(statement)

    rows = 2 * catalog.BATCH_SIZE + 1
    event.listen(engine, "before_cursor_execute", count_outbox_inserts)
    try:
        report = import_text(session, jsonl(*(instrument_record(ref=f"i-{n}") for n in range(rows))))
    finally:
        event.remove(engine, "before_cursor_execute", count_outbox_inserts)
    assert (report.created, report.errors) == (rows, [])
    assert len(statements) == 3  # one per batch of BATCH_SIZE
    assert session.scalar(select(func.count()).select_from(SearchChange)) == rows


@pytest.mark.postgres
def test_a_row_the_database_refuses_is_reported_by_line_and_the_rest_of_its_batch_is_kept(request, tmp_path):
    # PostgreSQL refuses a NUL character in text, which the contract's schema allows: the batch's flush
    # fails, and the batch is redone row by row to name the row.
    for app in running_app(fresh_database(request, "postgresql", tmp_path), tmp_path):
        with app.app_context():
            session = app.extensions["database"].session
            rows = jsonl(instrument_record(ref="good-1"), instrument_record(ref="bad", title="HPLC\x00"),
                         instrument_record(ref="good-2"))
            report = import_text(session, rows)
            assert (report.created, [(e.line, e.ref) for e in report.errors]) == (2, [(2, "bad")])
            assert "database refused" in report.errors[0].errors["record"]
            assert set(session.scalars(select(Posting.ref))) == {"good-1", "good-2"}
