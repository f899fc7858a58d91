"""ADD FOREIGN KEY validates every row while both tables are locked against writes."""

from __future__ import annotations

import re

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if op.new_table:
        return
    if op.kind == "add_column":
        spec = op.get("spec")
        if spec is None or not spec.references:
            return
        ref = spec.references
        what = f"ADD COLUMN {spec.name} REFERENCES {ref}"
    else:
        if op.get("constraint") != "foreign_key" or op.get("not_valid"):
            return
        ref = op.get("references")
        what = f"ADD FOREIGN KEY {op.name or ''}".rstrip()
    e = ctx.engine
    t = quote(op.table, e)
    if op.kind == "add_constraint":
        fixed = re.sub(r"\s*;?\s*$", "", st.sql) + " NOT VALID;"
        name = quote(op.name, e) if op.name else "<constraint name>"
    else:
        fixed = (f"ALTER TABLE {t} ADD COLUMN {quote(op.column, e)} {op.get('spec').type};\n"
                 f"ALTER TABLE {t} ADD CONSTRAINT {quote((op.table + '_' + op.column + '_fkey')[:63], e)} "
                 f"FOREIGN KEY ({quote(op.column, e)}) REFERENCES {quote(ref, e)} NOT VALID;")
        name = quote((op.table + "_" + op.column + "_fkey")[:63], e)
    yield ctx.finding(
        RULE, st, f"{what} checks every row of {op.table} while {op.table} and {ref} are locked against writes",
        op=op, suggestion=f"{fixed}\n-- in the next migration (scans without blocking writes):\n"
                          f"ALTER TABLE {t} VALIDATE CONSTRAINT {name};",
    )


RULE = Rule(
    check=check,
    id="foreign-key-without-not-valid",
    severity="error",
    summary="ADD FOREIGN KEY without NOT VALID blocks writes to both tables while every row is checked",
    why=(
        "Adding a foreign key takes SHARE ROW EXCLUSIVE on the table and on the table it references, "
        "then checks every existing row: writes to both tables wait for the whole scan. Added "
        "NOT VALID, the constraint is enforced for new rows at once and the check of old rows is "
        "skipped; VALIDATE CONSTRAINT, in a later transaction, checks them holding only SHARE UPDATE "
        "EXCLUSIVE, which lets reads and writes go on. Tables created in the same migration are exempt."
    ),
    fix="ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID; VALIDATE CONSTRAINT in the next migration.",
    engines=("postgresql",),
    kinds=("add_constraint", "add_column"),
    anchors="squawk adding-foreign-key-constraint; strong_migrations add_foreign_key; Eugene E1",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id);

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_customer_fkey;
""",
            good="""-- file: 20240101000000_orders_customer_fk.sql
-- migrate:up
ALTER TABLE orders ADD CONSTRAINT orders_customer_fkey FOREIGN KEY (customer_id) REFERENCES customers (id) NOT VALID;

-- migrate:down
ALTER TABLE orders DROP CONSTRAINT orders_customer_fkey;
-- file: 20240102000000_validate_orders_customer_fk.sql
-- migrate:up
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fkey;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
