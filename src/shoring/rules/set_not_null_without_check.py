"""SET NOT NULL scans the whole table under ACCESS EXCLUSIVE unless a valid CHECK already proves it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def _check_name(table: str, column: str) -> str:
    return f"{table.split('.')[-1]}_{column}_not_null"[:63]


def check(ctx, st, op):
    if op.new_table:
        return
    i = st.operations.index(op)
    e = ctx.engine
    t, c = quote(op.table, e), quote(op.column, e)
    if ctx.description.constraints_not_valid:  # a CHECK ... NOT VALID, validated, proves it without the scan
        if not st.effects[i].scans:
            return  # a valid CHECK (c IS NOT NULL) exists: PostgreSQL 12+ skips the scan
        name = quote(_check_name(op.table, op.column), e)
        if ctx.version.at_least(12):
            fix = "\n".join([
                f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({c} IS NOT NULL) NOT VALID;",
                "-- in the next migration (VALIDATE scans without blocking reads or writes):",
                f"ALTER TABLE {t} VALIDATE CONSTRAINT {name};",
                f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL;  -- no scan: the valid check proves it",
                f"ALTER TABLE {t} DROP CONSTRAINT {name};",
            ])
        else:
            fix = "\n".join([
                f"-- PostgreSQL {ctx.version.numbers[0]} always scans for SET NOT NULL; keep a validated check instead:",
                f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({c} IS NOT NULL) NOT VALID;",
                f"ALTER TABLE {t} VALIDATE CONSTRAINT {name};  -- in the next migration",
            ])
        yield ctx.finding(RULE, st, f"SET NOT NULL on {op.table}.{op.column} scans every row while holding "
                          f"ACCESS EXCLUSIVE: reads and writes wait", op=op, suggestion=fix)
        return
    maybe = " (if it was nullable)" if op.get("maybe") else ""
    yield ctx.finding(
        RULE, st,
        f"making {op.table}.{op.column} NOT NULL{maybe} rebuilds the table, and fails on any NULL in strict "
        f"mode (or silently turns NULLs into zero values without it)",
        op=op, severity="warning",
        suggestion="\n".join([
            f"SELECT COUNT(*) FROM {t} WHERE {c} IS NULL;  -- must be 0: backfill in batches first",
            f"ALTER TABLE {t} MODIFY {c} <type> NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;",
        ]),
    )


RULE = Rule(
    check=check,
    id="set-not-null-without-check",
    severity="error",
    summary="SET NOT NULL on an existing column without the validated CHECK route",
    why=(
        "ALTER COLUMN ... SET NOT NULL must prove no row is NULL. PostgreSQL does it by scanning the "
        "whole table while holding ACCESS EXCLUSIVE, so nothing can read or write the table "
        "meanwhile. Since PostgreSQL 12 the scan is skipped when a valid CHECK (c IS NOT NULL) "
        "constraint already proves it, and that check can be added NOT VALID (instant) and "
        "validated with only SHARE UPDATE EXCLUSIVE. On MySQL/MariaDB MODIFY ... NOT NULL rebuilds "
        "the table in place and fails on a NULL in strict mode; count NULLs and backfill first."
    ),
    fix="CHECK (c IS NOT NULL) NOT VALID; VALIDATE in the next migration; SET NOT NULL; drop the check.",
    engines=("postgresql", "mysql"),
    kinds=("set_not_null",),
    anchors="squawk adding-not-nullable-field; strong_migrations change_column_null; Eugene E2; Atlas PG303",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ALTER COLUMN email SET NOT NULL;

-- migrate:down
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
""",
            good="""-- file: 20240101000000_check_email.sql
-- migrate:up
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;

-- migrate:down
ALTER TABLE users DROP CONSTRAINT users_email_not_null;
-- file: 20240102000000_email_not_null.sql
-- migrate:up
ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;
ALTER TABLE users DROP CONSTRAINT users_email_not_null;

-- migrate:down
-- shoring:ignore drop-not-null the column was nullable before this migration; down puts it back
ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE users MODIFY email VARCHAR(255) NOT NULL;

-- migrate:down
ALTER TABLE users MODIFY email VARCHAR(255) NULL;
""",
            good="""-- migrate:up
UPDATE users SET email = CONCAT('unknown-', id, '@invalid') WHERE email IS NULL LIMIT 1000;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
