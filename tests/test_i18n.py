"""Chinese and English interface: the language switch, the browser's preference, a complete catalogue."""
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parents[1] / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def test_every_interface_string_has_a_chinese_translation():
    with CATALOGUE.open("rb") as stream:
        catalogue = read_po(stream)
    untranslated = [m.id for m in catalogue if m.id and not m.string]
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
