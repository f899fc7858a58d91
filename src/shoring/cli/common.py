"""Options and helpers every database command shares."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Callable, Iterator

import click

from shoring.config import Settings, load_settings


def database_options(func: Callable) -> Callable:
    func = click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (default: nearest shoring.toml or pyproject.toml).")(func)
    func = click.option("--migrations", "migrations_dir", type=click.Path(file_okay=False), help="Migrations folder (default: migrations/ beside the config).")(func)
    func = click.option("--env", "environment", help="Named environment from [environments.NAME].")(func)
    func = click.option("--database", "database", metavar="URL", help="Database URL (beats DATABASE_URL and the config).")(func)
    return func


def format_option(*choices: str) -> Callable:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=choices[0], show_default=True, help="Output format.")


def settings_from(database: str | None, environment: str | None, migrations_dir: str | None, config_path: str | None) -> Settings:
    return load_settings(config=config_path, database=database, environment=environment, migrations=migrations_dir)


def known_version(session: Any, version: str | None, *, before_first: bool = False) -> str | None:
    """`--to VERSION` as a version a file or the history has (a file name's prefix is fine); exit 2 otherwise.
    `before_first`: 0 means before the first migration (rollback --to 0 undoes them all)."""
    if version is None:
        return None
    from shoring.errors import MigrationFileError

    v = version.split("_", 1)[0]
    if session.migrations.get(v) is not None or v in session.history.rows() or (before_first and v.strip("0") == ""):
        return v
    raise MigrationFileError(f"no migration with version {version!r} in {session.migrations.directory} or its history")


def echo_table(columns: list[str], rows: list[list[str]], *, indent: int = 2) -> None:
    """Rows under a header, in columns rich.table aligns. On a terminal it fits the width; into a pipe or
    a file no line is wrapped, so every row stays one line for grep."""
    import io
    import shutil
    import sys

    from rich.console import Console
    from rich.table import Table

    table = Table(*columns, box=None, show_edge=False, pad_edge=False, padding=(0, 2, 0, 0), header_style="bold")
    for row in rows:
        table.add_row(*row)
    width = shutil.get_terminal_size().columns - indent if sys.stdout.isatty() else 100_000
    buffer = io.StringIO()
    Console(file=buffer, width=max(width, 40), highlight=False, color_system=None).print(table)
    for line in buffer.getvalue().splitlines():
        click.echo(" " * indent + line.rstrip())


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, default=str))


def say_err(text: str) -> None:
    click.echo(text, err=True)


@contextmanager
def live_run(settings: Settings, command: str, fmt: str = "text") -> Iterator[Callable[[str], None]]:
    """Show the run as it goes (live view, plain lines or JSON lines) and keep it in a run log; yields `say`."""
    from shoring import progress
    from shoring.errors import ShoringError
    from shoring.report.live import choose
    from shoring.runner.runlog import RunLog

    view = choose(command, fmt, say_err if fmt == "json" else click.echo)
    log = RunLog(settings.root, command, display=view)

    def say(text: str) -> None:
        log.emit("say", {"text": text})
        view.say(text)

    progress.attach(log)
    outcome, error = "ok", None
    try:
        with view:
            yield say
    except ShoringError as exc:
        outcome, error = "failed", exc.message
        raise
    except BaseException:
        outcome = "interrupted"
        raise
    finally:
        progress.attach(None)
        log.close(outcome, error)
        if not log.worked and outcome == "ok":
            log.path.unlink(missing_ok=True)  # nothing ran: nothing to report
        elif fmt != "json":
            click.echo(f"run log: {log.path.relative_to(settings.root)} (`shoring report {log.id}` draws it)")
