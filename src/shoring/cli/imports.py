"""`shoring import TOOL`: take over a database from another migration tool."""

from __future__ import annotations

from pathlib import Path

import click

from shoring.cli.common import database_options, settings_from
from shoring.imports.base import READERS
from shoring.runner.session import open_session


@click.command("import")
@database_options
@click.argument("tool", type=click.Choice(list(READERS)))
@click.option("--table", metavar="NAME", help="The tool's history table, when not its default.")
@click.option("--source", type=click.Path(exists=True, path_type=Path), metavar="DIR",
              help="The tool's own files: Alembic's script folder, sqitch's project folder (checked against the history).")
@click.option("--registry", metavar="NAME", help="sqitch: its registry schema/database (default sqitch), or file on SQLite.")
@click.option("--project", metavar="NAME", help="sqitch: the project, when the registry holds several.")
@click.option("--through", metavar="VERSION",
              help="Alembic, sqitch, golang-migrate: shoring files up to VERSION already do what the tool did (default: none).")
def import_history(database, environment, migrations_dir, config_path, tool, table, source, registry, project, through):
    """Read TOOL's history table and baseline shoring's history, so that `apply` runs only what is new.

    dbmate's and Flyway's files are shoring migrations as they are: each version the tool applied is
    recorded as applied. Alembic's revisions, sqitch's changes and golang-migrate's version become one
    baseline row: the schema they built, with shoring migrations starting after it.
    """
    from shoring.imports import read_history, record_import
    from shoring.imports.base import ImportOptions

    settings = settings_from(database, environment, migrations_dir, config_path)
    with open_session(settings, click.echo, need_migrations=False) as session:
        history = read_history(tool, session.engine, ImportOptions(table=table, source=source, registry=registry, project=project))
        for line in record_import(session, history, through=through):
            click.echo(line)
        click.echo(f"Imported {tool}'s history from {history.table}; `shoring status` shows the result, `shoring apply` runs what is new.")
