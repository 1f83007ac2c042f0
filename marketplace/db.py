"""Database engine and sessions; the models' declarative base."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Boolean, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker
from sqlalchemy.sql import ColumnElement, bindparam
from sqlalchemy.sql.visitors import InternalTraversal

# Stable constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONDocument = JSON().with_variant(JSONB(), "postgresql")


class JsonArrayContains(ColumnElement[bool]):
    """`array` (a JSON list column) has `value` among its entries, on SQLite and PostgreSQL alike."""

    inherit_cache = True
    type = Boolean()
    _traverse_internals = [("array", InternalTraversal.dp_clauseelement),
                           ("value", InternalTraversal.dp_clauseelement)]

    def __init__(self, array: ColumnElement[Any], value: str) -> None:
        self.array: ColumnElement[Any] = array
        self.value: ColumnElement[Any] = bindparam(None, value, unique=True)


@compiles(JsonArrayContains, "postgresql")
def _jsonb_contains(element: JsonArrayContains, compiler, **options) -> str:
    array, value = compiler.process(element.array, **options), compiler.process(element.value, **options)
    return f"({array} @> jsonb_build_array({value}::text))"


@compiles(JsonArrayContains)
def _json_each_contains(element: JsonArrayContains, compiler, **options) -> str:
    array, value = compiler.process(element.array, **options), compiler.process(element.value, **options)
    return f"EXISTS (SELECT 1 FROM json_each({array}) AS entry WHERE entry.value = {value})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dict[str, Any]: JSONDocument, list[Any]: JSONDocument, list[str]: JSONDocument}


def _tune_sqlite(dbapi_connection, _record) -> None:
    # WAL lets the web app read while the indexer writes; foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _json_text(value: Any) -> str:
    # Keep Chinese readable in stored JSON (and searchable with LIKE) instead of \uXXXX escapes.
    return json.dumps(value, ensure_ascii=False)


def make_engine(url: str, **options: Any) -> Engine:
    engine = create_engine(url, future=True, pool_pre_ping=True, json_serializer=_json_text, **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    return engine


class Database:
    """One engine per application, and one sessionmaker behind both its request-scoped sessions and
    new_session(), so that session events attached to it (the search outbox's) see every write."""

    def __init__(self, url: str, **engine_options: Any) -> None:
        self.engine = make_engine(url, **engine_options)
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        self.sessions = scoped_session(self.sessionmaker)

    @property
    def session(self) -> Session:
        return self.sessions()

    def new_session(self) -> Session:
        """A session outside the request scope, for workers and commands."""
        return self.sessionmaker()

    def dispose(self) -> None:
        self.sessions.remove()
        self.engine.dispose()
