"""Asking for an ALGORITHM or LOCK the change cannot use makes the server refuse the ALTER."""

from __future__ import annotations

from shoring.lint.base import Example, Rule


def check(ctx, st, op):
    i = st.operations.index(op)
    eff = st.effects[i]
    if eff.supported or not eff.note.startswith("the server refuses"):
        return
    yield ctx.finding(
        RULE, st, f"{eff.note}: this ALTER fails on {ctx.version.label}", op=op,
        suggestion="-- do it with pt-online-schema-change or gh-ost, or accept the lock it needs in a maintenance window",
    )


RULE = Rule(
    check=check,
    id="mysql-online-ddl-refused",
    severity="error",
    summary="ALGORITHM=INSTANT/INPLACE or LOCK=NONE requested for a change that cannot honour it",
    why=(
        "An explicit ALGORITHM or LOCK clause is a demand: if the change needs a table copy (a type "
        "change, a stored generated column, a foreign key with foreign_key_checks on...) the server "
        "refuses with \"ALGORITHM=INPLACE is not supported\" and the migration fails. That is the "
        "point of asking, but lint can say so before the deploy. The facts come from the MySQL 8.0 "
        "and MariaDB online DDL tables for the configured server version."
    ),
    fix="An online schema change tool (pt-online-schema-change, gh-ost), or a planned window.",
    engines=("mysql",),
    kinds=("add_column", "drop_column", "rename_column", "alter_column_type", "set_not_null", "drop_not_null",
           "set_default", "drop_default", "create_index", "drop_index", "add_constraint", "drop_constraint",
           "rebuild_table", "set_table_options"),
    anchors="MySQL/MariaDB online DDL documentation",
    examples={
        "mysql": Example(
            bad="""-- migrate:up
ALTER TABLE orders ADD COLUMN note_length INT AS (CHAR_LENGTH(note)) STORED, ALGORITHM=INPLACE, LOCK=NONE;

-- migrate:down
ALTER TABLE orders DROP COLUMN note_length;
""",
            good="""-- migrate:up
ALTER TABLE orders ADD COLUMN note_v2 TEXT, ALGORITHM=INSTANT;

-- migrate:down
ALTER TABLE orders DROP COLUMN note_v2;
""",
        ),
    },
)
