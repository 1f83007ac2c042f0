"""Chinese and English interface: the language switch, the browser's preference, a complete catalogue."""
import copy
import subprocess
from pathlib import Path

import flask_babel
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[1] / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def test_every_interface_string_has_a_chinese_translation():
    with CATALOGUE.open("rb") as stream:
        catalogue = read_po(stream)
    # A plural message's string is a tuple of forms; every form must be there.
    untranslated = [m.id for m in catalogue if m.id and not all(m.string if m.pluralizable else [m.string])]
    assert untranslated == [] and len(catalogue) > 200


def test_the_browser_language_chooses_the_interface_language(client):
    assert "Shared instruments" in client.get("/", headers={"Accept-Language": "en-US"}).get_data(as_text=True)
    chinese = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(as_text=True)
    assert "共享仪器" in chinese and 'lang="zh"' in chinese


def test_the_language_switch_sticks_and_returns_to_the_page(client):
    response = client.get("/language/zh?next=/search")
    assert response.status_code == 302 and response.headers["Location"].endswith("/search")
    page = client.get("/needs/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "检测需求" in page and "English" in page
    client.get("/language/en")
    assert "Test needs" in client.get("/needs/").get_data(as_text=True)
    assert client.get("/language/fr").status_code == 404


def test_form_errors_are_translated_too(client, session):
    from tests.factories import login, register

    register(session)
    login(client)
    client.get("/language/zh")
    body = client.post("/needs/new", data={"title": ""}).get_data(as_text=True)
    assert "名称" in body and "This field is required" not in body


def test_the_catalogue_holds_every_message_the_code_can_show():
    # Extracts templates, gettext calls and the services' Phrase(...) and error templates afresh.
    root = Path(__file__).resolve().parents[1]
    check = subprocess.run(["bash", "scripts/translations.sh", "--check"], cwd=root, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_service_errors_and_their_values_are_shown_in_the_readers_language(client, session):
    from marketplace.services import postings
    from tests.factories import instrument_record, login, register

    posting = postings.create_posting(session, register(session), instrument_record())
    register(session, email="sme@example.com", organisation="某企业", kind="enterprise")
    login(client, "sme@example.com")
    client.get("/language/zh")
    forbidden = client.post(f"/instruments/{posting.id}/delete")
    assert forbidden.status_code == 403 and "只有发布机构的成员才能修改这条信息。" in forbidden.get_data(as_text=True)
    client.get("/language/en")
    flask_babel.refresh()  # the session fixture's app context spans requests, and Flask-Babel caches the locale on it
    page = client.post(f"/instruments/{posting.id}/delete").get_data(as_text=True)
    assert "Only members of the owning organisation" in page


def test_validation_messages_from_services_are_translated_with_their_numbers(client):
    client.get("/language/zh")
    bad_code = client.post("/register", data={
        "email": "a@example.com", "display_name": "A", "password": "long-enough-2026", "organisation_name": "某公司",
        "organisation_kind": "enterprise", "credit_code": "91420100MA4K12345X"})
    body = bad_code.get_data(as_text=True)
    assert bad_code.status_code == 422 and "校验位错误" in body and "wrong check character" not in body
    search = client.get("/search?q=" + "液" * 600).get_data(as_text=True)
    assert "太长（最多 500 个字符）" in search


def test_message_keeps_its_template_and_reads_as_english_text():
    from marketplace.messages import Phrase

    message = Phrase("is too long (at most %(limit)d characters)", limit=200)
    assert message == "is too long (at most 200 characters)" and message.values == {"limit": 200}
    assert copy.deepcopy(message).template == message.template
