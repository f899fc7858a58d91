"""ADD VALUE without BEFORE/AFTER appends: say where the value sorts, since order is part of an enum."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    if op.get("before") or op.get("after"):
        return
    labels = ctx.catalog.enums.get(op.name) or []
    last = labels[-2] if len(labels) >= 2 else "<existing value>"
    yield ctx.finding(
        RULE, st, f"ADD VALUE {op.get('value')!r} to {op.name} without BEFORE/AFTER: it sorts after every existing "
                  f"value, which ORDER BY and < > comparisons on the column will show",
        op=op, suggestion=st.sql.rstrip().rstrip(";") + f" AFTER '{last}';  -- or BEFORE: where it belongs",
    )


RULE = Rule(
    check=check,
    id="enum-add-value-without-position",
    severity="info",
    summary="ALTER TYPE ... ADD VALUE without BEFORE or AFTER",
    why=(
        "An enum's labels are ordered; ORDER BY and comparisons use that order. A value added "
        "without BEFORE/AFTER goes last, which is right for some enums (a new final state) and "
        "wrong for others (a new intermediate state). Saying where makes the choice visible in "
        "review. Before PostgreSQL 12 ADD VALUE also cannot run in a transaction "
        "(non-transactional-in-transaction), and since 12 the new value cannot be used until the "
        "transaction commits."
    ),
    fix="Add BEFORE 'x' or AFTER 'y'.",
    engines=("postgresql",),
    kinds=("add_enum_value",),
    anchors="squawk require-enum-value-ordering",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';

-- migrate:down
SELECT 1;
""",
            good="""-- migrate:up
ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded' AFTER 'shipped';

-- migrate:down
SELECT 1;
""",
        ),
    },
)
