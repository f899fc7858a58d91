"""A STORED generated column is computed for every existing row: a full rewrite or table copy."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    spec = op.get("spec")
    if spec is None or spec.generated != "stored" or op.new_table:
        return
    e = ctx.engine
    t, c = quote(op.table, e), quote(spec.name, e)
    if not ctx.description.online_ddl_clauses:  # a rewrite; MySQL/MariaDB copy, and take ALGORITHM=INSTANT for VIRTUAL
        msg = f"ADD COLUMN {spec.name} GENERATED ... STORED rewrites {op.table} under an ACCESS EXCLUSIVE lock"
        fix = (f"ALTER TABLE {t} ADD COLUMN {c} {spec.type};\n"
               f"-- keep it current with a BEFORE INSERT OR UPDATE trigger, then backfill existing rows in batches")
    else:
        msg = f"ADD COLUMN {spec.name} ... STORED copies {op.table} (ALGORITHM=COPY): writes are blocked throughout"
        fix = (f"ALTER TABLE {t} ADD COLUMN {c} {spec.type} AS (<expression>) VIRTUAL, ALGORITHM=INSTANT;\n"
               f"-- a VIRTUAL generated column is added instantly; index it if it must be searched")
    yield ctx.finding(RULE, st, msg, op=op, suggestion=fix)


RULE = Rule(
    check=check,
    id="add-column-generated-stored",
    severity="error",
    summary="Adding a STORED generated column to an existing table rewrites or copies it",
    why=(
        "A stored generated column holds a value for every row, so adding one computes it for the "
        "whole table: PostgreSQL rewrites the table under ACCESS EXCLUSIVE, MySQL and MariaDB copy "
        "it with writes blocked. On PostgreSQL add a plain column kept current by a trigger and "
        "backfill it in batches; on MySQL/MariaDB a VIRTUAL generated column is added instantly."
    ),
    fix="PostgreSQL: plain column + trigger + batched backfill. MySQL/MariaDB: a VIRTUAL generated column.",
    engines=("postgresql", "mysql"),
    kinds=("add_column",),
    anchors="squawk adding-field-with-default (generated); strong_migrations add_column_generated_stored; Eugene E11",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD COLUMN total_cents bigint GENERATED ALWAYS AS (quantity * unit_cents) STORED;

-- migrate:down
ALTER TABLE orders DROP COLUMN total_cents;
""",
            good="""-- migrate:up
ALTER TABLE orders ADD COLUMN total_cents bigint;

-- migrate:down
ALTER TABLE orders DROP COLUMN total_cents;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD COLUMN total_cents BIGINT AS (quantity * unit_cents) STORED;

-- migrate:down
ALTER TABLE orders DROP COLUMN total_cents;
""",
            good="""-- migrate:up
ALTER TABLE orders ADD COLUMN total_cents BIGINT AS (quantity * unit_cents) VIRTUAL, ALGORITHM=INSTANT;

-- migrate:down
ALTER TABLE orders DROP COLUMN total_cents;
""",
        ),
    },
)
