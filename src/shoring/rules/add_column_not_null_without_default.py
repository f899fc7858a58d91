"""ADD COLUMN ... NOT NULL without a default: fails on a table with rows, or silently fills zeros."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, backfill_sql, quote, spec_sql

_MESSAGES = {
    "postgresql": "fails as soon as {table} has a row (existing rows would be NULL)",
    "mysql": "silently fills existing rows of {table} with the type's zero value ('' or 0 or '0000-00-00'), not NULL",
    "sqlite": "is refused by SQLite (a NOT NULL column needs a non-NULL default)",
}


def check(ctx, st, op):
    spec = op.get("spec")
    if spec is None or not spec.not_null or spec.default is not None or op.new_table:
        return
    if spec.serial or spec.identity or spec.generated or spec.primary_key:
        return  # filled by the database; their own rules
    e = ctx.engine
    t, c = quote(op.table, e), quote(spec.name, e)
    steps = [f"ALTER TABLE {t} ADD COLUMN {spec_sql(spec, e, not_null=False)};",
             "-- in a later migration: backfill in batches",
             backfill_sql(e, op.table, f"{c} = <value>", spec.name),
             "-- then, once no row is NULL:"]
    d = ctx.description
    if d.constraints_not_valid:
        steps.append(f"ALTER TABLE {t} ADD CONSTRAINT {quote((op.table + '_' + spec.name + '_not_null')[:63], e)} "
                     f"CHECK ({c} IS NOT NULL) NOT VALID;  -- then VALIDATE, then SET NOT NULL")
    elif d.online_ddl_clauses:
        steps.append(f"ALTER TABLE {t} MODIFY {c} {spec.type} NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;")
    else:
        steps = [f"ALTER TABLE {t} ADD COLUMN {c} {spec.type} NOT NULL DEFAULT <value>;"]
    yield ctx.finding(RULE, st, f"ADD COLUMN {spec.name} NOT NULL without a default {_MESSAGES[e].format(table=op.table)}",
                      op=op, suggestion="\n".join(steps))


RULE = Rule(
    check=check,
    id="add-column-not-null-without-default",
    severity="error",
    summary="ADD COLUMN ... NOT NULL without a DEFAULT on an existing table",
    why=(
        "Existing rows have no value for the new column. PostgreSQL refuses the statement as soon "
        "as the table has a row, so the migration that passed on an empty development database "
        "fails in production; SQLite refuses it outright. MySQL and MariaDB accept it and silently "
        "give every existing row the type's implicit default (0, '' or a zero date), which is "
        "wrong data, not a failure. This is the seed's \"adding NOT NULL constraint immediately\": "
        "add the column nullable (or with a real default), backfill, then add the constraint."
    ),
    fix="Add it nullable (or with a constant default), backfill in batches, then make it NOT NULL.",
    engines=("postgresql", "mysql", "sqlite"),
    kinds=("add_column",),
    anchors="squawk adding-required-field; Atlas MF103, MY101",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code text NOT NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code text NOT NULL DEFAULT 'ZZ';

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
        ),
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code CHAR(2) NOT NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code CHAR(2) NOT NULL DEFAULT 'ZZ';

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
        ),
        "sqlite": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code TEXT NOT NULL;

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN country_code TEXT NOT NULL DEFAULT 'ZZ';

-- migrate:down
ALTER TABLE users DROP COLUMN country_code;
""",
        ),
    },
)
