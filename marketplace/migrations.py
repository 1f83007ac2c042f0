"""Schema migrations with Alembic, run from the app's own engine."""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
# What autogenerate compares, and what tests/test_migrations.py holds the migrations to.


def _compare_server_default(_context, _inspected_column, _metadata_column, inspected_default, _metadata_default,
                            rendered_metadata_default) -> bool | None:
    """An empty-string default reflects from SQLite as ('') and renders from the model as ''; that pair is
    equal. Anything else: Alembic's own comparison (None)."""
    empty = [d is not None and d.strip("()'\"") == "" for d in (inspected_default, rendered_metadata_default)]
    return False if all(empty) else None


COMPARE_OPTIONS = {"compare_type": True, "compare_server_default": _compare_server_default}


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # Alembic reads options with ConfigParser interpolation: a % (as in an encoded password) must be doubled.
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%"))
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def autogenerate(engine: Engine, message: str) -> None:
    config = alembic_config(engine)
    # CI runs ruff over migrations too: tidy what autogenerate wrote (import order, whitespace).
    config.set_section_option("post_write_hooks", "hooks", "ruff")
    config.set_section_option("post_write_hooks", "ruff.type", "module")
    config.set_section_option("post_write_hooks", "ruff.module", "ruff")
    config.set_section_option("post_write_hooks", "ruff.options", "check --fix --quiet REVISION_SCRIPT_FILENAME")
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)
