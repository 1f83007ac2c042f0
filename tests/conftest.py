"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when configured), or one per
module for modules whose tests only read (shared_app)."""
from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app import create_app
from marketplace import migrations
from marketplace.db import Base, make_engine
from tests import servers
from tests.factories import FAST_HASH

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def _refuse_skip_in_ci(report):
    """Under CI=true a skip is a failure: a missing server must not let a run pass that tested less."""
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true, so nothing may be skipped: {reason.removeprefix('Skipped: ')}"
    return report


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    return _refuse_skip_in_ci((yield))


@pytest.hookimpl(wrapper=True)
def pytest_make_collect_report(collector):  # a whole module skipped while collecting
    return _refuse_skip_in_ci((yield))


@pytest.fixture(scope="session")
def migrated_sqlite_template(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrations.upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def migrated_postgres() -> str:
    url = servers.postgres_url()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    migrations.upgrade(engine)
    engine.dispose()
    return url


def _empty_postgres(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        # A connection a test leaked (idle in a transaction) would block TRUNCATE for ever: fail instead.
        connection.execute(text("SET LOCAL lock_timeout = '120s'"))
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


def fresh_database(request, kind: str, tmp_path: Path) -> str:
    """An empty, migrated database of the given kind for one test."""
    if kind == "sqlite":
        path = tmp_path / "marketplace.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("migrated_postgres")
    _empty_postgres(url)
    return url


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A migrated schema of its own in the test database, which the per-test emptying never touches:
    the URL that uses it, then it is dropped."""
    name = f"own_{uuid.uuid4().hex[:8]}"
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{name}"'))
    own_url = (make_url(url).update_query_dict({"options": f"-csearch_path={name}"})
               .render_as_string(hide_password=False))
    try:
        own_engine = make_engine(own_url)
        migrations.upgrade(own_engine)
        own_engine.dispose()
        yield own_url
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{name}" CASCADE'))
        engine.dispose()


@pytest.fixture(params=DATABASES)
def database_url(request, tmp_path) -> str:
    return fresh_database(request, request.param, tmp_path)


def app_settings(database_url: str, tmp_path: Path, **overrides) -> dict:
    """A test app's configuration: embedded search with the hashing embedder, English, no CSRF, and a
    one-iteration password hash (the strong default costs 130 ms a registration or sign-in)."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test",
        "DATABASE_URL": database_url,
        "PASSWORD_HASH_METHOD": FAST_HASH,
        "WTF_CSRF_ENABLED": False,
        "SEARCH_BACKEND": "embedded",
        "SEARCH_PATH": str(tmp_path / f"search-{uuid.uuid4().hex}"),
        "EMBEDDING_MODEL": "hashing",
        "BABEL_DEFAULT_LOCALE": "en",
        **overrides,
    }


def running_app(database_url: str, tmp_path: Path, **overrides) -> Iterator[Flask]:
    app = create_app(app_settings(database_url, tmp_path, **overrides))
    yield app
    app.extensions["search"].searcher.backend.clear()  # an OpenSearch index would outlive the test
    app.extensions["search"].close()
    app.extensions["database"].dispose()


@pytest.fixture
def app(database_url, tmp_path):
    yield from running_app(database_url, tmp_path)


@pytest.fixture(scope="module", params=DATABASES)
def shared_app(request, tmp_path_factory):
    """One app and database for a whole module whose tests only read what a module-scoped fixture loaded
    once (override `app` with it). On PostgreSQL the data lives in a schema of its own."""
    tmp_path = tmp_path_factory.mktemp("shared-app")
    if request.param == "sqlite":
        yield from running_app(fresh_database(request, "sqlite", tmp_path), tmp_path)
    else:
        with postgres_schema(request.getfixturevalue("migrated_postgres")) as url:
            yield from running_app(url, tmp_path)


@pytest.fixture
def session(app):
    with app.app_context():
        yield app.extensions["database"].session


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def db(app):
    """A session outside any app context: unlike `session`, it leaves each test-client request its own
    app context, so the signed-in user is loaded afresh from the cookie every time (as in production)."""
    with app.extensions["database"].new_session() as session:
        yield session
