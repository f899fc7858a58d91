"""Does down undo up? Compare the schema before up with the one after down; list the data no rollback returns.

The comparison covers what the catalog models (tables, columns with type, nullability and default,
indexes, CHECK and foreign key constraints). Data is another matter: a dropped column comes back
empty, and a rollback that drops a new column throws away what was written to it meanwhile.
"""

from __future__ import annotations

import re
from typing import Any

from shoring.analysis.catalog import Catalog
from shoring.analysis.model import AnalyzedStatement

#: destructive kind -> what up destroys that down cannot bring back ({t} table, {c} column)
LOST_BY_UP: dict[str, str] = {
    "drop_column": "the values of {t}.{c}",
    "drop_table": "every row of {t}",
    "truncate": "every row of {t}",
    "delete": "the rows the DELETE removes from {t}",
    "drop_sequence": "the current value of sequence {n}",
    "drop_schema": "everything in schema {n}",
    "drop_database": "database {n}",
}
#: destructive kind in down -> what a rollback discards
LOST_BY_DOWN: dict[str, str] = {
    "drop_column": "values written to {t}.{c} after the apply",
    "drop_table": "rows written to {t} after the apply",
    "truncate": "every row of {t}",
    "delete": "the rows the DELETE removes from {t}",
    "drop_sequence": "the current value of sequence {n}",
}


def _fmt(template: str, op: Any) -> str:
    return template.format(t=op.table or "?", c=op.column or "?", n=op.name or op.table or "?")


def lost_by_up(up: list[AnalyzedStatement]) -> list[str]:
    out = []
    for st in up:
        for op, eff in zip(st.operations, st.effects):
            if eff.destructive and not op.new_table and op.kind in LOST_BY_UP:
                text = _fmt(LOST_BY_UP[op.kind], op)
                if text not in out:
                    out.append(text)
    return out


def lost_by_down(down: list[AnalyzedStatement]) -> list[str]:
    out = []
    for st in down:
        for op, eff in zip(st.operations, st.effects):
            if eff.destructive and op.kind in LOST_BY_DOWN:
                text = _fmt(LOST_BY_DOWN[op.kind], op)
                if text not in out:
                    out.append(text)
    return out


def touched_tables(up: list[AnalyzedStatement]) -> set[str]:
    out: set[str] = set()
    for st in up:
        for op in st.operations:
            if op.table:
                out.add(op.table)
            if op.kind == "rename_table" and op.get("new_name"):
                out.add(op.get("new_name"))
    return out


def restores(before: Catalog, after_down: Catalog, up: list[AnalyzedStatement],
             known: set[str] | None) -> tuple[bool | None, list[str]]:
    """(True/False/None, differences) between the schema before up and after down (the catalog
    `shoring.analysis.analyze_down` returns). None: a table up touches is not known to the plan."""
    tables = touched_tables(up)
    if not tables:
        return True, []
    if known is not None and not tables <= known:
        missing = sorted(tables - known)
        return None, [f"cannot compare: the plan does not know table {', '.join(missing)}"]
    return _compare(before, after_down, tables)


def _compare(before: Catalog, after: Catalog, tables: set[str]) -> tuple[bool, list[str]]:
    diffs: list[str] = []
    for t in sorted(tables):
        a, b = before.tables.get(t), after.tables.get(t)
        if a is None and b is None:
            continue
        if a is None:
            diffs.append(f"table {t} still exists after down")
            continue
        if b is None:
            diffs.append(f"table {t} is gone after down")
            continue
        for name, col in a.columns.items():
            other = b.columns.get(name)
            if other is None:
                diffs.append(f"column {t}.{name} is gone after down")
                continue
            if col.type != other.type:
                diffs.append(f"column {t}.{name} is {other.type} after down, was {col.type}")
            if col.not_null != other.not_null:
                state = "NOT NULL" if other.not_null else "nullable"
                diffs.append(f"column {t}.{name} is {state} after down")
            if _default(col.default) != _default(other.default):
                diffs.append(f"column {t}.{name} default is {other.default or 'none'} after down, was {col.default or 'none'}")
        for name in b.columns:
            if name not in a.columns:
                diffs.append(f"column {t}.{name} still exists after down")
        a_idx, b_idx = set(a.indexes), set(b.indexes)
        for name in a_idx:
            if name not in b_idx:
                diffs.append(f"index {name} on {t} is gone after down")
        for name in b_idx:
            if name not in a_idx:
                diffs.append(f"index {name} on {t} still exists after down")
        a_checks = {c.name for c in a.checks if c.name}
        b_checks = {c.name for c in b.checks if c.name}
        diffs += [f"constraint {n} on {t} is gone after down" for n in sorted(a_checks - b_checks)]
        diffs += [f"constraint {n} on {t} still exists after down" for n in sorted(b_checks - a_checks)]
        a_fks = {fk[0] for fk in a.foreign_keys if fk[0]}
        b_fks = {fk[0] for fk in b.foreign_keys if fk[0]}
        diffs += [f"foreign key {n} on {t} is gone after down" for n in sorted(a_fks - b_fks)]
        diffs += [f"foreign key {n} on {t} still exists after down" for n in sorted(b_fks - a_fks)]
    return not diffs, diffs


def _default(text: str | None) -> str | None:
    """Defaults as the database prints them ('x'::text) and as a migration writes them ('x') compare equal."""
    if text is None:
        return None
    out = re.sub(r"::[\w ]+(\[\])?(\(\d+(,\d+)?\))?", "", text.strip()).strip("() ").lower()
    return out
