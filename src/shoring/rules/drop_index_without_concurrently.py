"""DROP INDEX without CONCURRENTLY takes ACCESS EXCLUSIVE on the table: it queues every query."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

_DROP_INDEX = re.compile(r"^(\s*DROP\s+INDEX)\b", re.I)


def check(ctx, st, op):
    if op.get("concurrently") or op.new_table:
        return
    fixed = _DROP_INDEX.sub(r"\1 CONCURRENTLY", st.sql, count=1)
    on = op.table or "its table"
    yield ctx.finding(
        RULE, st, f"DROP INDEX {op.name} takes an ACCESS EXCLUSIVE lock on {on}: reads and writes queue behind it", op=op,
        suggestion=f"-- Transaction: false   (header of a migration of its own)\n{fixed};",
    )


RULE = Rule(
    check=check,
    id="drop-index-without-concurrently",
    severity="warning",
    summary="DROP INDEX without CONCURRENTLY locks the table against reads and writes",
    why=(
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table. The drop itself is quick, "
        "but the lock must wait for every running query on the table, and while it waits every new "
        "query queues behind it. DROP INDEX CONCURRENTLY waits for those queries without blocking "
        "new ones. Like CREATE INDEX CONCURRENTLY it cannot run inside a transaction."
    ),
    fix="DROP INDEX CONCURRENTLY in a migration marked `-- Transaction: false`.",
    engines=("postgresql",),
    kinds=("drop_index",),
    anchors="squawk require-concurrent-index-deletion; Atlas PG102",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
DROP INDEX idx_users_legacy;

-- migrate:down
CREATE INDEX idx_users_legacy ON users (legacy_code);
""",
            good="""-- Transaction: false

-- migrate:up
DROP INDEX CONCURRENTLY IF EXISTS idx_users_legacy;

-- migrate:down
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_legacy ON users (legacy_code);
""",
        ),
    },
)
