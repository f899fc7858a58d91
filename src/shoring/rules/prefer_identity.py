"""serial is a legacy shorthand; identity columns are the SQL-standard, safer spelling."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule
from shoring.lint.column_types import defined_columns

_IDENTITY = {"serial": "integer", "serial4": "integer", "bigserial": "bigint", "serial8": "bigint",
             "smallserial": "smallint", "serial2": "smallint"}


def check(ctx, st, op):
    for spec, name, typ in defined_columns(op):
        if typ in _IDENTITY:
            yield ctx.finding(
                RULE, st, f"{name} is {typ}: prefer an identity column", op=op,
                suggestion=re.sub(r"\b(?:big|small)?serial[248]?\b", "bigint GENERATED ALWAYS AS IDENTITY", st.sql,
                                  flags=re.I).rstrip().rstrip(";") + ";",
            )


RULE = Rule(
    check=check,
    id="prefer-identity",
    severity="info",
    summary="serial/bigserial instead of GENERATED ... AS IDENTITY",
    why=(
        "serial creates a sequence owned loosely by the column: its permissions, ownership and "
        "copying with CREATE TABLE ... LIKE behave surprisingly, and nothing stops writes of "
        "explicit ids that later collide with the sequence. An identity column (GENERATED ALWAYS "
        "AS IDENTITY) ties the sequence to the column and rejects explicit values unless asked."
    ),
    fix="bigint GENERATED ALWAYS AS IDENTITY.",
    engines=("postgresql",),
    kinds=("create_table", "add_column"),
    anchors="squawk prefer-identity",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
CREATE TABLE tags (id bigserial PRIMARY KEY, name text NOT NULL);

-- migrate:down
DROP TABLE tags;
""",
            good="""-- migrate:up
CREATE TABLE tags (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL);

-- migrate:down
DROP TABLE tags;
""",
        ),
    },
)
