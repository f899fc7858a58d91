"""A backfill in the same migration as the schema change it fills: one long step, hard to undo."""

from __future__ import annotations

from shoring.analysis.operations import NON_SCHEMA_KINDS
from shoring.lint.base import Example, Rule, short_sql


def check(ctx):
    changed: dict[str, int] = {}  # existing table -> line of its first schema change
    for st in ctx.up:
        for op in st.operations:
            if op.kind in NON_SCHEMA_KINDS or op.kind in ("create_table", "python") or not op.table or op.new_table:
                continue
            changed.setdefault(op.table, st.line)
        for op in st.operations:
            fills = op.kind == "update" or (op.kind == "insert" and op.get("from_select"))
            if op.get("batched") and not st.in_transaction:
                continue  # batches committed one by one after the schema change committed: the separate step, already
            if fills and op.table in changed and not op.new_table:
                held = " while the schema change's lock is held" if st.in_transaction else ""
                yield ctx.finding(
                    RULE, st, f"backfill of {op.table} in the migration that changed its schema (line "
                              f"{changed[op.table]}){held}: plan the backfill as a separate step",
                    op=op, suggestion=f"-- move it to the next migration, with `-- Phase: backfill` and batching:\n"
                                      f"-- {short_sql(st.sql, 100)}",
                )
                return


RULE = Rule(
    check=check,
    id="backfill-in-schema-migration",
    severity="warning",
    summary="A data backfill in the same migration as the schema change",
    why=(
        "The seed's \"forgetting to backfill data\" pitfall has one solution: plan the backfill as "
        "a separate step after adding the column. In the same migration the backfill runs in the "
        "schema change's transaction, so the schema change's lock is held for the whole backfill, "
        "it cannot be batched into separate commits, and a failure rolls back the schema change "
        "too. Expand (schema), backfill (data, batched), contract (constraints, drops): one "
        "migration each. A batched backfill that runs after the schema change has committed (a "
        "`Transaction: false` migration, a Backfill operation) is that separate step already."
    ),
    fix="Schema change, then a separate batched backfill migration (`-- Phase: backfill`).",
    engines=("postgresql", "mysql", "sqlite"),
    anchors="the seed's Common Pitfalls; no linter anchor",
    examples={
        engine: Example(
            bad=f"""-- migrate:up
ALTER TABLE users ADD COLUMN status {typ};
UPDATE users SET status = 'active' WHERE status IS NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
            good=f"""-- file: 20240101000000_add_status.sql
-- migrate:up
ALTER TABLE users ADD COLUMN status {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN status;
-- file: 20240102000000_backfill_status.sql
-- Phase: backfill
-- Transaction: false
-- migrate:up
{batch}

-- migrate:down
SELECT 1;
""",
        )
        for engine, typ, batch in (
            ("postgresql", "text", "UPDATE users SET status = 'active' WHERE ctid IN (SELECT ctid FROM users WHERE status IS NULL LIMIT 1000);"),
            ("mysql", "VARCHAR(20)", "UPDATE users SET status = 'active' WHERE status IS NULL LIMIT 1000;"),
            ("sqlite", "TEXT", "UPDATE users SET status = 'active' WHERE rowid IN (SELECT rowid FROM users WHERE status IS NULL LIMIT 1000);"),
        )
    },
)
