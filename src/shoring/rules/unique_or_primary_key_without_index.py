"""ADD UNIQUE / PRIMARY KEY builds its index while holding ACCESS EXCLUSIVE."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def check(ctx, st, op):
    if op.new_table:
        return
    if op.kind == "add_column":
        spec = op.get("spec")
        if spec is None or not (spec.unique or spec.primary_key):
            return
        kind = "primary_key" if spec.primary_key else "unique"
        columns = [spec.name]
    else:
        kind = op.get("constraint")
        if kind not in ("unique", "primary_key") or op.get("using_index"):
            return
        columns = op.get("columns") or []
    e = ctx.engine
    t = quote(op.table, e)
    base = op.table.split(".")[-1]
    index = quote(f"{base}_{'_'.join(columns)}_{'pkey' if kind == 'primary_key' else 'key'}"[:63], e)
    cols = ", ".join(quote(c, e) for c in columns) or "<columns>"
    name = quote(op.name, e) if op.name else index
    words = "PRIMARY KEY" if kind == "primary_key" else "UNIQUE"
    steps = ["-- Transaction: false   (a migration of its own)",
             f"CREATE UNIQUE INDEX CONCURRENTLY {index} ON {t} ({cols});",
             "-- then, in the next migration:"]
    if kind == "primary_key":
        steps.append("-- (the columns must already be NOT NULL, or this scans for NULLs: see set-not-null-without-check)")
    steps.append(f"ALTER TABLE {t} ADD CONSTRAINT {name} {words} USING INDEX {index};")
    yield ctx.finding(
        RULE, st, f"ADD {words} on {op.table} ({', '.join(columns)}) builds a unique index while holding "
                  f"ACCESS EXCLUSIVE: reads and writes wait for the whole build",
        op=op, suggestion="\n".join(steps),
    )


RULE = Rule(
    check=check,
    id="unique-or-primary-key-without-index",
    severity="error",
    summary="ADD UNIQUE / PRIMARY KEY without an index built CONCURRENTLY first",
    why=(
        "A UNIQUE or PRIMARY KEY constraint is backed by a unique index. Added directly, the index is "
        "built while ACCESS EXCLUSIVE is held, so the table is unreadable and unwritable for the "
        "whole build. Build the index with CREATE UNIQUE INDEX CONCURRENTLY first, then attach it "
        "with ADD CONSTRAINT ... UNIQUE USING INDEX (or PRIMARY KEY USING INDEX, whose columns must "
        "already be NOT NULL), which only needs the lock for a moment."
    ),
    fix="CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX.",
    engines=("postgresql",),
    kinds=("add_constraint", "add_column"),
    anchors="squawk disallowed-unique-constraint, adding-primary-key-constraint; strong_migrations add_unique_constraint; Eugene E7; Atlas PG104, PG105",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);

-- migrate:down
ALTER TABLE users DROP CONSTRAINT users_email_key;
""",
            good="""-- file: 20240101000000_users_email_index.sql
-- Transaction: false
-- migrate:up
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS users_email_key;
-- file: 20240102000000_users_email_unique.sql
-- migrate:up
ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;

-- migrate:down
ALTER TABLE users DROP CONSTRAINT users_email_key;
""",
        ),
    },
)
