"""Plan SQL text that is not a migration file yet (tests, `shoring plan` on a snippet, other tools)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def plan_sql(up: str, *, live: Any = None, engine: str = "postgresql", server_version: str | None = None,
             down: str | None = None, transactional: bool = True, options: Any = None) -> Any:
    """A Plan of one migration whose up (and down) sections are the given SQL."""
    from shoring.migrations.model import parse_sql_migration
    from shoring.plan.builder import PlanOptions, build_plan

    header = "" if transactional else "-- Transaction: false\n"
    text = f"{header}-- migrate:up\n{up.strip()}\n"
    if down is not None:
        text += f"\n-- migrate:down\n{down.strip()}\n"
    migration = parse_sql_migration(Path("snippet.sql"), "0", "snippet", text)
    if options is None:
        options = PlanOptions(engine=live.name if live is not None else engine, server_version=server_version,
                              lint=False, calibrate=False)
    return build_plan([migration], options, live=live)
