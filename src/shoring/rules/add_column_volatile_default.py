"""A volatile default is computed once per existing row: the table is rewritten under ACCESS EXCLUSIVE."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, backfill_sql, quote, spec_sql


#: the first release that stores a non-volatile default in the catalog instead of writing it into every row
CATALOG_DEFAULTS_SINCE = 11


def check(ctx, st, op):
    spec = op.get("spec")
    if spec is None or spec.default is None or op.new_table:
        return
    before_11 = not ctx.version.at_least(CATALOG_DEFAULTS_SINCE)
    if spec.default_kind not in ("volatile", "unknown") and not before_11:
        return
    if spec.generated or spec.serial or spec.identity:
        return  # their own rules
    e = ctx.engine
    t = quote(op.table, e)
    default = spec.default_text()
    if spec.default_kind in ("volatile", "unknown"):
        why = "the default may be volatile" if spec.default_kind == "unknown" else "the default is volatile"
    else:
        why = f"{ctx.version.label} writes any default into every row (PostgreSQL 11 and later do not)"
    yield ctx.finding(
        RULE, st,
        f"ADD COLUMN {spec.name} DEFAULT {default}: {why}, so every row of {op.table} is "
        f"rewritten under an ACCESS EXCLUSIVE lock",
        op=op,
        suggestion="\n".join([
            f"ALTER TABLE {t} ADD COLUMN {spec_sql(spec, e, not_null=False, default=False)};",
            f"ALTER TABLE {t} ALTER COLUMN {quote(spec.name, e)} SET DEFAULT {default};",
            "-- then, in a later migration, fill the existing rows in batches:",
            backfill_sql(e, op.table, f"{quote(spec.name, e)} = {default}", spec.name),
        ]),
    )


RULE = Rule(
    check=check,
    id="add-column-volatile-default",
    severity="error",
    summary="ADD COLUMN with a volatile default (random(), gen_random_uuid(), clock_timestamp()...), or any default before PostgreSQL 11, rewrites the table",
    why=(
        "Since PostgreSQL 11 a constant or stable default (including now()) is stored in the catalog "
        "and ADD COLUMN is instant. A volatile default must be evaluated for every existing row, so "
        "PostgreSQL rewrites the whole table while holding ACCESS EXCLUSIVE: no reads, no writes "
        "until it is done; before PostgreSQL 11 every default did. Functions shoring does not know are treated as possibly volatile. "
        "Add the column without a default, set the default for new rows, and backfill the existing "
        "ones in batches."
    ),
    fix="ADD COLUMN without the default; ALTER COLUMN ... SET DEFAULT; backfill in batches.",
    engines=("postgresql",),
    kinds=("add_column",),
    anchors="squawk adding-field-with-default; strong_migrations add_column_default; Atlas PG302",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD COLUMN api_token uuid DEFAULT gen_random_uuid();

-- migrate:down
ALTER TABLE users DROP COLUMN api_token;
""",
            good="""-- migrate:up
ALTER TABLE users ADD COLUMN api_token uuid;
ALTER TABLE users ALTER COLUMN api_token SET DEFAULT gen_random_uuid();

-- migrate:down
ALTER TABLE users DROP COLUMN api_token;
""",
        ),
    },
)
