"""Dropping a table loses its data and breaks code that still uses it."""

from __future__ import annotations

from shoring.rules.base import Example, Rule, quote


def check(ctx, st, op):
    if op.new_table or op.get("temporary"):
        return
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
        "in `-- Phase: contract` migrations. Tables created earlier in the same migration are exempt."
    ),
    fix="Stop using it, back it up (or rename it aside), drop it in a `-- Phase: contract` migration.",
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
            good="""-- migrate:up
ALTER TABLE audit_log RENAME TO audit_log_retired;

-- migrate:down
ALTER TABLE audit_log_retired RENAME TO audit_log;
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
