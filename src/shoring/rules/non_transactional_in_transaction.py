"""Statements PostgreSQL refuses inside a transaction block fail the migration at run time."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, short_sql

KINDS = ("create_index", "drop_index", "reindex", "detach_partition", "vacuum", "add_enum_value",
         "refresh_view", "create_database", "drop_database")


def check(ctx, st, op):
    if not st.in_transaction:
        return
    i = st.operations.index(op)
    if st.effects[i].transactional:
        return
    where = ("the transaction the file opens with BEGIN" if ctx.explicit_transactions
             else "the transaction the migration runs in")
    reason = "ALTER TYPE ... ADD VALUE" if op.kind == "add_enum_value" else short_sql(st.sql, 60)
    if op.kind == "add_enum_value":
        reason += f" (PostgreSQL {ctx.version.numbers[0]} does not allow it before 12)"
    yield ctx.finding(
        RULE, st, f"{reason} cannot run inside a transaction block, and runs inside {where}", op=op,
        suggestion=f"-- Transaction: false   (header of a migration that holds only this statement)\n{st.sql};",
    )


RULE = Rule(
    check=check,
    id="non-transactional-in-transaction",
    severity="error",
    summary="CONCURRENTLY (and VACUUM, CREATE DATABASE...) inside a transaction fails at run time",
    why=(
        "CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY, VACUUM, "
        "CREATE/DROP DATABASE and, before PostgreSQL 12, ALTER TYPE ... ADD VALUE refuse to run inside "
        "a transaction block: the migration fails with \"cannot run inside a transaction block\". "
        "shoring runs a migration in one transaction unless its header says `-- Transaction: false`; "
        "then it runs statement by statement, so keep such a migration to the one statement (plus "
        "SET lock_timeout) and make it idempotent."
    ),
    fix="Its own migration with `-- Transaction: false`.",
    engines=("postgresql",),
    kinds=KINDS,
    anchors="squawk ban-concurrent-index-creation-in-transaction; Atlas PG103",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
CREATE INDEX CONCURRENTLY idx_orders_customer ON orders (customer_id);

-- migrate:down
DROP INDEX CONCURRENTLY idx_orders_customer;
""",
            good="""-- Transaction: false

-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_customer ON orders (customer_id);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_orders_customer;
""",
        ),
    },
)
