"""A serial, identity or AUTO_INCREMENT column fills every existing row: a rewrite, or a locked rebuild."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    spec = op.get("spec")
    if spec is None or not (spec.serial or spec.identity) or op.new_table:
        return
    e, d = ctx.engine, ctx.description
    t = quote(op.table, e)
    rewrites = not d.online_ddl_clauses  # PostgreSQL rewrites; MySQL/MariaDB rebuild, in ALGORITHM= and LOCK= terms
    if rewrites:
        what = "GENERATED AS IDENTITY" if spec.identity else spec.type
        msg = f"ADD COLUMN {spec.name} {what} numbers every row of {op.table}: the table is rewritten under ACCESS EXCLUSIVE"
    else:
        msg = f"ADD COLUMN {spec.name} AUTO_INCREMENT rebuilds {op.table} with LOCK=SHARED: writes are blocked throughout"
    new = quote(op.table + '_new', e)
    fix = ("-- create the new shape beside the old table and copy in batches:\n" if rewrites else ""
           ) + d.create_table_like.format(new=new, old=t)
    fix += (f"\nALTER TABLE {new} ADD COLUMN {quote(spec.name, e)} {d.added_identity_column};"
            + "\n-- copy rows in batches (or use pt-online-schema-change / gh-ost / pg_repack), then swap names")
    yield ctx.finding(RULE, st, msg, op=op, suggestion=fix)


RULE = Rule(
    check=check,
    id="add-column-auto-increment",
    severity="error",
    summary="Adding a serial/identity/AUTO_INCREMENT column to an existing table rewrites it",
    why=(
        "A serial or identity column takes a value from its sequence for every existing row, so "
        "PostgreSQL rewrites the whole table under ACCESS EXCLUSIVE. MySQL and MariaDB rebuild the "
        "table and do not allow concurrent writes while adding an AUTO_INCREMENT column. Build the "
        "new shape in a new table and copy in batches (pt-online-schema-change and gh-ost do this "
        "for MySQL), or create new tables with the key from the start."
    ),
    fix="A new table with the column, filled by a batched copy (or an online schema change tool).",
    engines=("postgresql", "mysql"),
    kinds=("add_column",),
    anchors="strong_migrations add_column_auto_incrementing; Eugene E11; squawk adding-serial-primary-key-field",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE events ADD COLUMN seq bigserial;

-- migrate:down
ALTER TABLE events DROP COLUMN seq;
""",
            good="""-- migrate:up
CREATE TABLE events_v2 (
    seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payload jsonb NOT NULL
);

-- migrate:down
DROP TABLE events_v2;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE events ADD COLUMN seq BIGINT NOT NULL AUTO_INCREMENT UNIQUE;

-- migrate:down
ALTER TABLE events DROP COLUMN seq;
""",
            good="""-- migrate:up
CREATE TABLE events_v2 (
    seq BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    payload JSON NOT NULL
);

-- migrate:down
DROP TABLE events_v2;
""",
        ),
    },
)
