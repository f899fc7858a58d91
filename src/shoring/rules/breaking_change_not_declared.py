"""A header that says "no breaking changes" over statements that break running code."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule, short_sql

_NONE = re.compile(r"^\s*(none|no|n/a|nothing)\b", re.I)


def check(ctx):
    if ctx.kind not in ("shoring", "operations"):
        return
    declared = ctx.migration.metadata.get("Breaking-Changes")
    if declared is None or not _NONE.match(declared):
        return
    for st in ctx.up:
        for op, eff in zip(st.operations, st.effects):
            if not eff.backward_compatible and not ctx.is_new(op):
                line = ctx.migration.metadata.lines.get("Breaking-Changes")
                yield ctx.finding(
                    RULE, st, f"the header says Breaking-Changes: {declared.strip()}, but this {op.kind.replace('_', ' ')} "
                              f"breaks code written for the old schema",
                    op=op, suggestion=f"-- Breaking-Changes: {short_sql(st.sql, 50)} (deploy the code that copes with it first)"
                                      + (f"  -- header line {line}" if line else ""),
                )
                return


RULE = Rule(
    check=check,
    id="breaking-change-not-declared",
    severity="warning",
    summary="`Breaking-Changes: none` in the header, but a statement breaks old code",
    why=(
        "The seed's \"deploying code and migration together\" pitfall: code expects the new schema "
        "before the migration runs, or the old one after. The header's Breaking-Changes line is "
        "what reviewers and deployers read to order the two. Renames, drops, type changes and new "
        "NOT NULL constraints break code written for the old schema, so a header that says none "
        "misleads the deploy. Say what breaks, and deploy backward-compatible code first."
    ),
    fix="Describe the break in the header and deploy compatible code first (or use expand-contract).",
    engines=("postgresql", "mysql", "sqlite"),
    anchors="the seed's Common Pitfalls (deploying code and migration together)",
    examples={
        engine: Example(
            bad="""-- Purpose: tidy the users table
-- Breaking-Changes: none
-- migrate:up
ALTER TABLE users RENAME COLUMN email TO email_address;

-- migrate:down
ALTER TABLE users RENAME COLUMN email_address TO email;
""",
            good=f"""-- Purpose: tidy the users table
-- Breaking-Changes: none (a new nullable column)
-- migrate:up
ALTER TABLE users ADD COLUMN email_address {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN email_address;
""",
        )
        for engine, typ in (("postgresql", "text"), ("mysql", "VARCHAR(255)"), ("sqlite", "TEXT"))
    },
)
