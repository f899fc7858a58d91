"""char(n) pads with spaces and compares oddly; it is almost never what was meant."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule
from shoring.lint.column_types import defined_columns


def check(ctx, st, op):
    for spec, name, typ in defined_columns(op):
        if typ == "bpchar" or typ.startswith("bpchar("):
            yield ctx.finding(
                RULE, st, f"{name} is char: values are padded with spaces to the full length", op=op,
                suggestion=re.sub(r"\b(?:char|character)\s*\(\s*(\d+)\s*\)", "text", st.sql, flags=re.I).rstrip().rstrip(";")
                + ";  -- add CHECK (char_length(...) = n) if the length is fixed",
            )


RULE = Rule(
    check=check,
    id="prefer-text-over-char",
    severity="warning",
    summary="char(n) columns on PostgreSQL",
    why=(
        "char(n) pads every value with spaces to n characters, strips them again in some "
        "operations but not others, and is no faster than text. Fixed-length codes are better "
        "text with a CHECK on their length."
    ),
    fix="text with a CHECK on the length.",
    engines=("postgresql",),
    kinds=("create_table", "add_column", "alter_column_type"),
    anchors="squawk ban-char-field",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code char(2);

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code text CONSTRAINT country_code_length CHECK (char_length(country_code) = 2);

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
        ),
    },
)
