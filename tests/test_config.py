import re
from pathlib import Path

import pytest

from app import create_app
from marketplace.config import ConfigurationError, default_settings, known_settings, settings_from_environment
from tests.factories import login, register

README = Path(__file__).resolve().parents[1] / "README.md"


def test_environment_overrides_defaults_with_the_defaults_types():
    defaults = default_settings("/tmp/instance")
    overrides = settings_from_environment(defaults, {"MARKETPLACE_PAGE_SIZE": "50",
                                                     "MARKETPLACE_SEARCH_BACKEND": "opensearch",
                                                     "MARKETPLACE_WTF_CSRF_ENABLED": "false", "OTHER": "x"})
    assert overrides == {"PAGE_SIZE": 50, "SEARCH_BACKEND": "opensearch", "WTF_CSRF_ENABLED": False}


def test_the_embedded_defaults_keep_database_and_search_index_side_by_side():
    defaults = default_settings("/srv/yiqi/instance")
    assert defaults["DATABASE_URL"] == "sqlite:////srv/yiqi/instance/marketplace.sqlite3"
    assert defaults["SEARCH_PATH"] == "/srv/yiqi/instance/search-index"
    assert defaults["EMBEDDING_MODELS_PATH"] == "/srv/yiqi/instance/models"


def test_every_setting_the_readme_documents_is_read_from_the_environment():
    documented = re.findall(r"^\| `MARKETPLACE_([A-Z_]+)` \|", README.read_text(encoding="utf-8"), re.MULTILINE)
    known = known_settings("/srv/yiqi/instance")
    assert "SESSION_COOKIE_SECURE" in documented and len(documented) > 15
    for name in documented:
        default = known[name]
        raw = {bool: str(not default).lower(), int: "7"}.get(type(default), "set-by-the-environment")
        value = settings_from_environment(known, {f"MARKETPLACE_{name}": raw})[name]
        assert value != default and str(value).lower() in (raw, "7")


def test_a_malformed_setting_names_its_variable():
    with pytest.raises(ConfigurationError, match="MARKETPLACE_PAGE_SIZE must be a whole number"):
        settings_from_environment(known_settings("/tmp"), {"MARKETPLACE_PAGE_SIZE": "twenty"})
    with pytest.raises(ConfigurationError, match="MARKETPLACE_SESSION_COOKIE_SECURE must be true or false"):
        settings_from_environment(known_settings("/tmp"), {"MARKETPLACE_SESSION_COOKIE_SECURE": "ja"})


@pytest.fixture
def start(tmp_path, monkeypatch):
    """create_app as a server would call it: no TESTING, settings from the environment."""
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    monkeypatch.delenv("MARKETPLACE_SECRET_KEY", raising=False)
    started = []

    def start_app(**settings):
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'config.sqlite3'}", "EMBEDDING_MODEL": "hashing",
                          "SEARCH_PATH": str(tmp_path / "search-index"), **settings})
        started.append(app)
        return app
    yield start_app
    for app in started:
        app.extensions["search"].close()
        app.extensions["database"].dispose()


def test_outside_debug_and_tests_the_app_refuses_the_default_secret_key(start, monkeypatch):
    with pytest.raises(ConfigurationError, match="MARKETPLACE_SECRET_KEY is not set"):
        start()
    with pytest.raises(ConfigurationError, match="MARKETPLACE_SECRET_KEY"):
        start(SECRET_KEY="")
    assert start(DEBUG=True) and start(TESTING=True)
    monkeypatch.setenv("MARKETPLACE_SECRET_KEY", "a-long-random-key-from-the-environment")
    assert start().config["SECRET_KEY"] == "a-long-random-key-from-the-environment"


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_session_cookie_is_lax_http_only_and_secure_when_configured(start, monkeypatch, database_url, db):
    register(db)
    monkeypatch.setenv("MARKETPLACE_SECRET_KEY", "a-long-random-key-from-the-environment")
    plain = start(DATABASE_URL=database_url, WTF_CSRF_ENABLED=False).test_client()
    login(plain)
    cookie = plain.get_cookie("session")
    assert cookie.same_site == "Lax" and cookie.http_only and not cookie.secure
    monkeypatch.setenv("MARKETPLACE_SESSION_COOKIE_SECURE", "true")
    behind_tls = start(DATABASE_URL=database_url, WTF_CSRF_ENABLED=False).test_client()
    login(behind_tls)
    assert behind_tls.get_cookie("session").secure
