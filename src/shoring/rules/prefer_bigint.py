"""32-bit (and smaller) integer columns run out; widening them later rewrites the table."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule
from shoring.lint.column_types import defined_columns, element_type, is_key

SMALL = {
    "postgresql": {"int4": "bigint", "int2": "bigint", "serial": "bigserial", "serial4": "bigserial",
                   "smallserial": "bigserial", "serial2": "bigserial"},
    "mysql": {"int": "BIGINT", "integer": "BIGINT", "smallint": "BIGINT", "mediumint": "BIGINT"},
}


_SMALL_WORDS = {
    "postgresql": (r"\b(?:integer|int4|int2|smallint|int)\b", r"\b(?:small)?serial[24]?\b", "bigint"),
    "mysql": (r"\b(?:integer|int|smallint|mediumint)\b", None, "BIGINT"),
}


def _widened(engine: str, sql: str) -> str:
    ints, serials, bigint = _SMALL_WORDS[engine]
    out = re.sub(ints, bigint, sql, flags=re.I)
    if serials:
        out = re.sub(serials, "bigserial", out, flags=re.I)
    return out.rstrip().rstrip(";") + ";"


def check(ctx, st, op):
    table = SMALL[ctx.engine]
    for spec, name, typ in defined_columns(op):
        base = re.sub(r"\(.*", "", element_type(typ)).replace("unsigned", "").strip()
        if base not in table:
            continue
        key = is_key(op, spec, name)
        yield ctx.finding(
            RULE, st, f"{name} is {typ}" + (": a key column that runs out at about 2.1 billion (changing it later rewrites the table and every referencing one)"
                                             if key else ": prefer 64-bit integers, widening later rewrites the table"),
            op=op, severity=None if key else "info",
            suggestion=_widened(ctx.engine, st.sql),
        )


RULE = Rule(
    check=check,
    id="prefer-bigint",
    severity="warning",
    summary="int/smallint/serial columns, above all keys, instead of bigint",
    why=(
        "A 32-bit key overflows at 2,147,483,647 and the fix, a type change to bigint, rewrites the "
        "table and every table that references it, under lock. Eight bytes instead of four cost "
        "little; keys (primary keys, foreign keys, *_id columns) get a warning, other integer "
        "columns an info note."
    ),
    fix="bigint (bigserial or bigint GENERATED ... AS IDENTITY for keys).",
    engines=("postgresql", "mysql"),
    kinds=("create_table", "add_column"),
    anchors="squawk prefer-bigint-over-int, prefer-bigint-over-smallint",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
CREATE TABLE invoices (id serial PRIMARY KEY, customer_id integer NOT NULL);

-- migrate:down
DROP TABLE invoices;
""",
            good="""-- migrate:up
CREATE TABLE invoices (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, customer_id bigint NOT NULL);

-- migrate:down
DROP TABLE invoices;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
CREATE TABLE invoices (id INT AUTO_INCREMENT PRIMARY KEY, customer_id INT NOT NULL);

-- migrate:down
DROP TABLE invoices;
""",
            good="""-- migrate:up
CREATE TABLE invoices (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer_id BIGINT NOT NULL);

-- migrate:down
DROP TABLE invoices;
""",
        ),
    },
)
