"""`shoring test`: rehearse pending migrations on a scratch copy of the database."""

from __future__ import annotations

import click

from shoring.cli.common import database_options, echo_json, format_option, say_err, settings_from
from shoring.runner.session import open_session


@click.command(name="test")
@database_options
@click.option("--rows", type=click.IntRange(min=0), default=None,
              help="Add N synthetic rows to every table, edge cases first (NULLs, duplicates, extremes).")
@click.option("--scale", type=click.FloatRange(min=0), default=None,
              help="Add FACTOR times each table's real (estimated) row count as synthetic rows.")
@click.option("--sample-rows", type=click.IntRange(min=0), default=None,
              help="Rows copied per table when the copy samples (default 10000).")
@click.option("--copy", "copy_method", type=click.Choice(["auto", "template", "sample"]), default=None,
              help="PostgreSQL: TEMPLATE copy, schema dump + sampled rows, or TEMPLATE when the target is idle (auto).")
@click.option("--to", "to", metavar="VERSION", help="Rehearse pending migrations up to and including this version.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the synthetic data.")
@click.option("--no-probe", is_flag=True, help="Do not run the concurrent read/write probe (PostgreSQL).")
@format_option("text", "json")
def test(database, environment, migrations_dir, config_path, rows, scale, sample_rows, copy_method, to, seed,
         no_probe, fmt):
    """Rehearse each pending migration on a scratch copy: up, verify, down, verify, up again.

    The target database is only read. Exit status 1 names the migration and the step that failed.
    """
    from shoring.errors import CheckFailed
    from shoring.faults import boundary
    from shoring.rehearsal.rehearse import RehearsalOptions, rehearse, save_records
    from shoring.rehearsal.render import render_text
    from shoring.rehearsal.scratch import CopyOptions
    from shoring.runner.apply import plan_apply

    if rows is not None and scale is not None:
        raise click.UsageError("give --rows or --scale, not both")
    settings = settings_from(database, environment, migrations_dir, config_path)
    defaults = settings.section("test")
    say = say_err if fmt == "json" else click.echo
    with open_session(settings, say, read_only=True) as session:
        # bad input (an edited applied file, an unknown --to) fails here, before any copy is made; what is
        # rehearsed is read again from the copy, which a concurrent apply may have moved on since
        todo = plan_apply(session, session.history.rows(), to, stop_at_expand=False).todo  # every pending one
        target, migrations = session.engine.url, session.migrations
    # the session's connection is closed here: PostgreSQL copies by TEMPLATE only from an idle database
    boundary("test:planned")
    options = RehearsalOptions(
        rows=rows if rows is not None else (defaults.get("rows") if scale is None else None),
        scale=scale if scale is not None else (defaults.get("scale") if rows is None else None),
        seed=seed,
        probe=not no_probe,
        copy=CopyOptions(
            method=copy_method or defaults.get("copy", "auto"),
            sample_rows=sample_rows if sample_rows is not None else int(defaults.get("sample_rows", 10000)),
        ),
    )
    result = rehearse(settings, target, todo, options, say, migrations=migrations, to=to)
    save_records(settings.root, result)
    if fmt == "json":
        echo_json(result.to_dict())
    else:
        click.echo(render_text(result))
    failing = result.failing
    if failing:
        mig, step = failing
        raise CheckFailed(f"rehearsal of {mig.migration.version} {mig.migration.name} failed at '{step.name}': {step.message}")
    if result.target_unchanged is False:
        raise CheckFailed("the target database changed during the rehearsal: " + "; ".join(result.target_changes[:5]))
