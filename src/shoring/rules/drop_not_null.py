"""Dropping NOT NULL lets NULLs into a column that running code assumes always has a value."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    if ctx.is_new(op):
        return
    yield ctx.finding(
        RULE, st, f"{op.table}.{op.column} may hold NULLs from now on: code that reads it as always set will meet them",
        op=op, suggestion="-- deploy readers that handle NULL first; keep this change in its own migration",
    )


RULE = Rule(
    check=check,
    id="drop-not-null",
    severity="warning",
    summary="DROP NOT NULL lets NULLs reach readers that assume a value",
    why=(
        "Removing NOT NULL is cheap, but every reader written against the old schema assumes the "
        "column is set. The first NULL written by new code breaks them. Deploy readers that handle "
        "NULL first (expand-contract in reverse). On MySQL/MariaDB the change also rebuilds the table."
    ),
    fix="Make readers tolerate NULL before the migration runs.",
    engines=("postgresql", "mysql"),
    kinds=("drop_not_null",),
    anchors="squawk ban-drop-not-null",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ALTER COLUMN phone DROP NOT NULL;

-- migrate:down
ALTER TABLE users ALTER COLUMN phone SET NOT NULL;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN secondary_phone text;

-- migrate:down
ALTER TABLE users DROP COLUMN secondary_phone;
""",
        ),
        "mysql": Example(
            bad="""-- file: 20240101000000_create_users.sql
-- migrate:up
CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, phone VARCHAR(20) NOT NULL);

-- migrate:down
DROP TABLE users;
-- file: 20240102000000_phone_optional.sql
-- migrate:up
ALTER TABLE users MODIFY phone VARCHAR(20) NULL;

-- migrate:down
ALTER TABLE users MODIFY phone VARCHAR(20) NOT NULL;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN secondary_phone VARCHAR(20) NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN secondary_phone;
""",
        ),
    },
)
