"""Changing the type of a column with CHECK constraints re-checks every row under ACCESS EXCLUSIVE."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    checks = op.get("checks") or []
    if op.new_table or not checks:
        return
    e = ctx.engine
    t = quote(op.table, e)
    names = ", ".join(checks)
    yield ctx.finding(
        RULE, st, f"{op.table}.{op.column} has CHECK constraint(s) {names}: changing its type re-checks every row "
                  f"while holding ACCESS EXCLUSIVE, even when the change itself needs no rewrite",
        op=op, suggestion="\n".join(
            [f"ALTER TABLE {t} DROP CONSTRAINT {quote(n, e)};" for n in checks if n != "(unnamed)"]
            + [st.sql.rstrip().rstrip(";") + ";",
               "-- re-add each check NOT VALID, then VALIDATE it in the next migration:"]
            + [f"ALTER TABLE {t} ADD CONSTRAINT {quote(n, e)} CHECK (...) NOT VALID;" for n in checks if n != "(unnamed)"]
        ),
    )


RULE = Rule(
    check=check,
    id="type-change-with-check",
    severity="error",
    summary="Changing the type of a column that has CHECK constraints",
    why=(
        "When a column's type changes, PostgreSQL re-verifies the table's CHECK constraints on that "
        "column against every row, while ACCESS EXCLUSIVE is held, even for a binary-coercible change "
        "like varchar(50) to varchar(100) that otherwise needs no rewrite. Drop the checks, change "
        "the type, and re-add them NOT VALID to validate later. Only checks created by the linted "
        "migrations are known."
    ),
    fix="Drop the checks, change the type, re-add them NOT VALID, VALIDATE in the next migration.",
    engines=("postgresql",),
    kinds=("alter_column_type",),
    anchors="strong_migrations change_column_constraint",
    examples={
        "postgresql": Example(
            bad="""-- file: 20240101000000_create_products.sql
-- migrate:up
CREATE TABLE products (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code varchar(20) CONSTRAINT products_code_format CHECK (code ~ '^[A-Z]+$')
);

-- migrate:down
DROP TABLE products;
-- file: 20240102000000_longer_code.sql
-- migrate:up
ALTER TABLE products ALTER COLUMN code TYPE varchar(40);

-- migrate:down
SELECT 1;
""",
            good="""-- file: 20240101000000_create_products.sql
-- migrate:up
CREATE TABLE products (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code varchar(20) CONSTRAINT products_code_format CHECK (code ~ '^[A-Z]+$')
);

-- migrate:down
DROP TABLE products;
-- file: 20240102000000_longer_code.sql
-- migrate:up
ALTER TABLE products DROP CONSTRAINT products_code_format;
ALTER TABLE products ALTER COLUMN code TYPE varchar(40);
ALTER TABLE products ADD CONSTRAINT products_code_format CHECK (code ~ '^[A-Z]+$') NOT VALID;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
