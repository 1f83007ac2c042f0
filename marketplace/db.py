"""Database engine and sessions; the models' declarative base."""
from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Boolean, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
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


# PostgreSQL's deadlock, serialization failure and lock-not-available: the transaction may simply be retried.
RETRYABLE_SQLSTATES = {"40P01", "40001", "55P03"}


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer: on SQLite take the write lock now (BEGIN IMMEDIATE).

    pysqlite only begins a transaction at the first INSERT/UPDATE/DELETE, but a SAVEPOINT opens a
    deferred one at once: its first SELECT pins a snapshot, and when another process (the indexer)
    commits before this transaction's first write, SQLite refuses the upgrade with "database is locked"
    at once, without waiting for the busy timeout. Taking the lock first waits for it instead.
    PostgreSQL locks rows, so nothing is needed there.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def is_lock_conflict(error: OperationalError) -> bool:
    """Whether a failed transaction lost a race for a lock and may be retried as it was."""
    if "database is locked" in str(error.orig) or "database table is locked" in str(error.orig):
        return True
    return getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES


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
