"""Console entry point. Commands are imported only when run, so `shoring --help` starts fast."""

from __future__ import annotations

import sys

#: name -> (module, function, one-line summary). The group's help is rendered from this table.
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("shoring.cli.scaffold", "init", "Create shoring.toml and a migrations/ folder here."),
    "new": ("shoring.cli.scaffold", "new", "Scaffold a migration with the seed's header."),
    "lint": ("shoring.cli.lint", "lint", "Find migration hazards before they reach production."),
    "rules": ("shoring.cli.lint", "rules", "List every lint rule."),
    "plan": ("shoring.cli.plan", "plan", "Impact, locks, rewrites, estimates, rollback and checklist."),
    "prompt": ("shoring.cli.prompt", "prompt", "Render the seed's AI prompts filled with the live schema."),
    "test": ("shoring.cli.rehearse", "test", "Rehearse on a scratch copy: up, verify, down, verify, up."),
    "apply": ("shoring.cli.migrate", "apply", "Apply pending migrations."),
    "rollback": ("shoring.cli.migrate", "rollback", "Roll back applied migrations with their down sections."),
    "status": ("shoring.cli.migrate", "status", "Show every migration's state."),
    "history": ("shoring.cli.migrate", "history", "Show the audit trail of applies, rollbacks and repairs."),
    "verify": ("shoring.cli.verify", "verify", "Check history, index validity, constraints, row counts."),
    "baseline": ("shoring.cli.migrate", "baseline", "Mark an existing database as migrated up to a version."),
    "repair": ("shoring.cli.migrate", "repair", "Accept edited files, clear failed runs, mark manual fixes."),
    "demo": ("shoring.cli.demo", "demo", "Walk through the whole workflow on a bundled example (SQLite)."),
}

USAGE = "Usage: shoring [OPTIONS] COMMAND [ARGS]..."
ABOUT = "shoring: plan, lint, rehearse, execute and verify database migrations safely."


def group_help() -> str:
    width = max(len(n) for n in COMMANDS)
    lines = [USAGE, "", "  " + ABOUT, "", "Options:", "  --version  Show the version and exit.", "  --help     Show this message and exit.", "", "Commands:"]
    lines += [f"  {name.ljust(width)}  {summary}" for name, (_, _, summary) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    # The two commonest calls never need click: answer them from the table.
    if args in ([], ["--help"], ["-h"]):
        print(group_help())
        sys.exit(0)
    if args == ["--version"]:
        from shoring import __version__

        print(f"shoring {__version__}")
        sys.exit(0)
    from shoring.cli.app import run

    run(args)
