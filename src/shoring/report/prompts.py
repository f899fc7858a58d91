"""The seed's two AI prompt templates (plan, scripts), filled with what the database really holds."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from shoring.engines.description import ENGINES
from shoring.report.schema_text import human_rows, schema_text

ENGINE_NAMES = {"postgresql": "PostgreSQL", "mysql": "MySQL", "sqlite": "SQLite"}

PLAN_TEMPLATE = """\
Plan a database migration for {change}.

Current schema:
{schema}

Desired schema:
{desired}

Constraints:
- Zero downtime required: {zero_downtime}
- Backward compatibility needed: {backward}
- Data volume: {volume}
- Database: {database}

Please create a migration plan with:
1. Step-by-step migration strategy
2. Impact analysis
3. Rollback plan
4. Testing checklist
5. Estimated execution time
"""

SCRIPTS_TEMPLATE = """\
Create migration scripts for {change}.

Database: {database}
Current schema: {schema}
Desired change: {change}

Requirements:
- Idempotent (safe to run multiple times)
- Include rollback script
- Add detailed comments
- Estimate execution time
- Use appropriate indexes

Please generate up and down migration scripts.
"""

#: what shoring adds after the seed's text, so the answer drops straight into the project
SHORING_FORMAT = """\

Write each migration as one file for shoring: a header of `-- Key: value` lines
(Purpose, Breaking-Changes, Rollback, Estimated-Time, Issue, Transaction), then
`-- migrate:up` and `-- migrate:down` sections. Mark `-- Transaction: false` on a
migration whose statements cannot run in a transaction (CREATE INDEX CONCURRENTLY).
Prefer expand-contract over renames, batched backfills over one large UPDATE, and
constraints added NOT VALID then validated separately.{pending}
"""


@dataclass
class PromptInputs:
    change: str
    engine: str
    server_version: str | None
    schema: Any  # shoring.verify.Schema, or None without a database
    stats: dict[str, Any]
    zero_downtime: bool = True
    backward_compatible: bool = True
    desired: str | None = None
    pending: list[str] | None = None


def database_label(engine: str, server_version: str | None) -> str:
    """'PostgreSQL 15.4', 'MariaDB 10.11.9', 'MySQL 8.0.36', 'SQLite 3.45.1'."""
    name = ENGINE_NAMES.get(engine, engine)
    if not server_version:
        return name
    for word, label in ENGINES[engine].server_variants if engine in ENGINES else ():
        if word in server_version.lower():  # another server of the family (MariaDB): its own version, no suffix
            return f"{label} {server_version.split('-')[0]}"
    return f"{name} {server_version}"


def relevant_tables(change: str, schema: Any) -> list[str] | None:
    """Tables the change names; None (all tables) when it names none."""
    if schema is None:
        return None
    words = {w.lower() for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", change)}
    named = [t for t in sorted(schema.tables) if t.lower() in words or t.lower().rstrip("s") in words]
    return named or None


def render(kind: str, inputs: PromptInputs) -> str:
    tables = relevant_tables(inputs.change, inputs.schema)
    if inputs.schema is None:
        schema = "(no database given: run with --database URL to include the live schema)"
    else:
        schema = schema_text(inputs.schema, inputs.stats, tables)
        if tables is not None and len(tables) < len(inputs.schema.tables):
            others = sorted(set(inputs.schema.tables) - set(tables))
            schema += f"\n\n-- other tables: {', '.join(others)}"
    database = database_label(inputs.engine, inputs.server_version)
    counted = {t: s for t, s in inputs.stats.items() if tables is None or t in tables}
    volume = ", ".join(f"{t}: {human_rows(s.rows)}" for t, s in counted.items()) or "unknown (no database given)"
    values = {
        "change": inputs.change,
        "schema": schema if kind == "plan" else f"\n{schema}\n",
        "desired": inputs.desired or f"(describe changes) {inputs.change}",
        "zero_downtime": "yes" if inputs.zero_downtime else "no",
        "backward": "yes" if inputs.backward_compatible else "no",
        "volume": volume,
        "database": database,
    }
    text = (PLAN_TEMPLATE if kind == "plan" else SCRIPTS_TEMPLATE).format(**values)
    pending = ""
    if inputs.pending:
        pending = "\n\nMigrations written but not applied yet (the plan must come after them):\n" + "\n".join(f"- {p}" for p in inputs.pending)
    return text + SHORING_FORMAT.format(pending=pending)
