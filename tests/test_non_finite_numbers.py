"""NaN, Infinity and numbers too large for their column are refused with a field error at every entry
point (forms, JSON Lines and CSV imports, the import command), and a reindex swaps in a new index even
when one posting in the database holds such a number (it is dead-lettered)."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select, text

from indexer import maintenance
from indexer.models import DeadLetter
from marketplace.models import Posting, Role
from marketplace.services import catalog, postings
from tests.factories import instrument_record, login, register
from tests.indexer.test_faults import stack  # noqa: F401  (the fixture: SQLite+embedded, PostgreSQL+OpenSearch)

NOT_FINITE = ["NaN", "Infinity", "-Infinity", "1e400"]


def import_jsonl(session, *lines: str) -> catalog.ImportReport:
    return catalog.import_records(session, catalog.parse_jsonl(io.StringIO("".join(line + "\n" for line in lines))))


@pytest.mark.parametrize("number", NOT_FINITE)
def test_a_json_lines_row_with_a_non_finite_value_or_fee_is_a_row_error(session, number):
    good = json.dumps(instrument_record(ref="good"), ensure_ascii=False)
    value = json.dumps(instrument_record(ref="value"), ensure_ascii=False).replace('"original_value_cny": 650000',
                                                                                  f'"original_value_cny": {number}')
    fee = json.dumps(instrument_record(ref="fee"), ensure_ascii=False).replace('"price_cny": 300',
                                                                              f'"price_cny": {number}')
    report = import_jsonl(session, good, value, fee)
    assert report.created == 1
    assert [(e.line, e.errors) for e in report.errors] == [
        (2, {"original_value_cny": "must be a finite number"}), (3, {"fees.0.price_cny": "must be a finite number"})]


@pytest.mark.parametrize("number", ["nan", "inf", "-Infinity", "1e400"])
def test_a_csv_row_with_a_non_finite_number_is_a_row_error(session, number):
    buffer = io.StringIO()
    catalog.write_catalogue([instrument_record(ref="good"), instrument_record(ref="bad")], buffer, "csv")
    lines = buffer.getvalue().splitlines()
    lines[2] = lines[2].replace(",650000,", f",{number},")
    report = catalog.import_records(session, catalog.parse_csv(io.StringIO("\n".join(lines) + "\n")))
    assert report.created == 1
    assert [(e.line, e.errors) for e in report.errors] == [(3, {"original_value_cny": "must be a finite number"})]


def test_the_import_command_reports_a_non_finite_row_and_keeps_the_others(app, tmp_path):
    source = tmp_path / "catalogue.jsonl"
    source.write_text(json.dumps(instrument_record(ref="good")) + "\n"
                      + json.dumps(instrument_record(ref="bad")).replace("650000", "Infinity") + "\n")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(source)])
    assert result.exit_code == 1
    assert "created 1, updated 0, unchanged 0, rejected 1" in result.output
    assert "line 2 (ref bad): original_value_cny: must be a finite number" in result.output


@pytest.mark.parametrize(("field", "value"), [
    ("fees", "有关物质 | NaN | sample"), ("fees", "有关物质 | inf | sample"), ("fees", "有关物质 | 1e400 | sample"),
    ("fees", "有关物质 | 1e300 | sample"), ("original_value_cny", "NaN"), ("original_value_cny", "Infinity"),
    ("original_value_cny", "1e300"),
])
def test_the_listing_form_refuses_a_non_finite_or_overflowing_number_with_a_field_error(app, client, session, field,
                                                                                       value):
    register(session)
    login(client)
    form = {"title": "液相色谱仪", "description": "药物检测", "region": "湖北省/武汉市",
            "category": "分析仪器/色谱仪器", field: value}
    response = client.post("/instruments/new", data=form)
    assert response.status_code == 422
    assert session.scalar(select(func.count()).select_from(Posting)) == 0


def test_the_subsidy_form_refuses_an_overflowing_cap(app, client, session):
    user = register(session)
    user.role = Role.PLATFORM_ADMIN
    session.commit()
    login(client)
    response = client.post("/admin/subsidies", data={"name": "科技创新券", "rate": "0.5", "cap_cny": "1e300"})
    assert response.status_code == 422


def test_a_reindex_swaps_in_the_new_index_and_dead_letters_a_posting_holding_nan(stack):  # noqa: F811
    app, _ = stack
    database = app.extensions["database"]
    with app.app_context():
        session = database.session
        user = register(session)
        for n in range(3):
            postings.create_posting(session, user, instrument_record(ref=f"i-{n}", title=f"液相色谱仪 {n}"))
        bad = postings.create_posting(session, user, instrument_record(
            ref="bad", kind="product", fees=None, original_value_cny=None, service_modes=None, price_min_cny=1,
            price_max_cny=2))
        bad_id = bad.id
    with database.engine.begin() as connection:  # a row from before validation refused NaN
        connection.execute(text(
            "UPDATE domestic_products SET price_min_cny = 'NaN', price_max_cny = 'NaN' WHERE id = :id"), {"id": bad_id})
    backend, embedder = app.extensions["search"].searcher.backend, app.extensions["search"].searcher.embedder
    assert maintenance.reindex(database.new_session, backend, embedder) == 3
    assert backend.count() == 3
    with database.new_session() as session:
        letters = session.scalars(select(DeadLetter)).all()
        assert [(d.posting_id, d.operation) for d in letters] == [(bad_id, "upsert")]
        assert "finite" in letters[0].error
