"""NOT NULL on a column added in the same migration, with no backfill between: fails on existing rows."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, backfill_sql, quote


def check(ctx):
    added: dict[tuple[str, str], int] = {}  # (table, column) added nullable without default -> line
    for st in ctx.up:
        for op in st.operations:
            if op.kind == "add_column" and not op.new_table:
                spec = op.get("spec")
                if spec is not None and not spec.not_null and spec.default is None and not spec.generated:
                    added[(op.table, spec.name)] = st.line
            elif op.kind == "update":
                cols = op.get("columns") or []
                for key in list(added):
                    if key[0] == op.table and (not cols or key[1] in cols):
                        del added[key]  # backfilled
            elif op.kind in ("set_not_null", "add_constraint"):
                column = op.column if op.kind == "set_not_null" else op.get("not_null_of")
                if op.kind == "add_constraint" and (op.get("not_valid") or op.get("constraint") != "check"):
                    continue
                key = (op.table, column)
                if key in added:
                    e = ctx.engine
                    yield ctx.finding(
                        RULE, st, f"{op.table}.{column} was added on line {added[key]} without a default and is made "
                                  f"NOT NULL with no backfill in between: this fails as soon as {op.table} has a row",
                        op=op, suggestion="\n".join([
                            "-- add it nullable, backfill in batches, then add the constraint (three steps):",
                            backfill_sql(e, op.table, f"{quote(column, e)} = <value>", column),
                        ]),
                    )


RULE = Rule(
    check=check,
    id="set-not-null-before-backfill",
    severity="error",
    summary="A column added and made NOT NULL in one migration without a backfill between",
    why=(
        "The seed's \"adding NOT NULL constraint immediately\" pitfall: existing rows have no value "
        "for a column just added without a default, so SET NOT NULL (or a validated CHECK ... IS "
        "NOT NULL) fails on the first existing row. It passes on an empty development database "
        "and fails in production. Add the column as nullable, backfill, then add the constraint. "
        "(On SQLite the constraint cannot be added later at all: add-column-not-null-without-default "
        "and sqlite-unsupported-alter cover it.)"
    ),
    fix="Add nullable; backfill (separately, batched); then add the NOT NULL constraint.",
    engines=("postgresql", "mysql"),
    anchors="the seed's Common Pitfalls; squawk adding-not-nullable-field (partly)",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN status text;
ALTER TABLE users ALTER COLUMN status SET NOT NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN status VARCHAR(20);
ALTER TABLE users MODIFY status VARCHAR(20) NOT NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN status VARCHAR(20) NOT NULL DEFAULT 'active';

-- migrate:down
ALTER TABLE users DROP COLUMN status;
""",
        ),
    },
)
