"""Dropping a table loses its data and breaks code that still uses it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if op.new_table:
        return
    if any(later.index > st.index and o.kind == "rename_table" and o.get("new_name") == op.table
           for later in ctx.section(st.section) for o in later.operations):
        return  # a table rebuild: the rows were copied to the table renamed into its place
    e = ctx.engine
    t = quote(op.table, e)
    contract = ctx.phase == "contract"
    backup = quote(f"{op.table.split('.')[-1]}_backup", e)
    yield ctx.finding(
        RULE, st, f"DROP TABLE {op.table} deletes all its rows for good"
                  + ("" if contract else " and breaks code that still uses it"),
        op=op, severity="warning" if contract else None,
        suggestion="\n".join([
            "-- 1. deploy code that no longer uses the table; 2. check it is no longer written:",
            f"SELECT COUNT(*) FROM {t};",
            "-- 3. keep a copy (or a dump) before dropping it in a `-- Phase: contract` migration:",
            f"ALTER TABLE {t} RENAME TO {backup};  -- drop the backup a release later",
        ]),
    )


RULE = Rule(
    check=check,
    id="drop-table",
    severity="error",
    summary="DROP TABLE loses data and breaks code that still uses the table",
    why=(
        "The down migration cannot restore a dropped table's rows. Drop a table only after the code "
        "stopped using it, after checking it is no longer written, and with a backup; a rename to "
        "a backup name, dropped a release later, keeps the undo cheap. A warning instead of an error "
        "in `-- Phase: contract` migrations; a `-- shoring:ignore drop-table <why>` saying why it is "
        "safe records the decision. Tables created earlier in the same migration, and the old table "
        "of a rebuild (a new table renamed into its place), are exempt."
    ),
    fix="Stop using it, back it up, drop it in a `-- Phase: contract` migration with a suppression that says why it is safe.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=("drop_table",),
    anchors="squawk ban-drop-table; Atlas DS102",
    examples={
        engine: Example(
            bad="""-- migrate:up
DROP TABLE audit_log;

-- migrate:down
CREATE TABLE audit_log (id BIGINT PRIMARY KEY, message TEXT);
""",
            good="""-- Purpose: drop audit_log, unused since release 42 (moved to the audit service)
-- Phase: contract
-- Rollback: restore audit_log from the backup taken by the release checklist
-- migrate:up
-- shoring:ignore drop-table unread since release 42; backed up to s3://backups/audit_log.sql
DROP TABLE audit_log;

-- migrate:down
CREATE TABLE audit_log (id BIGINT PRIMARY KEY, message TEXT);
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
