"""Console entry point. Commands are imported only when run, so `shoring --help` starts fast."""

from __future__ import annotations

import sys

#: name -> (module, function, one-line summary). Adding a command is one line here: the click group
#: in cli/app.py lists, completes and documents commands from this table, importing only the one run.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("shoring.cli.scaffold", "init", "Create shoring.toml and a migrations/ folder here."),
    "new": ("shoring.cli.scaffold", "new", "Scaffold a migration with the seed's header."),
    "lint": ("shoring.cli.lint", "lint", "Find migration hazards before they reach production."),
    "rules": ("shoring.cli.lint", "rules", "List every lint rule."),
    "plan": ("shoring.cli.plan", "plan", "Impact, locks, rewrites, estimates, rollback and checklist."),
    "prompt": ("shoring.cli.prompt", "prompt", "Render the seed's AI prompts filled with the live schema."),
    "test": ("shoring.cli.rehearse", "test", "Rehearse on a scratch copy: up, verify, down, verify, up."),
    "apply": ("shoring.cli.migrate", "apply", "Apply pending migrations."),
    "complete": ("shoring.cli.migrate", "complete", "Run the contract of an expanded migration, once new code is live."),
    "abort": ("shoring.cli.migrate", "abort", "Undo an expanded migration, restoring the old schema exactly."),
    "rollback": ("shoring.cli.migrate", "rollback", "Roll back applied migrations with their down sections."),
    "status": ("shoring.cli.migrate", "status", "Show every migration's state."),
    "history": ("shoring.cli.migrate", "history", "Show the audit trail of applies, rollbacks and repairs."),
    "verify": ("shoring.cli.verify", "verify", "Check history, index validity, constraints, row counts."),
    "report": ("shoring.cli.report", "report", "Write the HTML page of a run: timeline, throughput, lock waits, plan."),
    "drift": ("shoring.cli.drift", "drift", "Find schema changes made outside shoring since its last run."),
    "backups": ("shoring.cli.backups", "backups", "List the backups apply and rollback took, and how each was verified."),
    "restore": ("shoring.cli.backups", "restore", "Restore a backup into this or another database."),
    "baseline": ("shoring.cli.migrate", "baseline", "Mark an existing database as migrated up to a version."),
    "fleet": ("shoring.cli.fleet", "fleet", "Apply, plan or check one migrations folder over many databases, canary first."),
    "import": ("shoring.cli.imports", "import_history", "Adopt a database Flyway, Alembic, dbmate, sqitch or golang-migrate kept."),
    "repair": ("shoring.cli.migrate", "repair", "Accept edited files, clear failed runs, mark manual fixes."),
    "demo": ("shoring.cli.demo", "demo", "Walk through the whole workflow on a bundled example (SQLite)."),
}

ABOUT = "shoring: plan, lint, rehearse, execute and verify database migrations safely."


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    from shoring.cli.app import run

    run(args)
