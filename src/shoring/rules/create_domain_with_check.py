"""A CHECK on a domain is re-validated against every column of that domain, in every table."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    if op.kind == "create_domain" and op.get("check"):
        yield ctx.finding(
            RULE, st, f"domain {op.name} has a CHECK: changing it later re-checks every column of the domain, in every "
                      f"table, while those tables are locked", op=op,
            suggestion="-- a plain domain (or type), with the CHECK on each table, where it can be added NOT VALID",
        )
    elif op.kind == "alter_domain" and op.get("action") == "add_constraint" and op.get("check") and not op.get("not_valid"):
        yield ctx.finding(
            RULE, st, f"ALTER DOMAIN {op.name} ADD CONSTRAINT checks every column of the domain in every table", op=op,
            suggestion=st.sql.rstrip().rstrip(";") + " NOT VALID;\n-- then: ALTER DOMAIN ... VALIDATE CONSTRAINT ... in the next migration",
        )


RULE = Rule(
    check=check,
    id="create-domain-with-check",
    severity="warning",
    summary="CREATE DOMAIN ... CHECK, or ALTER DOMAIN ... ADD CONSTRAINT without NOT VALID",
    why=(
        "A domain's CHECK constraint applies to every column declared with the domain. Adding or "
        "changing it validates all of those columns, in all tables, under locks that block writes; "
        "the tables involved are not visible in the migration. A CHECK on each table can be "
        "added NOT VALID and validated online, one table at a time."
    ),
    fix="CHECK constraints on the tables; or ALTER DOMAIN ... ADD CONSTRAINT ... NOT VALID, then VALIDATE.",
    engines=("postgresql",),
    kinds=("create_domain", "alter_domain"),
    anchors="squawk ban-create-domain-with-constraint, ban-alter-domain-with-add-constraint",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
CREATE DOMAIN positive_amount AS numeric(12, 2) CHECK (VALUE > 0);

-- migrate:down
DROP DOMAIN positive_amount;
""",
            good="""-- migrate:up
ALTER TABLE invoices ADD CONSTRAINT invoices_amount_positive CHECK (amount > 0) NOT VALID;

-- migrate:down
ALTER TABLE invoices DROP CONSTRAINT invoices_amount_positive;
""",
        ),
    },
)
