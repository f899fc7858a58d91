"""DROP SCHEMA deletes every table in it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    cascade = " CASCADE: every object in it goes too" if op.get("cascade") else ""
    yield ctx.finding(
        RULE, st, f"DROP SCHEMA {op.name} deletes the schema and its data{cascade}", op=op,
        suggestion=f"-- back it up first (pg_dump --schema={quote(op.name, 'postgresql')}), then drop it once nothing uses it\n"
                   f"ALTER SCHEMA {quote(op.name, 'postgresql')} RENAME TO {quote((op.name or '') + '_retired', 'postgresql')};",
    )


RULE = Rule(
    check=check,
    id="drop-schema",
    severity="error",
    summary="DROP SCHEMA loses every table in the schema",
    why=(
        "A schema holds tables, views, functions and their data; DROP SCHEMA ... CASCADE removes all "
        "of them and no down migration brings them back. Back it up, rename it aside, and drop it "
        "when nothing has used it for a while."
    ),
    fix="Back it up and rename it aside; drop it much later.",
    engines=("postgresql",),
    kinds=("drop_schema",),
    anchors="squawk ban-drop-schema; Atlas DS101",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
DROP SCHEMA reporting CASCADE;

-- migrate:down
CREATE SCHEMA reporting;
""",
            good="""-- migrate:up
ALTER SCHEMA reporting RENAME TO reporting_retired;

-- migrate:down
ALTER SCHEMA reporting_retired RENAME TO reporting;
""",
        ),
    },
)
