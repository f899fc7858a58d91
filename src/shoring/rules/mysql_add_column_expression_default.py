"""A MySQL column default that is an expression makes ADD COLUMN rebuild the table."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    spec = op.get("spec")
    if spec is None or op.new_table or spec.default_kind not in ("expression", "statement_expression", "volatile", "unknown"):
        return
    if spec.default_kind == "statement_expression" and ctx.server.instant_expression_default:
        return  # MariaDB computes it once and adds the column instantly (checked on MariaDB 10.11)
    if spec.generated or spec.serial:
        return
    e = ctx.engine
    t, c = quote(op.table, e), quote(spec.name, e)
    yield ctx.finding(
        RULE, st, f"ADD COLUMN {spec.name} DEFAULT {spec.default}: an expression default is computed for every row, "
                  f"so {op.table} is rebuilt with writes blocked instead of the column being added instantly",
        op=op, suggestion="\n".join([
            f"ALTER TABLE {t} ADD COLUMN {c} {spec.type} NULL, ALGORITHM=INSTANT;",
            f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {spec.default}, ALGORITHM=INSTANT;  -- new rows",
            f"UPDATE {t} SET {c} = {spec.default} WHERE {c} IS NULL LIMIT 1000;  -- existing rows, in batches",
        ]),
    )


RULE = Rule(
    check=check,
    id="mysql-add-column-expression-default",
    severity="error",
    summary="ADD COLUMN with an expression DEFAULT (...) on MySQL/MariaDB",
    why=(
        "MySQL 8.0.13+ and MariaDB allow expression defaults such as DEFAULT (UUID()). Adding such a "
        "column to an existing table cannot be INSTANT: every existing row needs its own value, so "
        "the table is rebuilt with concurrent writes blocked. Add the column without the default, "
        "set the default for new rows, and backfill the existing ones in batches."
    ),
    fix="ADD COLUMN without the default (INSTANT), SET DEFAULT, batched backfill.",
    engines=("mysql",),
    kinds=("add_column",),
    anchors="strong_migrations add_column_default_callable",
    examples={
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN api_token CHAR(36) DEFAULT (UUID());

-- migrate:down
ALTER TABLE users DROP COLUMN api_token;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN api_token CHAR(36) NULL, ALGORITHM=INSTANT;

-- migrate:down
ALTER TABLE users DROP COLUMN api_token;
""",
        ),
    },
)
