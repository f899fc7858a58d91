"""DROP DATABASE in a migration deletes everything, usually the wrong database."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    yield ctx.finding(
        RULE, st, f"DROP DATABASE {op.name} deletes a whole database: never a job for a migration", op=op,
        suggestion="-- drop databases by hand, after a backup, outside the migration history",
    )


RULE = Rule(
    check=check,
    id="drop-database",
    severity="error",
    summary="DROP DATABASE (or DROP SCHEMA on MySQL) inside a migration",
    why=(
        "Migrations run against every environment in turn, so a DROP DATABASE in one runs in "
        "production too. On MySQL/MariaDB DROP SCHEMA is the same statement. It cannot be undone "
        "by a down migration."
    ),
    fix="Do it by hand, after a backup, outside migrations.",
    engines=("postgresql", "mysql"),
    kinds=("drop_database",),
    anchors="squawk ban-drop-database; Atlas DS101",
    examples={
        engine: Example(
            bad="""-- Transaction: false
-- migrate:up
DROP DATABASE analytics_old;

-- migrate:down
SELECT 1;
""",
            good=f"""-- migrate:up
CREATE TABLE analytics_exports (id BIGINT PRIMARY KEY, created_at {timestamp} NOT NULL);

-- migrate:down
DROP TABLE analytics_exports;
""",
        )
        for engine, timestamp in (("postgresql", "TIMESTAMP WITH TIME ZONE"), ("mysql", "DATETIME"))
    },
)
