"""`shoring prompt plan|scripts "<change>"`: the seed's AI prompts, filled with the live schema."""

from __future__ import annotations

import click

from shoring.cli.common import database_options, settings_from


@click.command()
@click.argument("kind", type=click.Choice(["plan", "scripts"]))
@click.argument("change")
@database_options
@click.option("--zero-downtime/--downtime-ok", default=True, show_default=True, help="Is downtime acceptable?")
@click.option("--backward-compatible/--breaking-ok", default=True, show_default=True, help="Must old code keep working?")
@click.option("--desired", metavar="TEXT", help="The desired schema, if you have it written down.")
def prompt(kind, change, database, environment, migrations_dir, config_path, zero_downtime, backward_compatible, desired):
    """Print the seed's KIND prompt for CHANGE, ready to paste into an assistant.

    With a database (--database, DATABASE_URL or the config) the prompt carries the live schema,
    the engine and version, and row counts; the database is only read.
    """
    from shoring.migrations import load_migrations
    from shoring.report.prompts import PromptInputs, render

    settings = settings_from(database, environment, migrations_dir, config_path)
    inputs = PromptInputs(change=change, engine="postgresql", server_version=None, schema=None, stats={},
                          zero_downtime=zero_downtime, backward_compatible=backward_compatible, desired=desired)
    if settings.database_url:
        from shoring import verify
        from shoring.engines import connect
        from shoring.runner.session import Session
        from shoring.runner.status import compute_status

        migrations = load_migrations(settings.migrations_dir)
        with connect(settings.database_url, read_only=True) as engine:
            schema = verify.snapshot(engine, history_table=settings.history_table)
            inputs.engine, inputs.server_version = engine.name, engine.server_version
            inputs.schema, inputs.stats = schema, verify.table_stats(engine, schema)
            session = Session(settings=settings, engine=engine, migrations=migrations)
            inputs.pending = [f"{s.version} {s.name}" for s in compute_status(session) if s.state in ("pending", "failed", "interrupted", "rolled_back")]
    click.echo(render(kind, inputs), nl=False)
