"""A migration without a down section cannot be rolled back when it goes wrong in production."""

from __future__ import annotations

import re

from shoring.migrations.model import undoable
from shoring.lint.base import Example, Rule, quote

_IRREVERSIBLE = re.compile(r"irreversible|not reversible|cannot be (undone|reversed|rolled back)|restore from backup|no rollback", re.I)


def inverse(ctx) -> list[str]:
    """A down section for the up statements whose inverse is mechanical, newest first."""
    e, d = ctx.engine, ctx.description
    out: list[str] = []
    for st in ctx.up:
        for op in st.operations:
            t = quote(op.table, e) if op.table else None
            sql = None
            if op.kind == "create_table":
                sql = f"DROP TABLE IF EXISTS {t};"
            elif op.kind == "add_column":
                sql = f"ALTER TABLE {t} DROP COLUMN {quote(op.column, e)};"
            elif op.kind == "create_index" and op.name:
                sql = (f"DROP INDEX {'CONCURRENTLY ' if op.get('concurrently') else ''}IF EXISTS {quote(op.name, e)};" if not d.drops_index_by_table
                       else f"DROP INDEX {quote(op.name, e)} ON {t};")
            elif op.kind == "add_constraint" and op.name:
                by_kind = d.drops_constraints_by_kind and op.get("constraint") == "foreign_key"
                clause = "DROP FOREIGN KEY" if by_kind else "DROP CONSTRAINT"
                sql = f"ALTER TABLE {t} {clause} {quote(op.name, e)};"
            elif op.kind == "rename_column":
                sql = f"ALTER TABLE {t} RENAME COLUMN {quote(op.get('new_name'), e)} TO {quote(op.column, e)};"
            elif op.kind == "rename_table":
                sql = f"ALTER TABLE {quote(op.get('new_name'), e)} RENAME TO {t};"
            elif op.kind == "set_not_null" and d.alter_column_not_null:
                sql = f"ALTER TABLE {t} ALTER COLUMN {quote(op.column, e)} DROP NOT NULL;"
            elif op.kind in ("drop_column", "drop_table", "update", "delete", "alter_column_type"):
                sql = f"-- {op.kind.replace('_', ' ')} on {op.table}: write its inverse by hand (data may need a restore)"
            if sql:
                out.append(sql)
    return list(reversed(out))


def check(ctx):
    if ctx.kind == "python":
        if ctx.migration.has_down:
            return
        yield ctx.finding(RULE, ctx.up[0], "Python migration has no down(ctx): `shoring rollback` cannot undo it",
                          suggestion="# def down(ctx): undo what up(ctx) did")
        return
    if ctx.kind == "operations":
        if ctx.migration.reversible_on(ctx.engine):
            return
        from shoring.operations.dialects import DIALECTS

        from shoring.operations.docs import ENGINES

        declared = _IRREVERSIBLE.search(ctx.migration.metadata.get("Rollback") or "")
        for line, op in ctx.migration.operations():
            if undoable(op, DIALECTS[ctx.engine]):
                continue
            st = next((s for s in ctx.up if s.line == line), ctx.up[0] if ctx.up else None)
            if op.undo_from_arguments and not declared:
                yield ctx.finding(RULE, st, f"{op.describe()} cannot be undone: `shoring rollback` cannot roll this migration back",
                                  suggestion="# give the operation what it needs to be undone (RunSQL(..., down_sql=...), "
                                             "DropIndex(..., table=..., columns=...), OnlineAlter(..., down_alter=...)), "
                                             "or put it in a migration of its own")
            else:  # nothing the user can add makes it undoable here: say so, as a header declaring it would
                yield ctx.finding(RULE, st, f"{op.describe()} has no undo on {ENGINES[ctx.engine]}: `shoring rollback` "
                                            f"cannot roll this migration back", severity="warning",
                                  suggestion="-- Rollback: irreversible; restore from backup  (say so in the header)")
        return
    if ctx.migration.has_down or ctx.undo_file is not None:
        return
    declared = _IRREVERSIBLE.search(ctx.migration.metadata.get("Rollback") or "")
    plain = ctx.kind == "plain"
    empty = ctx.migration.down is not None
    what = "an empty down section" if empty else ("no down section" if not plain else "no rollback script")
    severity = "warning" if (plain or declared) else None
    why = " (the header says it is irreversible)" if declared else ""
    st = ctx.up[0] if ctx.up else None
    body = "\n".join(inverse(ctx)) or "-- the statements that undo the up section"
    suggestion = (f"-- migrate:down\n{body}" if not plain else
                  f"-- a rollback script beside it (Flyway: U<version>__<name>.sql):\n{body}")
    yield ctx.finding(RULE, st, f"{what}: the migration cannot be rolled back{why}", severity=severity,
                      suggestion=suggestion, line=1 if st is None else None, column=1 if st is None else None)


RULE = Rule(
    check=check,
    id="missing-down",
    severity="error",
    summary="A migration with no (or an empty) down section: rollback is untested and impossible",
    why=(
        "The seed's \"not testing rollback\" pitfall: rollback fails when it is needed in production. "
        "Every migration needs a down section that `shoring test` can rehearse (up, down, up again). "
        "When a change truly cannot be undone, say so in the header (`-- Rollback: irreversible; "
        "restore from backup`) and this becomes a warning. Plain SQL files from other tools have no "
        "down section by design, so for them it is a warning (none when a Flyway U<version>__ undo "
        "file sits beside it). The suggestion writes the mechanical inverse of the up section."
    ),
    fix="Write the down section (the suggestion drafts it) and rehearse it with `shoring test`.",
    engines=("postgresql", "mysql", "sqlite"),
    anchors="strong_migrations (irreversible migrations); the seed's Common Pitfalls",
    examples={
        engine: Example(
            bad=f"""-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};
""",
            good=f"""-- migrate:up
ALTER TABLE users ADD COLUMN nickname {typ};

-- migrate:down
ALTER TABLE users DROP COLUMN nickname;
""",
        )
        for engine, typ in (("postgresql", "text"), ("mysql", "VARCHAR(50)"), ("sqlite", "TEXT"))
    },
)
