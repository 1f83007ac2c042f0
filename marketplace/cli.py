"""Flask commands: database migrations, catalogue import/export and demo data."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from marketplace import migrations
from marketplace.kinds import POSTING_KINDS
from marketplace.services import catalog, demo, uniquip

db_cli = AppGroup("db", help="Database schema.")
catalog_cli = AppGroup("catalog", help="Import and export the catalogue (JSON Lines or CSV).")
demo_cli = AppGroup("demo", help="Demo data.")


def _database():
    return current_app.extensions["database"]


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the latest revision."""
    migrations.upgrade(_database().engine)
    click.echo("database is at the latest revision")


@db_cli.command("revision")
@click.option("-m", "--message", required=True)
def db_revision(message: str) -> None:
    """Autogenerate a migration from model changes (for developers)."""
    migrations.autogenerate(_database().engine, message)


@catalog_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "uniquip"]),
              help="Default: from the file name (.csv or .jsonl). uniquip: a UK equipment-sharing CSV.")
@click.option("--owner", help="Organisation that owns rows without an owner (every row of a uniquip file).")
def catalog_import(path: Path, fmt: str | None, owner: str | None) -> None:
    """Import FILE; the same ref updates its posting instead of duplicating it."""
    session = _database().new_session()
    with session:
        if fmt == "uniquip":
            if not owner:
                raise click.UsageError("a uniquip file names no owner: give --owner ORGANISATION")
            imported = uniquip.import_uniquip(session, path.read_bytes(), {"name": owner})
            report = imported.report
            click.echo(f"read as {imported.encoding}")
        else:
            report = catalog.import_records(session, catalog.parse_catalogue(path, fmt),
                                            default_owner={"name": owner} if owner else None)
    click.echo(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}, "
               f"rejected {len(report.errors)}")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    if report.errors:
        sys.exit(1)


@catalog_cli.command("export")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl", "csv", "uniquip"]),
              help="Default: from the file name. uniquip: the shared instruments as a UK equipment-sharing CSV.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(POSTING_KINDS))
def catalog_export(path: Path, fmt: str | None, kinds: tuple[str, ...]) -> None:
    """Write the catalogue to FILE in the import format (- for standard output)."""
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    session = _database().new_session()

    def write(stream) -> int:
        if fmt == "uniquip":
            return uniquip.export_uniquip(session, stream)
        return catalog.write_catalogue(catalog.export_records(session, kinds or None), stream, fmt)

    with session:
        if str(path) == "-":
            count = write(sys.stdout)
        else:
            with path.open("w", encoding="utf-8", newline="") as stream:
                count = write(stream)
    click.echo(f"exported {count} postings", err=True)


@demo_cli.command("seed")
@click.option("--scale", default=1, show_default=True, help="Multiply the demo catalogue (for load tests).")
def demo_seed(scale: int) -> None:
    """Load the bilingual demo catalogue and demo accounts (idempotent)."""
    session = _database().new_session()
    with session:
        report, logins = demo.seed(session, current_app.extensions["passwords"], scale=scale)
    click.echo(f"demo catalogue: created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    click.echo("demo accounts (password: " + demo.DEMO_PASSWORD + "): " + ", ".join(logins))


def register_commands(app: Flask) -> None:
    for group in (db_cli, catalog_cli, demo_cli):
        app.cli.add_command(group)
