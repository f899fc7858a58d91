"""backups, restore: the backups apply and rollback took, and bringing one back."""

from __future__ import annotations

import sys

import click

from shoring.cli.common import database_options, echo_json, format_option, settings_from


@click.command()
@database_options
@format_option("text", "json")
def backups(database, environment, migrations_dir, config_path, fmt):
    """List the backups apply and rollback took, newest last, with how each was verified."""
    from shoring.runner.backup import Manifest

    settings = settings_from(database, environment, migrations_dir, config_path)
    manifest = Manifest(settings.root).load()
    if fmt == "json":
        echo_json({"backups": [b.as_dict() for b in manifest.entries]})
        return
    if not manifest.entries:
        click.echo(f"No backups yet (configure [backup] in shoring.toml; the list is {manifest.path}).")
        return
    for b in manifest.entries:
        size = f"{b.bytes / 1e6:.1f} MB" if b.bytes is not None else "-"
        state = b.verified if b.valid else f"INVALID: {b.problem}"
        click.echo(f"  {b.id:>3}  {b.at}  {b.engine:<10} before {b.reason} of {b.version}  {size:>9}  {b.what}")
        click.echo(f"       {state or 'not verified'}")


@click.command()
@database_options
@click.argument("backup_id", metavar="ID")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation (CI, scripts).")
def restore(database, environment, migrations_dir, config_path, backup_id, yes):
    """Replace the database's contents with backup ID (see `shoring backups`); --database restores into another one."""
    from shoring.config import require_url
    from shoring.engines.url import parse_url
    from shoring.engines import connect
    from shoring.errors import ConfigError
    from shoring.runner.backup import Manifest, restore_backup

    settings = settings_from(database, environment, migrations_dir, config_path)
    entry = Manifest(settings.root).load().get(backup_id)
    url = parse_url(require_url(settings))
    question = (f"Replace everything in {url.masked()} with backup {entry.id} (taken {entry.at} before "
                f"{entry.reason} of {entry.version}, from {entry.database})?")
    if not yes:
        if not sys.stdin.isatty():
            raise ConfigError(f"{question} Not asking without a terminal: pass --yes")
        click.confirm(question, abort=True)
    engine = connect(url)
    try:
        restore_backup(settings, engine, backup_id, click.echo)
    finally:
        engine.close()
    click.echo(f"Restored backup {entry.id} into {url.masked()}.")
