"""CREATE INDEX without CONCURRENTLY holds a SHARE lock for the whole build: every write waits."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

_CREATE_INDEX = re.compile(r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX)\b", re.I)


def check(ctx, st, op):
    if op.get("concurrently") or op.new_table:
        return
    fixed = _CREATE_INDEX.sub(r"\1 CONCURRENTLY", st.sql, count=1)
    yield ctx.finding(
        RULE, st, f"CREATE INDEX on {op.table} blocks writes to it until the index is built", op=op,
        suggestion=f"-- Transaction: false   (header of a migration of its own)\n{fixed};",
    )


RULE = Rule(
    check=check,
    id="create-index-without-concurrently",
    severity="error",
    summary="CREATE INDEX without CONCURRENTLY blocks writes while the index is built",
    why=(
        "A plain CREATE INDEX takes a SHARE lock on the table: reads go on, but every INSERT, UPDATE "
        "and DELETE waits until the whole index is built, which on a large table is minutes. "
        "CREATE INDEX CONCURRENTLY takes SHARE UPDATE EXCLUSIVE instead and lets writes continue. "
        "It cannot run inside a transaction, so it goes in a migration of its own marked "
        "`-- Transaction: false`; if it fails it leaves an INVALID index to drop and retry. "
        "Tables created earlier in the same migration are exempt: nothing uses them yet."
    ),
    fix="CREATE INDEX CONCURRENTLY in its own migration with `-- Transaction: false`.",
    engines=("postgresql",),
    kinds=("create_index",),
    anchors="squawk require-concurrent-index-creation; strong_migrations add_index; Eugene E6; Atlas PG101",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
CREATE INDEX idx_users_email ON users (email);

-- migrate:down
DROP INDEX idx_users_email;
""",
            good="""-- Transaction: false

-- migrate:up
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;
""",
        ),
    },
)
