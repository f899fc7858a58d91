"""Did the statement that was running when its process died take effect? The catalog tells.

A client killed mid-statement leaves the server to decide: MariaDB finishes an ALTER its client has
left, a CREATE INDEX CONCURRENTLY may have completed just before the kill. The history then says the
statement did not complete, and running it again fails (`Duplicate column name`) or builds twice.
Each kind of operation says what its effect looks like in the live catalog; a statement took effect
when every one of its operations did. Statements whose effect the catalog cannot show (data changes,
procedural code) are unknown, and run again as before.
"""

from __future__ import annotations

from typing import Any, Callable

from shoring.analysis.model import Operation
from shoring.engines import Engine, StatementError

Check = Callable[[Engine, Operation], "str | bool | None"]


def _columns(engine: Engine, table: str) -> set[str]:
    return set(engine.column_names(table))


def _add_column(e: Engine, op: Operation) -> str | bool:
    return op.column in _columns(e, op.table) and f"column {op.table}.{op.column} exists"


def _drop_column(e: Engine, op: Operation) -> str | bool:
    return e.table_exists(op.table) and op.column not in _columns(e, op.table) and f"column {op.table}.{op.column} is gone"


def _rename_column(e: Engine, op: Operation) -> str | bool:
    cols = _columns(e, op.table)
    new = op.get("new_name")
    return new in cols and op.column not in cols and f"column {op.table}.{op.column} is named {new}"


def _create_table(e: Engine, op: Operation) -> str | bool:
    return e.table_exists(op.table) and f"table {op.table} exists"


def _drop_table(e: Engine, op: Operation) -> str | bool:
    return not e.table_exists(op.table) and f"table {op.table} is gone"


def _rename_table(e: Engine, op: Operation) -> str | bool:
    new = op.get("new_name")
    return e.table_exists(new) and not e.table_exists(op.table) and f"table {op.table} is named {new}"


def _create_index(e: Engine, op: Operation) -> str | bool:
    # an INVALID index is a build that did not finish: not the statement's effect
    return e.index_valid(op.name, op.table) is True and f"index {op.name} exists and is valid"


def _drop_index(e: Engine, op: Operation) -> str | bool:
    return e.index_valid(op.name, op.table) is None and f"index {op.name} is gone"


def _create_trigger(e: Engine, op: Operation) -> str | bool:
    return bool(op.name) and e.trigger_exists(op.name, op.table) and f"trigger {op.name} exists"


def _drop_trigger(e: Engine, op: Operation) -> str | bool:
    return bool(op.name) and not e.trigger_exists(op.name, op.table) and f"trigger {op.name} is gone"


#: operation kind -> how its effect shows in the catalog (a truthy text saying what was seen, or False)
CHECKS: dict[str, Check] = {
    "add_column": _add_column,
    "drop_column": _drop_column,
    "rename_column": _rename_column,
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_trigger": _create_trigger,
    "drop_trigger": _drop_trigger,
}


def _names(op: Operation) -> list[str]:
    return [n for n in (op.table, op.get("new_name")) if isinstance(n, str)]


def took_effect(engine: Engine, statement: Any) -> str | None:
    """What the catalog shows of the statement's effect when all of it is there; None when it is not,
    or when the catalog cannot tell (the statement then runs again, as it always did)."""
    if statement.action is not None:  # batched actions resume from their own checkpoints
        return None
    from shoring.analysis.analyze import analyze_statements

    try:
        [analysed] = analyze_statements([statement], engine.dialect)
    except Exception:  # noqa: BLE001 - a statement the analysis cannot read: unknown
        return None
    ops = analysed.operations
    if analysed.error or not ops or any(op.kind not in CHECKS or not (op.table or op.kind in ("drop_index", "drop_trigger")) for op in ops):
        return None
    if any("." in n for op in ops for n in _names(op)):
        return None  # schema-qualified: the engine's lookups are for the current schema
    seen = []
    try:
        for op in ops:
            evidence = CHECKS[op.kind](engine, op)
            if not evidence:
                return None
            seen.append(evidence)
    except StatementError:
        return None
    return ", ".join(seen)


def in_flight(engine: Engine, mig: Any, row: Any) -> tuple[int, str] | None:
    """(index, evidence) of the statement an interrupted run (`row`, state running) was in when it
    stopped, if the catalog shows it took effect; None otherwise."""
    from shoring.migrations.checksum import statements_checksum
    from shoring.runner.execute import section_statements

    if mig is None or not mig.has_sql or row is None or row.state != "running" or row.direction not in ("up", "down"):
        return None
    if row.checksum != mig.checksum and row.done_checksum is None and row.statements_done:
        return None
    statements = section_statements(mig, row.direction, engine.dialect, row)
    done = row.statements_done or 0
    if done >= len(statements):
        return None
    if done and statements_checksum([s.sql for s in statements[:done]]) != row.done_checksum:
        return None  # edited since: the resume refuses, and says why
    evidence = took_effect(engine, statements[done])
    return (done + 1, evidence) if evidence else None


def settle(session: Any, mig: Any, row: Any) -> tuple[Any, str | None]:
    """Record the statement an interrupted run completed on the server without knowing it; returns the
    row as it now stands and what to say about it."""
    from dataclasses import replace

    from shoring.migrations.checksum import statements_checksum
    from shoring.runner.execute import section_statements

    found = in_flight(session.engine, mig, row)
    if found is None:
        return row, None
    index, evidence = found
    statements = section_statements(mig, row.direction, session.engine.dialect, row)
    done_sum = statements_checksum([s.sql for s in statements[:index]])
    session.history.update(mig.version, statements_done=index, done_checksum=done_sum)
    note = (f"statement {index} of {len(statements)} had completed on the server when the earlier run stopped "
            f"({evidence}): recorded")
    return replace(row, statements_done=index, done_checksum=done_sum), note
