"""Renaming a column breaks every running query that still names it."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, backfill_sql, operations_hint, py, quote


def _type_of(ctx, op) -> str:
    col = ctx.catalog.column(op.table, op.get("new_name")) or ctx.catalog.column(op.table, op.column)
    return col.type if col is not None and col.type else "<type>"


def check(ctx, st, op):
    if ctx.is_new(op):
        return
    e = ctx.engine
    t, old, new = quote(op.table, e), quote(op.column, e), quote(op.get("new_name"), e)
    yield ctx.finding(
        RULE, st, f"renaming {op.table}.{op.column} to {op.get('new_name')} breaks code that still uses "
                  f"{op.column} (the application is deployed before or after, never at the same instant)",
        op=op, suggestion="\n".join([
            "-- expand: add the new column and write both (application or trigger)",
            f"ALTER TABLE {t} ADD COLUMN {new} <type of {op.column}>;",
            backfill_sql(e, op.table, f"{new} = {old}", op.get("new_name") or "?"),
            "-- contract, in a later migration once no code reads or writes the old name:",
            f"ALTER TABLE {t} DROP COLUMN {old};",
            operations_hint(f"ExpandRenameColumn({py(op.table)}, {py(op.column)}, {py(op.get('new_name'))}, "
                            f"type={py(_type_of(ctx, op))})")
            + "; later ContractRenameColumn(...)",
        ]),
    )


RULE = Rule(
    check=check,
    id="rename-column",
    severity="error",
    summary="RENAME COLUMN breaks code that still uses the old name",
    why=(
        "The application and the migration are never deployed at the same instant: between the two, "
        "either old code meets the new name or new code meets the old one, and every query naming "
        "the column fails. The seed's expand-contract pattern avoids the gap: add the new column, "
        "write both, backfill, move readers, then drop the old column. (A view or a generated "
        "column with the old name can also bridge the gap.) Columns added earlier in the same "
        "migration are exempt."
    ),
    fix="Expand-contract: add, dual-write, backfill, switch readers, drop.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=("rename_column",),
    anchors="squawk renaming-column; strong_migrations rename_column; Atlas BC102",
    examples={
        engine: Example(
            bad="""-- migrate:up
ALTER TABLE users RENAME COLUMN email TO email_address;

-- migrate:down
ALTER TABLE users RENAME COLUMN email_address TO email;
""",
            good=f"""-- migrate:up
ALTER TABLE users ADD COLUMN email_address {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN email_address;
""",
        )
        for engine, typ in (("postgresql", "text"), ("mysql", "VARCHAR(255)"), ("sqlite", "TEXT"))
    },
)
