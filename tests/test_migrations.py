"""The Alembic migrations and the models describe one schema: a model change without its migration fails here."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

import marketplace.models  # noqa: F401  (every table on the metadata, as migrations/env.py registers them)
from marketplace import migrations
from marketplace.db import Base, make_engine


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
