"""varchar(n) on PostgreSQL: the limit is a constraint in disguise, and harder to change than one."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule, quote
from shoring.lint.column_types import defined_columns, element_type


def check(ctx, st, op):
    for spec, name, typ in defined_columns(op):
        element = element_type(typ)
        if element.startswith("varchar("):
            n = element[len("varchar("):].rstrip(")")
            c = quote(name, "postgresql")
            fixed = re.sub(r"\b(?:varchar|character\s+varying)\s*\(\s*" + n + r"\s*\)", "text", st.sql, count=1, flags=re.I)
            limit = (f"CHECK (char_length({c}) <= {n})" if element == typ
                     else f"a CHECK that every element of {c} is at most {n} characters")
            yield ctx.finding(
                RULE, st, f"{name} is {typ}: on PostgreSQL prefer text with a CHECK on its length", op=op,
                suggestion=fixed.rstrip().rstrip(";") + f";  -- with {limit} if the limit matters",
            )


RULE = Rule(
    check=check,
    id="prefer-text",
    severity="info",
    summary="varchar(n) on PostgreSQL instead of text with a length CHECK",
    why=(
        "On PostgreSQL varchar(n) and text are stored alike; the n is a constraint. Raising it is "
        "cheap, but lowering it or changing it on a column with CHECKs rewrites or rescans the table "
        "under ACCESS EXCLUSIVE, while a CHECK constraint can be replaced NOT VALID and validated "
        "online. An info note: varchar(n) is not dangerous by itself."
    ),
    fix="text, plus CHECK (char_length(c) <= n) if a limit is wanted.",
    engines=("postgresql",),
    kinds=("create_table", "add_column", "alter_column_type"),
    anchors="squawk prefer-text-field",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname varchar(50);

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN nickname text CONSTRAINT nickname_length CHECK (char_length(nickname) <= 50);

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        ),
    },
)
