"""Dropping a column loses its data and breaks code that still reads it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if ctx.is_new(op):
        return
    e = ctx.engine
    t, c = quote(op.table, e), quote(op.column, e)
    contract = ctx.phase == "contract"
    yield ctx.finding(
        RULE, st, f"DROP COLUMN {op.table}.{op.column} deletes its data for good"
                  + ("" if contract else " and breaks code that still reads or writes it"),
        op=op, severity="warning" if contract else None,
        suggestion="\n".join([
            "-- 1. deploy code that no longer uses the column (the contract phase of expand-contract)",
            "-- 2. back it up:",
            f"CREATE TABLE {quote(f'{op.table}_{op.column}_backup'.split('.')[-1], e)} AS SELECT * FROM {t};  -- or keep just the key and {op.column}",
            "-- 3. then drop it, in a migration whose header says `-- Phase: contract`:",
            f"ALTER TABLE {t} DROP COLUMN {c};",
        ]),
    )


RULE = Rule(
    check=check,
    id="drop-column",
    severity="error",
    summary="DROP COLUMN loses data and breaks code that still uses the column",
    why=(
        "A dropped column cannot be brought back by the down migration: its data is gone, and "
        "any running code that names it fails at once. Remove it in the contract phase of "
        "expand-contract, after the code has stopped using it and after a backup. In a migration "
        "whose header says `-- Phase: contract` this is a warning instead of an error, and a "
        "`-- shoring:ignore drop-column <why>` records why it is safe. Columns "
        "added earlier in the same migration are exempt (down sections dropping what up added)."
    ),
    fix="Stop using it, back it up, then drop it in a `-- Phase: contract` migration, suppressed with the reason.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=("drop_column",),
    anchors="squawk ban-drop-column; strong_migrations remove_column; Atlas DS103",
    examples={
        engine: Example(
            bad="""-- migrate:up
ALTER TABLE users DROP COLUMN legacy_code;

-- migrate:down
ALTER TABLE users ADD COLUMN legacy_code TEXT;
""",
            good="""-- Purpose: drop users.legacy_code, unread since release 42
-- Phase: contract
-- Rollback: the column comes back empty; values are in the release-42 backup
-- migrate:up
-- shoring:ignore drop-column unread since release 42; values backed up in users_legacy_code_backup
ALTER TABLE users DROP COLUMN legacy_code;

-- migrate:down
ALTER TABLE users ADD COLUMN legacy_code TEXT;
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
