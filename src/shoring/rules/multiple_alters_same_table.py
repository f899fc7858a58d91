"""Several ALTER TABLE statements on one table queue for its lock (or copy it) once each."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

_ALTER = re.compile(r"^\s*ALTER\s+TABLE\b", re.I)
COMBINABLE = frozenset({"add_column", "drop_column", "alter_column_type", "set_not_null", "drop_not_null",
                        "set_default", "drop_default", "add_constraint", "drop_constraint", "set_table_options",
                        "create_index", "drop_index"})


def _alter_table(st, description) -> str | None:
    if not st.operations or not _ALTER.match(st.sql):
        return None
    tables = {op.table for op in st.operations}
    kinds = {op.kind for op in st.operations}
    if len(tables) != 1:
        return None
    allowed = COMBINABLE | ({"rename_column"} if description.rename_column_combines else set())
    return next(iter(tables)) if kinds <= allowed else None


def check(ctx):
    for section in ("up", "down"):
        last: dict[str, object] = {}
        reported: set[str] = set()
        for st in ctx.section(section):
            table = _alter_table(st, ctx.description)
            if table is not None and not ctx.catalog.is_new(table):
                if table in last and table not in reported:
                    first = last[table]
                    copies = ctx.description.online_ddl_clauses and first.rewrites and st.rewrites
                    yield ctx.finding(
                        RULE, st, f"second ALTER TABLE {table} in a row (first on line {first.line}): "
                                  + ("each one rebuilds the table; one ALTER rebuilds it once" if copies
                                     else "combine them into one statement to take the lock once"),
                        severity="warning" if copies else None,
                        suggestion=f"ALTER TABLE {table} <first change>, <second change>;",
                    )
                    reported.add(table)
                last[table] = st
                continue
            for t in st.tables:  # anything else touching the table ends the run
                last.pop(t, None)


RULE = Rule(
    check=check,
    id="multiple-alters-same-table",
    severity="info",
    summary="Consecutive ALTER TABLE statements on one table that could be one",
    why=(
        "Each ALTER TABLE takes the table's lock anew, waiting in the lock queue each time; on "
        "MySQL/MariaDB each one that rebuilds the table copies it again. One ALTER TABLE with "
        "several comma-separated actions takes the lock once and rebuilds at most once. Renames "
        "cannot be combined on PostgreSQL and are left alone. A warning on MySQL when two "
        "rebuilding ALTERs follow each other, info otherwise."
    ),
    fix="One ALTER TABLE with the actions separated by commas.",
    engines=("postgresql", "mysql"),
    anchors="Eugene W12",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname text;
ALTER TABLE users ADD COLUMN avatar_url text;

-- migrate:down
ALTER TABLE users DROP COLUMN avatar_url, DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname text, ADD COLUMN avatar_url text;

-- migrate:down
ALTER TABLE users DROP COLUMN avatar_url, DROP COLUMN nickname;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname VARCHAR(50);
ALTER TABLE users ADD COLUMN avatar_url VARCHAR(255);

-- migrate:down
ALTER TABLE users DROP COLUMN avatar_url, DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname VARCHAR(50), ADD COLUMN avatar_url VARCHAR(255);

-- migrate:down
ALTER TABLE users DROP COLUMN avatar_url, DROP COLUMN nickname;
""",
        ),
    },
)
