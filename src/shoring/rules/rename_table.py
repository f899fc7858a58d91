"""Renaming a table breaks every running query that still names it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if op.new_table or op.get("view"):
        return
    e = ctx.engine
    old, new = quote(op.table, e), quote(op.get("new_name"), e)
    view = (f"CREATE VIEW {old} AS SELECT * FROM {new};  -- old name keeps working (simple views are updatable)"
            if ctx.description.updatable_views else f"CREATE VIEW {old} AS SELECT * FROM {new};  -- readable under the old name")
    yield ctx.finding(
        RULE, st, f"renaming table {op.table} to {op.get('new_name')} breaks code that still uses {op.table}",
        op=op, suggestion="\n".join([
            st.sql.rstrip().rstrip(";") + ";",
            view,
            "-- drop the view in a later migration, once no code uses the old name",
        ]),
    )


RULE = Rule(
    check=check,
    id="rename-table",
    severity="error",
    summary="RENAME TABLE breaks code that still uses the old name",
    why=(
        "Running code names the table; after the rename every such query fails until the new code "
        "is deployed, and new code fails if it is deployed first. Rename and, in the same "
        "transaction, create a view with the old name (a simple view is updatable on PostgreSQL "
        "and MySQL), or copy to a new table in the expand-contract way. Tables created earlier "
        "in the same migration are exempt."
    ),
    fix="Rename plus a compatibility view with the old name, dropped later; or expand-contract.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=("rename_table",),
    anchors="squawk renaming-table; strong_migrations rename_table; Atlas BC101",
    examples={
        engine: Example(
            bad="""-- migrate:up
ALTER TABLE customers RENAME TO clients;

-- migrate:down
ALTER TABLE clients RENAME TO customers;
""",
            good="""-- migrate:up
CREATE VIEW clients AS SELECT * FROM customers;

-- migrate:down
DROP VIEW clients;
""",
        )
        for engine in ("postgresql", "mysql", "sqlite")
    },
)
