"""The composition root: builds the Flask app from its parts. Nothing runs at import time."""
from __future__ import annotations

import gc
import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from indexer.change_tracking import install_change_tracking
from indexer.cli import indexer_cli
from indexer.status import current_index_status
from marketplace import understanding
from marketplace.cli import register_commands
from marketplace.config import known_settings, require_real_secret_key, settings_from_environment
from marketplace.db import Database
from marketplace.passwords import PasswordHasher
from marketplace.search_gateway import SearchGateway
from marketplace.web import init_web


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    defaults = known_settings(app.instance_path)
    app.config.update(defaults)
    app.config.update(settings_from_environment(defaults))
    if test_config:
        app.config.update(test_config)
    require_real_secret_key(app.config)
    os.makedirs(app.instance_path, exist_ok=True)

    app.extensions["passwords"] = PasswordHasher(app.config["PASSWORD_HASH_METHOD"])
    database = Database(app.config["DATABASE_URL"])
    install_change_tracking(database.sessionmaker)
    app.extensions["database"] = database
    app.teardown_appcontext(lambda _exc: database.sessions.remove())
    gateway = app.extensions["search"] = SearchGateway(app.config)
    # The admin page shows the outbox's state without marketplace importing the indexer.
    app.extensions["index_status"] = lambda: current_index_status(database.new_session, gateway.searcher.backend)

    init_web(app)
    register_commands(app)
    app.cli.add_command(indexer_cli)
    return app


def create_server_app() -> Flask:
    """The app for `gunicorn --preload`: as create_app, with the search index and the embedding model
    already in memory, so that the workers share one copy of each."""
    app = create_app()
    app.extensions["search"].preload(app.config["WORKER_TORCH_THREADS"])
    understanding.preload()
    # Out of the collector's sight: its passes write to every object's header, which would copy the
    # shared pages of the index and the model into each worker (docs/perf-log.md, 2026-12-03).
    gc.freeze()
    return app
