"""PostgreSQL versioned schemas for the expand phase (pgroll's idea), with `versioned_schema = true`.

While a migration is expanded, two schemas of views stand beside the tables: `shoring_<V>_before`
shows each expanded table as the code before V knows it (the new columns hidden), `shoring_<V>` as
the code of V knows it (the renamed column under its new name, the converted column under its own
name, the old ones hidden). Each application version sets its search_path to its schema and reads
and writes through plain, automatically updatable views; the expand's triggers keep the columns
underneath in step. The views go before the contract (they depend on the columns it drops) and
before an abort or rollback.
"""

from __future__ import annotations

from shoring.migrations import Migration
from shoring.runner.phases import contract_keys, expand_operations
from shoring.runner.session import Session


def enabled(session: Session) -> bool:
    return bool(session.settings.versioned_schema) and session.engine.description.versioned_schemas


def schema_names(version: str) -> tuple[str, str]:
    """(the schema for the code before `version`, the schema for the code of `version`)."""
    return f"shoring_{version}_before", f"shoring_{version}"


def _views(session: Session, mig: Migration) -> dict[str, tuple[list[str], list[str]]]:
    """table -> (columns of the view before, columns of the view after), as SQL select items."""
    engine, q = session.engine, session.engine.quote
    by_table: dict[str, list] = {}
    for op in expand_operations(mig):
        by_table.setdefault(op.table, []).append(op)
    out = {}
    for table, ops in by_table.items():
        columns = engine.column_names(table)
        hidden_before = {getattr(op, "new_name", None) or op.temporary for op in ops}
        renamed = {op.column: op.new_name for op in ops if hasattr(op, "new_name")}
        converted = {op.column: op.temporary for op in ops if not hasattr(op, "new_name")}
        before = [q(c) for c in columns if c not in hidden_before]
        after = []
        for c in columns:
            if c in renamed:
                continue  # shown under its new name, which the table has as a column of its own
            if c in converted:
                after.append(f"{q(converted[c])} AS {q(c)}")
            elif c not in converted.values():
                after.append(q(c))
        out[table] = (before, after)
    return out


def create(session: Session, mig: Migration) -> None:
    """After an expand: the two schemas of views, said."""
    if not enabled(session) or not expand_operations(mig):
        return
    engine, q = session.engine, session.engine.quote
    home = engine.query_one("SELECT current_schema()")[0]
    before, after = schema_names(mig.version)
    for schema in (before, after):
        engine.execute(f"CREATE SCHEMA IF NOT EXISTS {q(schema)}")
    for table, (old, new) in _views(session, mig).items():
        engine.execute(f"CREATE OR REPLACE VIEW {q(before)}.{q(table)} AS SELECT {', '.join(old)} FROM {q(home)}.{q(table)}")
        engine.execute(f"CREATE OR REPLACE VIEW {q(after)}.{q(table)} AS SELECT {', '.join(new)} FROM {q(home)}.{q(table)}")
    session.say(f"  versioned schemas: old code sets search_path to {before}, new code to {after}")


def drop(session: Session, mig: Migration) -> None:
    """Before a contract, an abort or a rollback of an expanded migration: its views go."""
    if not enabled(session) or not expand_operations(mig):
        return
    for schema in schema_names(mig.version):
        session.engine.execute(f"DROP SCHEMA IF EXISTS {session.engine.quote(schema)} CASCADE")


def drop_contracted(session: Session, contract: Migration) -> None:
    """Before a contract file runs: the views of the expands it contracts go."""
    if not enabled(session):
        return
    keys = contract_keys(contract)
    for version, row in session.history.rows().items():
        mig = session.migrations.get(version)
        if row.state == "applied" and mig is not None and {op.expands for op in expand_operations(mig)} & keys:
            drop(session, mig)
