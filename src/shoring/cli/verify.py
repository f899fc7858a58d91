"""`shoring verify`: is the database in the state the migrations promise?"""

from __future__ import annotations

from pathlib import Path

import click

from shoring.cli.common import database_options, echo_json, format_option, settings_from
from shoring.errors import CheckFailed, ConfigError
from shoring.runner.session import open_session


@click.command()
@database_options
@click.option("--save", type=click.Path(dir_okay=False, path_type=Path), help="Save the schema and data fingerprints as a baseline (before a migration).")
@click.option("--against", type=click.Path(dir_okay=False, path_type=Path), help="Compare with a baseline saved earlier (after the migration).")
@format_option("text", "json")
def verify(database, environment, migrations_dir, config_path, save, against, fmt):
    """Check the database after a migration: history, index validity, constraints, row counts and checksums.

    Exit 1 when something is wrong (a failed or interrupted migration, an edited file, an INVALID index).
    """
    from shoring.runner.status import compute_status
    from shoring.verify.postflight import run_verification

    if against is not None and not against.is_file():
        raise ConfigError("baseline not found (make one with `shoring verify --save FILE` before migrating)", path=against)
    settings = settings_from(database, environment, migrations_dir, config_path)
    with open_session(settings, read_only=True, need_migrations=False) as session:
        result = run_verification(session.engine, compute_status(session), settings.history_table, save=save, against=against)
        if fmt == "json":
            echo_json(result.to_dict())
        else:
            click.echo(f"Verifying {session.engine.url.masked()} ({session.engine.name} {session.engine.server_version})")
            for p in result.problems:
                click.echo(f"  {p.severity.upper():<7} {p.message}")
            for name, fp in result.tables.items():
                click.echo(f"  table {name}: {fp.rows} row(s), checksum {fp.checksum}")
            if result.schema_changes is not None:
                click.echo(f"  schema since {against}: " + ("no change" if not result.schema_changes else ""))
                for line in result.schema_changes:
                    click.echo(f"    {line}")
                click.echo(f"  data since {against}: " + ("no change" if not result.data_changes else ""))
                for line in result.data_changes:
                    click.echo(f"    {line}")
            if save is not None:
                click.echo(f"  baseline saved to {save}")
            click.echo("  ok" if result.ok else "  verification FAILED")
    if not result.ok:
        raise CheckFailed(f"verification failed: {'; '.join(p.message for p in result.problems if p.severity == 'error')}")
