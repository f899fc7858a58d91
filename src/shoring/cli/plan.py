"""`shoring plan`: impact, locks, rewrites, estimates, rollback and checklist for pending migrations."""

from __future__ import annotations

import click

from shoring.cli.common import database_options, echo_json, say_err, settings_from


@click.command()
@database_options
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "html", "json"]), default="text", show_default=True,
              help="Output format (markdown: the seed's migration plan document; html: the same as one page).")
@click.option("--to", "to", metavar="VERSION", help="Plan pending migrations up to and including this version.")
@click.option("--engine", type=click.Choice(["postgresql", "mysql", "sqlite"]),
              help="Engine to plan for when no database is given (default: [plan] engine, or postgresql).")
@click.option("--server-version", metavar="VERSION", help="Server version to plan for when no database is given.")
@click.option("--calibrate/--no-calibrate", default=True, show_default=True,
              help="Time a sample of each big table on the target's server (on a scratch copy) for estimates.")
@click.option("--lint/--no-lint", "lint", default=True, show_default=True, help="Include lint findings.")
@click.option("--fail-on", type=click.Choice(["medium", "high"]), help="Exit 1 when the plan's risk is at least this.")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False))
def plan(database, environment, migrations_dir, config_path, fmt, to, engine, server_version, calibrate, lint,
         fail_on, files):
    """Plan the pending migrations (or FILES): what each statement locks, rewrites and blocks, for how
    long on this database's real tables, the risk, the rollback, the deploy order and the checklist.

    With a database (--database, DATABASE_URL or the config) the schema and table sizes are read
    from it, and nothing in it is changed.
    """
    from shoring.plan.builder import PlanOptions, build_plan
    from shoring.config import parse_duration

    settings = settings_from(database, environment, migrations_dir, config_path)
    section = settings.section("plan")
    migrations, all_migrations = _load(settings, files)
    options = PlanOptions(
        engine=engine or section.get("engine") or "postgresql",
        server_version=server_version or section.get("server_version"),
        root=settings.root,
        backup=settings.section("backup"),
        hooks=settings.section("hooks"),
        lock_timeout=parse_duration(settings.lock_timeout, "lock_timeout"),
        statement_timeout=parse_duration(settings.statement_timeout, "statement_timeout"),
        lint=lint,
        lint_exclude=frozenset(_lint_exclude(settings)),
        calibrate=calibrate and section.get("calibrate", True),
        calibration_rows=int(section.get("calibration_rows", 20000)),
        history_table=settings.history_table,
        known_migrations={m.version: m for m in all_migrations},
        say=say_err,
    )
    if settings.database_url:
        result = _plan_live(settings, options, migrations, bool(files), to)
    else:
        chosen = _up_to(migrations, to)
        result = build_plan(chosen, options)
        if not files:
            result.notes.insert(0, "without a database every migration in the folder is planned "
                                   "(which are applied is unknown)")
    if fmt == "json":
        echo_json(result.to_dict())
    elif fmt in ("markdown", "html"):
        from shoring.plan.render_markdown import render

        text = render(result)
        if fmt == "html":
            from shoring.report.html import markdown_page

            text = markdown_page(text, "Migration plan")
        click.echo(text, nl=False)
    else:
        from shoring.plan.render_text import render

        click.echo(render(result), nl=False)
    if fail_on and ("low", "medium", "high").index(result.risk) >= ("low", "medium", "high").index(fail_on):
        raise SystemExit(1)


def _lint_exclude(settings) -> list[str]:
    raw = settings.section("lint").get("exclude", [])
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [x.strip() for item in items for x in str(item).split(",") if x.strip()]


def _load(settings, files):
    """(migrations to plan, every migration of the project)."""
    from pathlib import Path

    from shoring.migrations import load_migrations
    from shoring.migrations.discovery import version_key

    all_migrations = list(load_migrations(settings.migrations_dir, must_exist=not files))
    if not files:
        return all_migrations, all_migrations
    chosen = [_read_file(Path(f)) for f in files]
    chosen.sort(key=lambda m: version_key(m.version))
    return chosen, all_migrations


def _read_file(path):
    """A migration file in shoring's format, or any SQL file (the whole file is the up section)."""
    import re

    from shoring.migrations.model import parse_migration_file, parse_sql_migration, read_text

    if re.match(r"^\d+_.+\.(sql|py)$", path.name) and (path.suffix == ".py" or "migrate:up" in read_text(path)):
        return parse_migration_file(path)
    text = read_text(path)
    m = re.match(r"^(\d+)_(.+)\.sql$", path.name)
    version, name = (m.group(1), m.group(2)) if m else (path.stem, path.stem)
    return parse_sql_migration(path, version, name, text, require_up=False)


def _up_to(migrations, to, known=None):
    """The migrations up to `to`, which must be the version of one of `known` (default: of `migrations`)."""
    if not to:
        return list(migrations)
    from shoring.errors import MigrationFileError
    from shoring.migrations.discovery import version_key

    if to.split("_", 1)[0] not in {m.version for m in (migrations if known is None else known)}:
        raise MigrationFileError(f"--to {to}: no migration with that version")
    limit = version_key(to.split("_", 1)[0])
    return [m for m in migrations if version_key(m.version) <= limit]


def _plan_live(settings, options, migrations, named_files, to):
    from shoring.engines.url import parse_url
    from shoring.engines import connect
    from shoring.migrations import MigrationSet
    from shoring.plan.builder import build_plan
    from shoring.plan.live import open_live, read_only_session

    url = parse_url(settings.database_url)
    options.database_url = url
    states: dict[str, str] = {}
    with connect(url, read_only=True) as engine:
        read_only_session(engine)
        live = open_live(engine, settings.history_table)
        if named_files:
            chosen = _up_to(migrations, to)
        else:
            from shoring.runner.session import Session
            from shoring.runner.status import PENDING_STATES, compute_status

            session = Session(settings=settings, engine=engine, migrations=MigrationSet(settings.migrations_dir, migrations))
            todo = {s.version: s.state for s in compute_status(session) if s.state in PENDING_STATES}
            states = todo
            chosen = _up_to([m for m in migrations if m.version in todo], to, known=migrations)
        return build_plan(chosen, options, live=live, states=states)
