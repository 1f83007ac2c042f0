"""CSV downloads cannot run formulas in a spreadsheet (OWASP: a quote before a cell starting with
= + - @, tab or carriage return), and importing the exported file gives back exactly the same listings."""
from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from marketplace.services import catalog, postings, sharing
from marketplace.text_formats import neutralise_formula, restore_formula
from tests.factories import instrument_record, login, register

FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"点击\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1,2)",
            "\t=1+1", "'=already quoted", "''=twice"]


@pytest.mark.parametrize("value", [*FORMULAS, "plain", "'quoted'", "", "a=b", "1-2"])
def test_neutralising_a_cell_and_restoring_it_gives_back_the_value(value):
    assert restore_formula(neutralise_formula(value)) == value
    assert neutralise_formula(value)[:1] not in ("=", "+", "-", "@", "\t", "\r")


def test_catalogue_export_quotes_formula_cells_and_its_import_is_lossless(session):
    user = register(session)
    postings.create_posting(session, user, instrument_record(
        ref="formula", title="=HYPERLINK(\"http://evil.example\",\"液相\")", model="@SUM(A1:A9)",
        manufacturer="+cmd", keywords=["-2+3", "HPLC"], description="'=already quoted"))
    records = list(catalog.export_records(session))
    buffer = io.StringIO()
    catalog.write_catalogue(records, buffer, "csv")
    row = next(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert row["title"].startswith("'=") and row["model"] == "'@SUM(A1:A9)" and row["manufacturer"] == "'+cmd"
    assert row["keywords"] == "'-2+3; HPLC" and row["description"] == "''=already quoted"
    report = catalog.import_records(session, catalog.parse_csv(io.StringIO(buffer.getvalue())))
    assert (report.unchanged, report.errors) == (1, [])
    assert list(catalog.export_records(session)) == records


def test_the_sharing_report_csv_quotes_an_instrument_title_that_looks_like_a_formula(app, client, session):
    lab = register(session)
    instrument = postings.create_posting(session, lab, instrument_record(title="=cmd|' /C calc'!A0 液相色谱仪"))
    sharing.record_manual_use(session, lab, instrument.id, date.today(), 2, 0, False, 0, "内部课题")
    login(client)
    text = client.get(f"/sharing?year={date.today().year}&format=csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[1][0] == "'=cmd|' /C calc'!A0 液相色谱仪"  # the first instrument's title
