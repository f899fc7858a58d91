"""init and new: start a project, scaffold a migration with the seed's header."""

from __future__ import annotations

import re
import subprocess
from datetime import datetime, timezone
from pathlib import Path

import click

from shoring.cli.common import settings_from
from shoring.errors import ConfigError

CONFIG_TEMPLATE = """\
# shoring configuration. Flags beat DATABASE_URL, which beats this file.
database = "{database}"
migrations = "migrations"
history_table = "shoring_migrations"
lock_timeout = "5s"     # how long one DDL statement may queue for its lock before it gives up
lock_wait = 120         # seconds an apply waits for another apply's run lock

# [environments.staging]
# database = "${{STAGING_DATABASE_URL}}"

# [lint]
# exclude = []          # rule ids to switch off
# server_version = "15"
"""


@click.command()
@click.option("--database", metavar="URL", default="sqlite:///app.db", show_default=True, help="Database URL to write into shoring.toml.")
def init(database):
    """Create shoring.toml and migrations/ in the current folder."""
    config = Path("shoring.toml")
    if config.exists():
        raise ConfigError("already initialised (shoring.toml exists)", path=config)
    config.write_text(CONFIG_TEMPLATE.format(database=database), encoding="utf-8")
    Path("migrations").mkdir(exist_ok=True)
    _ignore(Path(".gitignore"), ".shoring/")  # rehearsal records and other local state
    # SQLite's run lock is a file beside the database (every process that opens it must find it there;
    # removing it on release would let a waiting process lock a file nobody else sees): not for git
    _ignore(Path(".gitignore"), "*.shoring-lock")
    click.echo("Created shoring.toml and migrations/. Next: shoring new <name>")


def _ignore(path: Path, entry: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if entry not in lines and entry.rstrip("/") not in lines:
        path.write_text("\n".join([*lines, entry]) + "\n", encoding="utf-8")


def _git_config(key: str) -> str | None:
    try:
        out = subprocess.run(["git", "config", key], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def _keeps_transactions(url: str | None) -> bool:
    """Whether the configured engine can hold a migration's DDL in one transaction (not MySQL/MariaDB)."""
    if not url:
        return True
    from shoring.engines.url import parse_url
    from shoring.engines.description import describe

    try:
        return describe(parse_url(url).engine).transactional_ddl
    except Exception:  # noqa: BLE001 - a bad URL is reported by the commands that connect
        return True


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug:
        raise click.BadParameter("the name needs letters or digits", param_hint="NAME")
    return slug


def header_lines(title: str, author: str, when: datetime, transaction: bool = True) -> list[str]:
    return [
        f"Migration: {title}",
        f"Date: {when:%Y-%m-%d}",
        f"Author: {author}",
        "Issue: ",
        "Purpose: ",
        "Breaking-Changes: none",
        "Rollback: ",
        "Estimated-Time: ",
        f"Transaction: {'true' if transaction else 'false'}",
    ]


SQL_TEMPLATE = """{header}

-- migrate:up


-- migrate:down

"""

PY_TEMPLATE = '''"""
{header}
"""


def up(ctx):
    """Apply the change. ctx.execute(sql, params) runs one statement; write parameters as %s."""


def down(ctx):
    """Undo what up did."""
'''

OPS_TEMPLATE = '''"""
{header}
"""
from shoring.operations import AddColumn, CreateIndex  # also CreateTable, AddUnique, AddCheck, AddForeignKey, SetNotNull, Backfill, RunSQL, ...

operations = [
    # AddColumn("users", "email_verified", "boolean", default=False),
    # CreateIndex("users_email_idx", "users", ["email"]),
]
'''


PATTERN_TEMPLATE = '''"""
{header}
"""
from shoring.operations import {imports}

operations = [
{calls}
]
'''


def _pattern_option(name: str, **kwargs):
    return click.option(f"--{name.replace('_', '-')}", name, **kwargs)


@click.command()
@click.argument("name")
@click.option("--pattern", type=click.Choice(["add-column", "rename-column", "change-type", "add-index", "add-foreign-key",
                                              "set-not-null", "backfill"]),
              help="Write the safe migration for a common change as operations (give its --table, --column, ...).")
@_pattern_option("table", metavar="TABLE", help="--pattern: the table to change.")
@_pattern_option("column", metavar="COLUMN", help="--pattern: the column (add-foreign-key: the referencing column(s), a,b).")
@_pattern_option("type", metavar="TYPE", help="--pattern: the column's (new) type, as the engine spells it.")
@_pattern_option("default", metavar="VALUE", help="add-column: a constant default (true, 0, 'text').")
@_pattern_option("to", metavar="NAME", help="rename-column: the new name.")
@_pattern_option("using", metavar="SQL", help="change-type: the conversion, SQL over the column, e.g. 'CAST(age AS INTEGER)'.")
@_pattern_option("columns", metavar="A,B", help="add-index: the indexed columns.")
@_pattern_option("unique", is_flag=True, default=False, help="add-index: a unique index.")
@_pattern_option("index_name", metavar="NAME", help="add-index: the index's name (default <table>_<columns>_idx).")
@_pattern_option("references", metavar="TABLE", help="add-foreign-key: the referenced table.")
@_pattern_option("references_column", metavar="A,B", help="add-foreign-key: the referenced column(s) (default id).")
@_pattern_option("set", metavar="COLUMN=VALUE", multiple=True, help="backfill: a column and its value (repeatable; values travel as parameters).")
@_pattern_option("set_sql", metavar="SQL", help="backfill: the assignment as SQL, e.g. 'display_name = name'.")
@_pattern_option("where", metavar="SQL", help="backfill: which rows still need it, e.g. 'display_name IS NULL'.")
@_pattern_option("batch_size", metavar="N", type=click.IntRange(min=1), help="backfill: rows per batch (default 1000).")
@_pattern_option("contract", is_flag=True, default=False, help="rename-column, change-type: the contract step, once no code uses the old column.")
@click.option("--python", "python", is_flag=True, help="A Python migration with up(ctx)/down(ctx) instead of SQL.")
@click.option("--operations", "operations", is_flag=True,
              help="A Python migration of zero-downtime operations (operations = [...]) instead of SQL.")
@click.option("--no-transaction", is_flag=True, help="Mark it `Transaction: false` (CREATE INDEX CONCURRENTLY and friends).")
@click.option("--migrations", "migrations_dir", type=click.Path(file_okay=False), help="Migrations folder.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file.")
def new(name, pattern, python, operations, no_transaction, migrations_dir, config_path, **pattern_values):
    """Scaffold a migration named NAME with a timestamp version and the seed's header.

    With --pattern, write the seed's safe form of a common change for you, e.g.
    `shoring new rename_email --pattern rename-column --table users --column email --to email_address --type text`.
    """
    from shoring.cli.patterns import PATTERNS, pattern_options, phase, render

    given = {k: v for k, v in pattern_values.items() if v not in (None, (), False)}
    if pattern is None and given:
        raise click.UsageError(f"--{next(iter(given)).replace('_', '-')} belongs with --pattern")
    if pattern and (python or operations):
        raise click.UsageError("--pattern writes an operations migration: leave out --python/--operations")
    options = pattern_options(pattern, {**pattern_values, "name": slugify(name)}) if pattern else {}
    settings = settings_from(None, None, migrations_dir, config_path)
    slug = slugify(name)
    now = datetime.now(timezone.utc)
    folder = settings.migrations_dir
    folder.mkdir(parents=True, exist_ok=True)
    version = f"{now:%Y%m%d%H%M%S}"
    existing = {p.name.split("_", 1)[0] for p in folder.iterdir()}
    while version in existing:  # two in one second: keep versions unique and ordered
        version = str(int(version) + 1)
    author = settings.author or _git_config("user.name") or "unknown"
    email = _git_config("user.email")
    if email and "<" not in author:
        author = f"{author} <{email}>"
    lines = header_lines(slug.replace("_", " ").capitalize(), author, now, transaction=not no_transaction)
    if not no_transaction and not _keeps_transactions(settings.database_url):
        # MySQL/MariaDB commit each DDL statement at once: a `Transaction: true` there is a promise the
        # engine breaks (and `shoring test` says so). Without the line the engine decides, as it does.
        lines = [line for line in lines if not line.startswith("Transaction:")]
    if pattern:
        spec = PATTERNS[pattern]
        kept = [line for line in lines if not line.startswith("Transaction:") or no_transaction]
        rollback = spec.rollback(options) if callable(spec.rollback) else spec.rollback
        breaking = spec.breaking(options) if callable(spec.breaking) else spec.breaking
        filled = {"Purpose": spec.purpose(options), "Rollback": rollback, "Breaking-Changes": breaking}
        kept = [f"{line.split(':', 1)[0]}: {filled[line.split(':', 1)[0]]}" if line.split(":", 1)[0] in filled else line for line in kept]
        if phase(pattern, options):
            kept.append(f"Phase: {phase(pattern, options)}")
        calls, imports = render(pattern, options)
        path = folder / f"{version}_{slug}.py"
        text = PATTERN_TEMPLATE.format(header="\n".join(kept), imports=", ".join(imports), calls=calls)
    elif operations:  # no Transaction line unless asked: the operations decide (CONCURRENTLY runs outside one)
        path = folder / f"{version}_{slug}.py"
        kept = [line for line in lines if not line.startswith("Transaction:") or no_transaction]
        text = OPS_TEMPLATE.format(header="\n".join(kept))
    elif python:
        path = folder / f"{version}_{slug}.py"
        text = PY_TEMPLATE.format(header="\n".join(lines))
    else:
        path = folder / f"{version}_{slug}.sql"
        text = SQL_TEMPLATE.format(header="\n".join(f"-- {line}" for line in lines))
    path.write_text(text, encoding="utf-8")
    click.echo(str(path))
    hint = PATTERNS[pattern].next_step(options) if pattern else None
    if hint:
        click.echo(hint, err=True)
