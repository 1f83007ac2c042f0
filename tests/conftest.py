"""Shared fixtures: a real database per test (SQLite file, and PostgreSQL when configured)."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from marketplace import migrations
from marketplace.db import Base, make_engine
from tests import servers

DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
IN_CI = os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true a skip is a failure: a missing server must not let a run pass that tested less."""
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"CI=true, so nothing may be skipped: {reason.removeprefix('Skipped: ')}"
    return report


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
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
        "WTF_CSRF_ENABLED": False,
        "SEARCH_BACKEND": "embedded",
        "SEARCH_PATH": str(tmp_path / f"search-{uuid.uuid4().hex}"),
        "EMBEDDING_MODEL": "hashing",
        "BABEL_DEFAULT_LOCALE": "en",
        **overrides,
    }


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(app_settings(database_url, tmp_path))
    yield app
    app.extensions["search"].close()
    app.extensions["database"].dispose()


@pytest.fixture
def session(app):
    with app.app_context():
        yield app.extensions["database"].session


@pytest.fixture
def client(app):
    return app.test_client()
