"""The posting-kind registry drives records, the catalogue, forms and pages: every field of every kind,
filled with a sample of its type, survives each of them. A field added to the registry is covered here
without touching this file."""
import io

import flask_babel
import pytest
from werkzeug.datastructures import MultiDict

from marketplace import kinds
from marketplace.models import MODEL_BY_KIND
from marketplace.services import catalog, postings
from marketplace.services.records import to_record
from marketplace.validation import record_errors
from marketplace.web.forms import FORM_BY_KIND, form_name
from tests.factories import full_record, login, register

KINDS = [pytest.param(kind, id=name) for name, kind in kinds.KINDS.items()]


@pytest.mark.parametrize("kind", KINDS)
def test_a_record_with_every_field_is_valid_and_round_trips_through_the_model(kind, session):
    record = full_record(kind)
    assert record_errors(record) == {}
    posting = postings.create_posting(session, register(session, kind=kind.default_owner_kind), record)
    assert isinstance(posting, MODEL_BY_KIND[kind.name])
    session.expire_all()
    exported = to_record(session.get(MODEL_BY_KIND[kind.name], posting.id))
    assert {key: exported[key] for key in record} == record


@pytest.mark.parametrize("kind", KINDS)
def test_every_field_survives_a_csv_export_and_import(kind, session):
    postings.create_posting(session, register(session, kind=kind.default_owner_kind), full_record(kind))
    buffer = io.StringIO()
    catalog.write_catalogue(catalog.export_records(session), buffer, "csv")
    assert set(catalog.CSV_COLUMNS) >= {field.name for field in kind.fields}
    buffer.seek(0)
    report = catalog.import_records(session, catalog.parse_csv(buffer))
    assert (report.unchanged, report.errors) == (1, [])


@pytest.mark.parametrize("kind", KINDS)
def test_the_generated_form_shows_a_record_and_reads_it_back(kind, app):
    record = {key: value for key, value in full_record(kind).items() if key != "ref"}
    form_class = FORM_BY_KIND[kind.name]
    with app.test_request_context():
        shown = form_class(formdata=None)
        shown.load(record)
        posted = MultiDict()
        for form_field in shown:
            data = form_field.data
            if isinstance(data, list):
                posted.setlist(form_field.name, data)
            elif data is True:
                posted[form_field.name] = "y"
            elif data is not None:
                posted[form_field.name] = data.isoformat() if hasattr(data, "isoformat") else str(data)
        submitted = form_class(formdata=posted, meta={"csrf": False})
        assert submitted.validate(), submitted.errors
        not_asked = {field.name for field in kind.fields if not field.in_form}  # fixed or managed
        assert submitted.to_record() == {key: value for key, value in record.items() if key not in not_asked}


def test_every_field_the_form_shows_has_a_translated_label(client, session):
    register(session)
    login(client)
    client.get("/language/zh")
    page = client.get("/instruments/new").get_data(as_text=True)
    assert "原值（元）" in page and "收费标准（每行：项目 | 价格 | 单位）" in page and "送样检测" in page
    assert all(form_name(field) in page for field in kinds.INSTRUMENT.fields if field.in_form)


def test_a_posting_page_labels_its_fields_and_choices_and_hints_in_the_readers_language(client, session):
    owner = register(session)
    posting = postings.create_posting(session, owner, {**full_record(kinds.INSTRUMENT), "booking_rules": ""})
    login(client)
    english = client.get(f"/instruments/{posting.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Original value (CNY)" in english and "operated by staff" in english and "original_value_cny" not in english
    assert "Explain booking rules" in english
    client.get("/language/zh")
    flask_babel.refresh()  # the session fixture's app context spans requests, and Flask-Babel caches the locale on it
    chinese = client.get(f"/instruments/{posting.id}").get_data(as_text=True)
    assert "原值（元）" in chinese and "机组操作" in chinese and "说明预约规则" in chinese


def test_slugs_and_posting_paths_come_from_the_registry(client):
    assert kinds.by_slug("transfers") is kinds.TRANSFER and kinds.by_slug("widgets") is None
    assert kinds.posting_path("need", 7) == "/needs/7"
    assert client.get("/transfers/").status_code == 200
