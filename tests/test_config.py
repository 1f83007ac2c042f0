from marketplace.config import default_settings, settings_from_environment


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
