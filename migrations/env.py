"""Alembic environment: runs on the connection the app hands over, or on MARKETPLACE_DATABASE_URL."""
from __future__ import annotations

import os

from alembic import context

import indexer.models  # noqa: F401  (the search outbox's tables)
import marketplace.models  # noqa: F401  (registers every table on the metadata)
from marketplace.db import Base, make_engine
from marketplace.migrations import COMPARE_OPTIONS

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or os.environ["MARKETPLACE_DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        _run(connection)
        connection.commit()


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True,
                      **COMPARE_OPTIONS)
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
