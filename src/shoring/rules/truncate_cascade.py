"""TRUNCATE ... CASCADE empties every table that references this one, however far the chain goes."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    if not op.get("cascade"):
        return
    yield ctx.finding(
        RULE, st, f"TRUNCATE {op.table} CASCADE also empties every table with a foreign key to it, recursively",
        op=op, suggestion=f"-- name every table to empty, so the statement says what it deletes:\nTRUNCATE {op.table}, <referencing tables>;",
    )


RULE = Rule(
    check=check,
    id="truncate-cascade",
    severity="error",
    summary="TRUNCATE ... CASCADE silently empties referencing tables",
    why=(
        "CASCADE extends the TRUNCATE to every table that has a foreign key to the named ones, and "
        "to the tables referencing those, which today may be far more than the author checked. "
        "List the tables explicitly instead; PostgreSQL refuses if one is missing."
    ),
    fix="TRUNCATE the tables by name, without CASCADE.",
    engines=("postgresql",),
    kinds=("truncate",),
    anchors="squawk ban-truncate-cascade",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
TRUNCATE import_batches CASCADE;

-- migrate:down
SELECT 1;
""",
            good="""-- migrate:up
TRUNCATE import_rows, import_batches;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
