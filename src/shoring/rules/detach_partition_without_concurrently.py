"""DETACH PARTITION without CONCURRENTLY locks the whole partitioned table."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

_DETACH = re.compile(r"(DETACH\s+PARTITION\s+(?:\"[^\"]+\"|[^\s;]+))", re.I)


def check(ctx, st, op):
    if op.get("concurrently") or op.get("finalize") or op.new_table or not ctx.version.at_least(14):
        return
    fixed = _DETACH.sub(r"\1 CONCURRENTLY", st.sql, count=1)
    yield ctx.finding(
        RULE, st, f"DETACH PARTITION {op.get('partition')} takes ACCESS EXCLUSIVE on {op.table}: every query on it waits",
        op=op, suggestion=f"-- Transaction: false   (header of a migration of its own)\n{fixed};",
    )


RULE = Rule(
    check=check,
    id="detach-partition-without-concurrently",
    severity="error",
    summary="DETACH PARTITION without CONCURRENTLY blocks reads and writes of the parent table",
    why=(
        "ALTER TABLE ... DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table and the "
        "partition. Since PostgreSQL 14, DETACH PARTITION ... CONCURRENTLY takes only SHARE UPDATE "
        "EXCLUSIVE and waits for running queries instead of blocking new ones. It cannot run in a "
        "transaction; if it is interrupted, finish it with DETACH PARTITION ... FINALIZE."
    ),
    fix="DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+) with `-- Transaction: false`.",
    engines=("postgresql",),
    kinds=("detach_partition",),
    anchors="squawk require-concurrent-partition-detach",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE events DETACH PARTITION events_2023;

-- migrate:down
ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
""",
            good="""-- Transaction: false

-- migrate:up
ALTER TABLE events DETACH PARTITION events_2023 CONCURRENTLY;

-- migrate:down
ALTER TABLE events ATTACH PARTITION events_2023 FOR VALUES FROM ('2023-01-01') TO ('2024-01-01');
""",
        ),
    },
)
