"""Without lock_timeout, a DDL waiting for its lock queues every later query on the table."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, lock_timeout_sql
from shoring.lint.timeouts import LOCK_SETTINGS, blocking, sets


def check(ctx):
    if ctx.runner_settings.get("lock_timeout"):
        return  # shoring's runner sets lock_timeout from shoring.toml before every migration
    names = LOCK_SETTINGS[ctx.engine]
    for section in ("up", "down"):
        for st in ctx.section(section):
            if sets(st, names):
                break
            if blocking(ctx, st):
                tables = ", ".join(t for t in st.locks if not ctx.catalog.is_new(t))
                yield ctx.finding(
                    RULE, st, f"no {names[0]} is set before this statement locks {tables}: if it has to wait, "
                              f"every query on {tables} queues behind it",
                    suggestion=lock_timeout_sql(ctx.engine, ctx.flavour) + "  -- first statement of the migration; retry on timeout",
                )
                break


RULE = Rule(
    check=check,
    id="missing-lock-timeout",
    severity="warning",
    summary="A statement that takes a blocking lock with no lock timeout set",
    why=(
        "A lock request waits behind every earlier conflicting lock, and every later request waits "
        "behind it. An ALTER TABLE that waits for one long-running query therefore stalls all "
        "traffic on the table, even though the ALTER itself would take a millisecond. A short "
        "lock_timeout (PostgreSQL) or lock_wait_timeout (MySQL/MariaDB, whose default is a year) "
        "makes it give up instead; retry later. shoring's runner sets lock_timeout from "
        "shoring.toml (`lock_timeout = \"5s\"` by default), so this fires for shoring migrations "
        "only when that is switched off, and for plain SQL files run by other tools."
    ),
    fix="SET lock_timeout = '5s' (MySQL: SET SESSION lock_wait_timeout = 5) first; retry on timeout.",
    engines=("postgresql", "mysql"),
    anchors="squawk require-lock-timeout (require-timeout-settings); Eugene E9",
    examples={
        "postgresql": Example(
            bad="""ALTER TABLE users ADD COLUMN nickname text;
""",
            good="""-- file: V1__add_column.sql
SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE users ADD COLUMN nickname text;
-- file: U1__add_column.sql
SET lock_timeout = '5s';
SET statement_timeout = '60s';
ALTER TABLE users DROP COLUMN nickname;
""",
        ),
        "mysql": Example(
            bad="""ALTER TABLE users ADD COLUMN nickname VARCHAR(50);
""",
            good="""-- file: V1__add_column.sql
SET SESSION lock_wait_timeout = 5;
ALTER TABLE users ADD COLUMN nickname VARCHAR(50);
-- file: U1__add_column.sql
SET SESSION lock_wait_timeout = 5;
ALTER TABLE users DROP COLUMN nickname;
""",
        ),
    },
)
