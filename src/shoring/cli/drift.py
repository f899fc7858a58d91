"""drift: changes made to the schema outside shoring since its last apply or rollback."""

from __future__ import annotations

import click

from shoring.cli.common import database_options, echo_json, format_option, settings_from
from shoring.config import require_url


@click.command()
@database_options
@format_option("text", "json")
def drift(database, environment, migrations_dir, config_path, fmt):
    """Compare the live schema with the one shoring recorded after its last apply or rollback; exit 1 on drift."""
    from shoring import verify
    from shoring.engines.url import parse_url
    from shoring.engines import connect
    from shoring.errors import CheckFailed, ConfigError
    from shoring.plan.live import read_only_session
    from shoring.runner.schema_record import latest

    settings = settings_from(database, environment, migrations_dir, config_path)
    url = parse_url(require_url(settings))
    with connect(url, read_only=True) as engine:
        read_only_session(engine)
        found = latest(engine, settings.history_table)
        if found is None:
            raise ConfigError(f"no schema recorded on {url.masked()} yet: `shoring apply` records one after each run")
        recorded, schema = found
        changes = verify.diff(schema, verify.snapshot(engine, history_table=settings.history_table))
    since = f"the {recorded['event']} of {recorded['version']} at {recorded['at']}"
    if fmt == "json":
        echo_json({"database": url.masked(), "drift": bool(changes), "recorded": recorded, "changes": changes.to_list()})
    elif changes:
        click.echo(f"Drift on {url.masked()}: {len(changes)} change(s) made outside shoring since {since}:")
        click.echo(changes.text())
    else:
        click.echo(f"No drift on {url.masked()}: the schema is as shoring left it after {since}.")
    if changes:
        if fmt == "json":
            raise SystemExit(1)
        raise CheckFailed("the schema drifted: bring the change into a migration, or undo it")
