"""The Alembic migrations and the models describe one schema (a model change without its migration fails
here), and migrations upgrade databases that already hold data, on SQLite and PostgreSQL."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

import indexer.models  # noqa: F401  (the search outbox's tables: the metadata as migrations/env.py builds it)
import marketplace.models  # noqa: F401  (every table on the metadata, as migrations/env.py registers them)
from marketplace import migrations
from marketplace.db import Base, make_engine
from marketplace.models import Notification
from tests.conftest import DATABASES
from tests.factories import credit_code

BEFORE_TEMPLATES = "31d2b9a22482"
BEFORE_MEMBERSHIPS = "d1800826ebaa"


@pytest.fixture(params=DATABASES)
def engine_at(request, tmp_path):
    """An empty database at an older revision; PostgreSQL's shared test database is put back at head."""
    postgres = request.param == "postgresql"
    engine = make_engine(request.getfixturevalue("migrated_postgres") if postgres
                         else f"sqlite:///{tmp_path / 'old.sqlite3'}")

    def at(revision: str):
        if postgres:
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        migrations.upgrade(engine, revision)
        return engine
    yield at
    if postgres:
        at("head")
    engine.dispose()


def test_credit_codes_that_differ_only_in_spelling_are_settled_without_breaking_the_upgrade(engine_at):
    engine = engine_at(BEFORE_MEMBERSHIPS)
    code = credit_code("91420100MA4K5678")
    with engine.begin() as connection:
        for org_id, name, stored in [(1, "甲公司", code.lower()), (2, "乙公司", code), (3, "丙公司", "0" * 18),
                                     (4, "丁公司", None)]:
            connection.execute(text("INSERT INTO organisations (id, name, kind, credit_code, verified, created_at) "
                                    "VALUES (:id, :name, 'enterprise', :code, false, CURRENT_TIMESTAMP)"),
                               {"id": org_id, "name": name, "code": stored})
        for user_id in (1, 2):
            connection.execute(text("INSERT INTO users (id, email, display_name, password_hash, role, organisation_id, "
                                    "created_at) VALUES (:id, :email, 'u', 'x', 'member', 1, CURRENT_TIMESTAMP)"),
                               {"id": user_id, "email": f"u{user_id}@example.com"})
    migrations.upgrade(engine)
    with engine.connect() as connection:
        codes = dict(connection.execute(text("SELECT id, credit_code FROM organisations ORDER BY id")).all())
        tokens = [t for (t,) in connection.execute(text("SELECT session_token FROM users"))]
    assert codes == {1: code, 2: None, 3: None, 4: None}  # the oldest keeps the code; duplicates are logged
    assert len(set(tokens)) == 2 and all(len(t) == 32 for t in tokens)


def test_notifications_written_before_templates_read_as_they_were_after_the_upgrade(engine_at):
    engine = engine_at(BEFORE_TEMPLATES)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO organisations (id, name, kind, verified, created_at) "
                                "VALUES (1, '某药企', 'enterprise', false, CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO users (id, email, display_name, password_hash, role, organisation_id, "
                                "created_at) VALUES (1, 'a@example.com', 'A', 'x', 'member', 1, CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO notifications (user_id, message, link, created_at) VALUES "
                                "(1, 'New quote 新报价: ¥48,000 (100% paid)', '/inquiries/1', CURRENT_TIMESTAMP)"))
    migrations.upgrade(engine)
    with Session(engine) as session:
        old = session.scalar(select(Notification))
        assert (old.message, old.values, old.link) == ("New quote 新报价: ¥48,000 (100% paid)", {}, "/inquiries/1")


def test_a_freshly_migrated_database_matches_the_models_exactly(database_url):
    # database_url is a copy of (SQLite) or the very (PostgreSQL) database `alembic upgrade head` built this run.
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts=migrations.COMPARE_OPTIONS)
            heads = ScriptDirectory.from_config(migrations.alembic_config(engine)).get_heads()
            assert context.get_current_heads() == tuple(heads)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()



def test_a_database_url_with_percent_encoded_characters_migrates(migrated_postgres):
    # An encoded character in the URL (here "@" as %40 in a password, which this test server does not check)
    # broke `db upgrade`: Alembic's config syntax read the % as the start of an interpolation.
    engine = make_engine(make_url(migrated_postgres).set(password="p@ss").render_as_string(hide_password=False))
    try:
        migrations.upgrade(engine)
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_heads()
    finally:
        engine.dispose()
