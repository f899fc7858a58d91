"""REINDEX without CONCURRENTLY blocks writes, and queries that would use the index."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

_REINDEX = re.compile(r"^(\s*REINDEX\s+(?:\([^)]*\)\s*)?(?:INDEX|TABLE|SCHEMA|DATABASE))\b", re.I)
#: `(CONCURRENTLY false)` among the options: dropped, the keyword after the target says it instead
_OFF_OPTION = re.compile(r"\s*,?\s*\bCONCURRENTLY\s+(?:false|off|no|0)\b\s*,?", re.I)
_EMPTY_OPTIONS = re.compile(r"^(\s*REINDEX)\s*\(\s*\)", re.I)
#: system catalogs cannot be reindexed concurrently (the server refuses it)
NO_CONCURRENT_FORM = {"system"}


def check(ctx, st, op):
    if op.get("concurrently") or op.new_table or not ctx.version.at_least(12):
        return
    target = op.get("target", "")
    what = f"REINDEX {target.upper()} {op.name or ''}".replace("  ", " ").strip()
    if target in NO_CONCURRENT_FORM:
        yield ctx.finding(
            RULE, st, f"{what} blocks writes to the system catalogs and locks their indexes against reads; "
                      f"it has no CONCURRENTLY form", op=op,
            suggestion="-- run it in a maintenance window, outside the migrations")
        return
    fixed = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", _OFF_OPTION.sub(" ", st.sql, count=1)))
    fixed = _EMPTY_OPTIONS.sub(r"\1", fixed)
    fixed = _REINDEX.sub(r"\1 CONCURRENTLY", fixed, count=1)
    yield ctx.finding(
        RULE, st, f"{what} blocks writes and locks the index against reads",
        op=op, suggestion=f"-- Transaction: false   (header of a migration of its own)\n{fixed};",
    )


RULE = Rule(
    check=check,
    id="reindex-without-concurrently",
    severity="error",
    summary="REINDEX without CONCURRENTLY blocks writes and reads that use the index",
    why=(
        "REINDEX takes a SHARE lock on the table (writes wait) and an ACCESS EXCLUSIVE lock on the "
        "index, so every query that plans on the table waits for the rebuild. Since PostgreSQL 12, "
        "REINDEX CONCURRENTLY builds a new index beside the old one and swaps them with only brief locks."
    ),
    fix="REINDEX ... CONCURRENTLY (PostgreSQL 12+) in a migration marked `-- Transaction: false`.",
    engines=("postgresql",),
    kinds=("reindex",),
    anchors="squawk require-concurrent-reindex",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
REINDEX INDEX idx_orders_created_at;

-- migrate:down
SELECT 1;
""",
            good="""-- Transaction: false

-- migrate:up
REINDEX INDEX CONCURRENTLY idx_orders_created_at;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
