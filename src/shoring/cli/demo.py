"""`shoring demo`: the seed's workflow, step by step, on the bundled example in a temporary SQLite database.

Each step runs the real CLI in a child process, exactly as a user would type it, and shows its output.
Steps whose command is not part of this build yet are left out rather than faked.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import click

BROKEN = """-- Purpose: Orders, with a typo in the foreign table name
-- Breaking-Changes: none (new table)
-- Rollback: safe; the table is dropped
-- Estimated-Time: < 1 second (new table)

-- migrate:up
CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL);
INSERT INTO orders (id, user_id) SELECT id, id FROM userz WHERE id <= 100;

-- migrate:down
DROP TABLE orders;
"""


@dataclass
class Step:
    title: str
    why: str
    commands: list[list[str]] = field(default_factory=list)
    needs: str | None = None  # module that must exist for this step to run
    before: str | None = None  # a file change to make first: "break" or "fix"
    may_fail: bool = False


STEPS = [
    Step("Step 0 - a project", "`shoring init` writes shoring.toml and migrations/; the example's migrations are copied in.",
         [["init", "--database", "sqlite:///demo.db"]]),
    Step("Step 0 - the application as it runs today",
         "The first two migrations are already in production: a users table with ~10k rows.",
         [["apply", "--to", "20240125090000"]]),
    Step("Step 1 - plan the migration",
         "The seed's migration plan document for add_email_verification, with its numbers read from the database.",
         [["plan", "--format", "markdown", "--to", "20240128093000"]], needs="shoring.cli.plan"),
    Step("Step 2 - the scripts, linted", "Every pitfall of the seed is a lint rule; findings come with the safe pattern to paste.",
         [["lint"]], needs="shoring.cli.lint", may_fail=True),
    Step("Step 3 - rehearse on a scratch copy", "Up, verify, down, verify, up again, on a copy; the target is untouched.",
         [["test"]], needs="shoring.cli.rehearse", may_fail=True),
    Step("Step 4 - execute", "A dry run first, then the real thing: each migration in its own transaction, recorded in the history.",
         [["apply", "--dry-run"], ["apply"], ["status"]]),
    Step("Rollback drill", "The seed: 'Always have a tested rollback plan'. Roll the newest migration back, then forward again.",
         [["rollback"], ["status"], ["apply"]]),
    Step("When a migration fails", "A migration with a typo fails; the history says exactly where, and nothing of it is left applied.",
         [["apply"], ["status"]], before="break", may_fail=True),
    Step("Fix and re-run", "Fix the file and apply again: the failed migration runs whole.",
         [["apply"], ["status"]], before="fix"),
    Step("Step 5 - the audit trail", "Every apply, rollback and failure, with who, where and how long.", [["history"]]),
]


def _available(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


@click.command()
@click.option("--keep", is_flag=True, help="Keep the temporary project folder and print where it is.")
def demo(keep):
    """Walk through plan, lint, test, apply, rollback and a failure on a bundled example (SQLite, nothing to set up)."""
    from shoring.demo import MIGRATIONS

    root = Path(tempfile.mkdtemp(prefix="shoring-demo-"))
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SHORING_ENV")}
    failed_unexpectedly = []
    try:
        click.secho("shoring demo: the seed's migration workflow on a bundled example, in a temporary SQLite database", bold=True)
        click.echo(f"(project folder: {root})")
        for step in STEPS:
            if not _available(step.needs):
                continue
            click.echo()
            click.secho(f"== {step.title} ==", fg="cyan", bold=True)
            click.echo(step.why)
            if step.before == "break":
                (root / "migrations" / "20240205120000_create_orders.sql").write_text(BROKEN)
                click.echo("(wrote migrations/20240205120000_create_orders.sql, which refers to a table 'userz')")
            elif step.before == "fix":
                path = root / "migrations" / "20240205120000_create_orders.sql"
                path.write_text(path.read_text().replace("FROM userz", "FROM users"))
                click.echo("(fixed 'userz' -> 'users' in migrations/20240205120000_create_orders.sql)")
            for args in step.commands:
                code = _run(args, root, env)
                if args[0] == "init":
                    for src in sorted(MIGRATIONS.iterdir()):
                        if src.suffix in (".sql", ".py"):
                            shutil.copy(src, root / "migrations" / src.name)
                    click.echo("  copied: " + ", ".join(sorted(p.name for p in (root / "migrations").iterdir())))
                    sample = root / "migrations" / "20240128093000_add_email_verification.sql"
                    click.echo(f"\n  {sample.name}:")
                    click.echo("".join(f"    | {line}\n" for line in sample.read_text().splitlines()))
                if code != 0 and not step.may_fail:
                    failed_unexpectedly.append(" ".join(args))
        click.echo()
        if failed_unexpectedly:
            click.secho(f"demo finished with unexpected failures: {', '.join(failed_unexpectedly)}", fg="red", bold=True)
            sys.exit(1)
        click.secho("demo finished: every step above ran against a real SQLite database.", fg="green", bold=True)
    finally:
        if keep:
            click.echo(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


def _run(args: list[str], cwd: Path, env: dict[str, str]) -> int:
    click.secho(f"$ shoring {' '.join(args)}", fg="yellow")
    result = subprocess.run([sys.executable, "-m", "shoring", *args], cwd=cwd, env=env, capture_output=True, text=True)
    for line in (result.stdout + result.stderr).rstrip().splitlines():
        click.echo(f"  {line}")
    if result.returncode:
        click.echo(f"  (exit code {result.returncode})")
    return result.returncode
