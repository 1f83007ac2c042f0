"""Settings: defaults, then MARKETPLACE_* environment variables, then test overrides."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Mapping

from marketplace.passwords import STRONG

ENV_PREFIX = "MARKETPLACE_"


def default_settings(instance_path: str) -> dict[str, Any]:
    instance = Path(instance_path)
    return {
        "SECRET_KEY": "dev-only-change-me",
        "PASSWORD_HASH_METHOD": STRONG,
        "DATABASE_URL": f"sqlite:///{instance / 'marketplace.sqlite3'}",
        # Embedded search index lives next to the SQLite database by default.
        "SEARCH_BACKEND": "embedded",
        "SEARCH_PATH": str(instance / "search-index"),
        "OPENSEARCH_URL": "http://127.0.0.1:9200",
        "OPENSEARCH_INDEX": "yiqi-listings",
        "EMBEDDING_MODEL": "all-MiniLM-L6-v2",
        "EMBEDDING_BATCH_SIZE": 64,
        "EMBEDDING_PRECISION": "fp32",
        "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
        "WTF_CSRF_ENABLED": True,
        "PAGE_SIZE": 20,
        "BABEL_DEFAULT_LOCALE": "zh",
    }


def settings_from_environment(defaults: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """Read MARKETPLACE_<KEY> for every known key, coercing to the default's type."""
    overrides: dict[str, Any] = {}
    for key, default in defaults.items():
        raw = environ.get(ENV_PREFIX + key)
        if raw is None:
            continue
        if isinstance(default, bool):
            overrides[key] = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(default, int):
            overrides[key] = int(raw)
        elif isinstance(default, (list, dict)):
            overrides[key] = json.loads(raw)
        else:
            overrides[key] = raw
    return overrides
