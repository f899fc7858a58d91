"""timestamp without time zone stores a wall-clock reading, not an instant."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule
from shoring.lint.column_types import defined_columns, element_type


def check(ctx, st, op):
    for spec, name, typ in defined_columns(op):
        element = element_type(typ)
        if element == "timestamp" or element.startswith("timestamp("):
            yield ctx.finding(
                RULE, st, f"{name} is timestamp without time zone: it cannot tell which instant it means", op=op,
                suggestion=re.sub(r"\btimestamp(\s*\(\d+\))?(\s+without\s+time\s+zone)?(?!\s*with\b)(?!tz)\b", r"timestamptz\1",
                                  st.sql, flags=re.I).rstrip().rstrip(";") + ";",
            )


RULE = Rule(
    check=check,
    id="prefer-timestamptz",
    severity="warning",
    summary="timestamp without time zone on PostgreSQL",
    why=(
        "timestamp stores a date and a time with no zone, so the same value means different "
        "instants to clients in different zones, and daylight-saving changes make some values "
        "ambiguous. timestamptz stores the instant (as UTC) and converts on the way in and out. "
        "Converting later rewrites the table unless the session time zone is UTC."
    ),
    fix="timestamptz.",
    engines=("postgresql",),
    kinds=("create_table", "add_column", "alter_column_type"),
    anchors="squawk prefer-timestamptz",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD COLUMN shipped_at timestamp;

-- migrate:down
ALTER TABLE orders DROP COLUMN shipped_at;
""",
            good="""-- migrate:up
ALTER TABLE orders ADD COLUMN shipped_at timestamptz;

-- migrate:down
ALTER TABLE orders DROP COLUMN shipped_at;
""",
        ),
    },
)
