"""SQLite has no ALTER COLUMN, ADD/DROP CONSTRAINT...: those changes need the 12-step table rebuild."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote

_SKIP = {"not_null_no_default"}  # add-column-not-null-without-default reports it, with its own advice


def _rebuild(ctx, op) -> str:
    e = "sqlite"
    t = quote(op.table, e)
    new = quote(f"{op.table}_new", e)
    table = ctx.catalog.table(op.table)
    if table is not None and table.known and table.columns:
        defs, names = [], []
        for spec in table.columns.values():
            typ, not_null = spec.type, spec.not_null
            if spec.name == op.column and op.kind == "alter_column_type":
                typ = op.get("type") or typ
            if spec.name == op.column and op.kind == "set_not_null":
                not_null = True
            if spec.name == op.column and op.kind == "drop_not_null":
                not_null = False
            parts = [quote(spec.name, e), typ] + (["PRIMARY KEY"] if spec.primary_key else []) + (["NOT NULL"] if not_null and not spec.primary_key else [])
            if spec.default is not None:
                parts.append(f"DEFAULT {spec.default}")
            defs.append(" ".join(parts))
            names.append(quote(spec.name, e))
        columns = ",\n    ".join(defs)
        cols = ", ".join(names)
        create = f"CREATE TABLE {new} (\n    {columns}\n    -- plus the table's constraints, with the change applied\n);"
        copy = f"INSERT INTO {new} ({cols}) SELECT {cols} FROM {t};"
    else:
        create = f"CREATE TABLE {new} (<the table's definition, with the change applied>);"
        copy = f"INSERT INTO {new} (<columns>) SELECT <columns> FROM {t};"
    return "\n".join([
        "-- Transaction: false   (PRAGMA foreign_keys only takes effect outside a transaction)",
        "PRAGMA foreign_keys = OFF;",
        create, copy,
        f"DROP TABLE {t};",
        f"ALTER TABLE {new} RENAME TO {t};",
        f"-- recreate the indexes, triggers and views of {op.table} here",
        "PRAGMA foreign_key_check;",
        "PRAGMA foreign_keys = ON;",
    ])


def check(ctx, st, op):
    from shoring.analysis.facts_sqlite import variant

    i = st.operations.index(op)
    eff = st.effects[i]
    if eff.supported or (op.kind == "add_column" and variant(op, ctx.catalog) in _SKIP):
        return
    if eff.note.startswith("needs SQLite"):
        yield ctx.finding(RULE, st, f"{op.kind.replace('_', ' ').upper()} {eff.note}; the configured SQLite is "
                                    f"{'.'.join(map(str, ctx.version.numbers))}", op=op, suggestion=_rebuild(ctx, op))
        return
    yield ctx.finding(RULE, st, f"{eff.note}: this statement fails; the change needs the 12-step table rebuild",
                      op=op, suggestion=_rebuild(ctx, op))


RULE = Rule(
    check=check,
    id="sqlite-unsupported-alter",
    severity="error",
    summary="An ALTER TABLE form SQLite does not have (it needs the 12-step table rebuild)",
    why=(
        "SQLite's ALTER TABLE only renames tables and columns (RENAME COLUMN since 3.25), adds "
        "columns (not PRIMARY KEY or UNIQUE, no CURRENT_* or expression default, NOT NULL only with "
        "a default) and drops columns (since 3.35, not indexed, key or referenced ones). Changing a "
        "type, nullability, default or constraint fails. The SQLite documentation's 12-step "
        "procedure builds the new table, copies the rows, drops the old one and renames the new "
        "one into place, then recreates indexes, triggers and views; renaming the old table first "
        "is wrong (it rewrites references to it). The suggestion drafts it from the columns the "
        "migrations created."
    ),
    fix="The 12-step rebuild: create new table, copy, drop old, rename new, recreate indexes.",
    engines=("sqlite",),
    kinds=("add_column", "drop_column", "rename_column", "alter_column_type", "set_not_null", "drop_not_null",
           "set_default", "drop_default", "add_constraint", "drop_constraint", "alter_table_other"),
    anchors="SQLite documentation, ALTER TABLE section 7",
    examples={
        "sqlite": Example(
            bad="""-- migrate:up
ALTER TABLE users ALTER COLUMN age TYPE INTEGER;

-- migrate:down
SELECT 1;
""",
            good="""-- file: 20240101000000_create_users.sql
-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY, age TEXT);

-- migrate:down
DROP TABLE users;
-- file: 20240102000000_age_integer.sql
-- migrate:up
CREATE TABLE users_new (id INTEGER PRIMARY KEY, age INTEGER);
INSERT INTO users_new (id, age) SELECT id, CAST(age AS INTEGER) FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- migrate:down
SELECT 1;
""",
        ),
    },
)
