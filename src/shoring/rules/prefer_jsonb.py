"""json stores text and re-parses it on every use; jsonb is what is almost always wanted."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule

_JSON = re.compile(r"^json(\[\])*$")


def _columns(op):
    if op.kind == "create_table":
        return [(s.name, s.type) for s in op.get("columns") or ()]
    if op.kind == "add_column":
        spec = op.get("spec")
        return [(spec.name, spec.type)] if spec else []
    return [(op.column, op.get("type") or "")]


def check(ctx, st, op):
    for name, typ in _columns(op):
        if _JSON.match(typ or ""):
            yield ctx.finding(
                RULE, st, f"column {name} is json: prefer jsonb (indexable, comparable, no re-parsing)", op=op,
                suggestion=re.sub(r"\bjson\b", "jsonb", st.sql, flags=re.I).rstrip(";") + ";",
            )


RULE = Rule(
    check=check,
    id="prefer-jsonb",
    severity="warning",
    summary="A json column where jsonb is meant",
    why=(
        "json keeps the text as written and re-parses it on every access; it has no equality "
        "operator, so DISTINCT, GROUP BY and UNIQUE fail on it, and it cannot be indexed with GIN. "
        "jsonb is stored parsed. Changing the type later rewrites the table, so choose jsonb now "
        "unless key order and duplicate keys must be kept."
    ),
    fix="Use jsonb.",
    engines=("postgresql",),
    kinds=("create_table", "add_column", "alter_column_type"),
    anchors="strong_migrations add_column_json; Eugene E3",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE events ADD COLUMN payload json;

-- migrate:down
ALTER TABLE events DROP COLUMN payload;
""",
            good="""-- migrate:up
ALTER TABLE events ADD COLUMN payload jsonb;

-- migrate:down
ALTER TABLE events DROP COLUMN payload;
""",
        ),
    },
)
