"""A foreign key without an index on its columns makes every delete or key update of the parent scan."""

from __future__ import annotations

from shoring.lint.base import Example, Rule, quote


def _foreign_keys(op):
    if op.kind == "create_table":
        for spec in op.get("columns") or ():
            if spec.references:
                yield (spec.name,), spec.references
        for con in op.get("constraints") or ():
            if con.get("constraint") == "foreign_key" and con.get("columns"):
                yield tuple(con["columns"]), con.get("references")
    elif op.kind == "add_constraint" and op.get("constraint") == "foreign_key" and op.get("columns"):
        yield tuple(op.get("columns")), op.get("references")
    elif op.kind == "add_column":
        spec = op.get("spec")
        if spec is not None and spec.references:
            yield (spec.name,), spec.references


def check(ctx):
    e = ctx.engine
    for st in ctx.up:
        for op in st.operations:
            for columns, parent in _foreign_keys(op):
                table = ctx.catalog.table(op.table)
                if table is None or not table.known or ctx.catalog.has_index_on(op.table, columns):
                    continue
                name = quote(f"idx_{op.table.split('.')[-1]}_{'_'.join(columns)}"[:63], e)
                cols = ", ".join(quote(c, e) for c in columns)
                concurrently = "CONCURRENTLY IF NOT EXISTS " if ctx.description.concurrent_index_build and not op.new_table else "IF NOT EXISTS "
                yield ctx.finding(
                    RULE, st, f"foreign key {op.table} ({', '.join(columns)}) -> {parent} has no index on its columns: "
                              f"each DELETE or key UPDATE on {parent} scans {op.table}",
                    op=op, suggestion=f"CREATE INDEX {concurrently}{name} ON {quote(op.table, e)} ({cols});",
                )


RULE = Rule(
    check=check,
    id="foreign-key-without-index",
    severity="warning",
    summary="A foreign key whose referencing columns have no index",
    why=(
        "PostgreSQL and SQLite index the referenced (parent) key but not the referencing columns. "
        "Without that index, every DELETE of a parent row and every update of its key scans the "
        "child table to check for references, holding locks meanwhile; ON DELETE CASCADE makes it "
        "worse. MySQL/MariaDB create the index themselves. Only indexes created by the linted "
        "migrations are seen."
    ),
    fix="CREATE INDEX (CONCURRENTLY on an existing PostgreSQL table) on the foreign key's columns.",
    engines=("postgresql", "sqlite"),
    anchors="Eugene E15",
    examples={
        "postgresql": Example(
            bad="""-- migrate:up
CREATE TABLE order_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    body text NOT NULL
);

-- migrate:down
DROP TABLE order_notes;
""",
            good="""-- migrate:up
CREATE TABLE order_notes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id bigint NOT NULL REFERENCES orders (id),
    body text NOT NULL
);
CREATE INDEX idx_order_notes_order_id ON order_notes (order_id);

-- migrate:down
DROP TABLE order_notes;
""",
        ),
        "sqlite": Example(
            bad="""-- migrate:up
CREATE TABLE order_notes (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id), body TEXT NOT NULL);

-- migrate:down
DROP TABLE order_notes;
""",
            good="""-- migrate:up
CREATE TABLE order_notes (id INTEGER PRIMARY KEY, order_id INTEGER NOT NULL REFERENCES orders (id), body TEXT NOT NULL);
CREATE INDEX idx_order_notes_order_id ON order_notes (order_id);

-- migrate:down
DROP TABLE order_notes;
""",
        ),
    },
)
