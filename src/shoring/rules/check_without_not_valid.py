"""ADD CHECK without NOT VALID checks every row while holding ACCESS EXCLUSIVE."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if op.new_table or op.get("constraint") != "check" or op.get("not_valid"):
        return
    e = ctx.engine
    name = quote(op.name, e) if op.name else "<constraint name>"
    fixed = re.sub(r"\s*;?\s*$", "", st.sql) + " NOT VALID;"
    yield ctx.finding(
        RULE, st, f"ADD CHECK {op.name or ''} checks every row of {op.table} while holding ACCESS EXCLUSIVE: "
                  f"reads and writes wait".replace("  ", " "),
        op=op, suggestion=f"{fixed}\n-- in the next migration (scans without blocking reads or writes):\n"
                          f"ALTER TABLE {quote(op.table, e)} VALIDATE CONSTRAINT {name};",
    )


RULE = Rule(
    check=check,
    id="check-without-not-valid",
    severity="error",
    summary="ADD CONSTRAINT ... CHECK without NOT VALID locks the table while every row is checked",
    why=(
        "A new CHECK constraint is verified against every existing row while ACCESS EXCLUSIVE is "
        "held, so the table can be neither read nor written during the scan. Added NOT VALID, it "
        "applies to new and updated rows at once; VALIDATE CONSTRAINT in a later transaction checks "
        "the old rows with SHARE UPDATE EXCLUSIVE, which lets reads and writes continue."
    ),
    fix="ADD CONSTRAINT ... CHECK (...) NOT VALID; VALIDATE CONSTRAINT in the next migration.",
    engines=("postgresql",),
    kinds=("add_constraint",),
    anchors="squawk constraint-missing-not-valid; strong_migrations add_check_constraint; Atlas PG305",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0);

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_quantity_positive;
""",
            good="""-- file: 20240101000000_quantity_check.sql
-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_quantity_positive CHECK (quantity > 0) NOT VALID;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_quantity_positive;
-- file: 20240102000000_validate_quantity_check.sql
-- migrate:up
ALTER TABLE orders VALIDATE CONSTRAINT orders_quantity_positive;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
