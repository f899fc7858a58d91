"""What changed between two schemas, as lines a person reads without knowing the data model.

``+`` exists in the second schema only, ``-`` in the first only, ``~`` exists in both but differs
(the detail says from what to what).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Iterator

from shoring.verify.model import OBJECT_KINDS, Column, Constraint, Index, Schema, Table

_SYMBOL = {"added": "+", "removed": "-", "changed": "~"}
#: Schema attribute -> the word a report uses for one such object.
_NOUN = {"tables": "table", "views": "view", "sequences": "sequence", "triggers": "trigger",
         "functions": "function", "enums": "enum"}


@dataclass(frozen=True)
class Change:
    action: str  # added | removed | changed
    kind: str  # table, column, constraint, index, view, sequence, trigger, function, enum, schema, extension
    name: str  # "users", "users.email", "users.users_email_key"
    detail: str = ""

    def line(self) -> str:
        text = f"{_SYMBOL[self.action]} {self.kind} {self.name}"
        return f"{text}: {self.detail}" if self.detail else text

    def to_dict(self) -> dict[str, str]:
        return {"action": self.action, "kind": self.kind, "name": self.name, "detail": self.detail, "line": self.line()}


@dataclass
class SchemaDiff:
    changes: list[Change] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def lines(self) -> list[str]:
        return [c.line() for c in self.changes]

    def text(self, indent: str = "  ") -> str:
        return "\n".join(indent + line for line in self.lines())

    def to_list(self) -> list[dict[str, str]]:
        return [c.to_dict() for c in self.changes]


def diff(before: Schema, after: Schema) -> SchemaDiff:
    """Every difference between two snapshots, tables first, in a stable order."""
    out = SchemaDiff()
    for attr in OBJECT_KINDS:
        old, new = getattr(before, attr), getattr(after, attr)
        noun = _NOUN[attr]
        for name in _ordered(old, new):
            a, b = old.get(name), new.get(name)
            if a is None:
                out.changes.append(Change("added", noun, name, _summary(b)))
            elif b is None:
                out.changes.append(Change("removed", noun, name, _summary(a)))
            elif a != b:
                if isinstance(a, Table):
                    out.changes.extend(_table_changes(a, b))
                else:
                    out.changes.append(Change("changed", noun, name, _field_changes(a, b)))
    for noun, old, new in (("schema", before.schemas, after.schemas), ("extension", before.extensions, after.extensions)):
        for item in sorted(set(new) - set(old)):
            out.changes.append(Change("added", noun, _label(item)))
        for item in sorted(set(old) - set(new)):
            out.changes.append(Change("removed", noun, _label(item)))
    return out


def _label(item: Any) -> str:
    return " ".join(item) if isinstance(item, tuple) else str(item)


def _ordered(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(set(old) | set(new))


def _table_changes(a: Table, b: Table) -> list[Change]:
    changes: list[Change] = []
    t = a.name
    old_cols, new_cols = {c.name: c for c in a.columns}, {c.name: c for c in b.columns}
    for col in a.columns:
        if col.name not in new_cols:
            changes.append(Change("removed", "column", f"{t}.{col.name}", _summary(col)))
        elif col != new_cols[col.name]:
            changes.append(Change("changed", "column", f"{t}.{col.name}", _field_changes(col, new_cols[col.name])))
    for col in b.columns:
        if col.name not in old_cols:
            changes.append(Change("added", "column", f"{t}.{col.name}", _summary(col)))
    common_old = [c.name for c in a.columns if c.name in new_cols]
    common_new = [c.name for c in b.columns if c.name in old_cols]
    if common_old != common_new:
        changes.append(Change("changed", "column order", t, f"{', '.join(common_old)} -> {', '.join(common_new)}"))
    for kind, old, new in (("constraint", a.constraints, b.constraints), ("index", a.indexes, b.indexes)):
        old_by, new_by = {o.name: o for o in old}, {o.name: o for o in new}
        for name in _ordered(old_by, new_by):
            x, y = old_by.get(name), new_by.get(name)
            label = f"{t}.{name}"
            if x is None:
                changes.append(Change("added", kind, label, _summary(y)))
            elif y is None:
                changes.append(Change("removed", kind, label, _summary(x)))
            elif x != y:
                changes.append(Change("changed", kind, label, _field_changes(x, y)))
    if a.options != b.options:
        changes.append(Change("changed", "table options", t, f"{_options(a)} -> {_options(b)}"))
    return changes


def _options(t: Table) -> str:
    return ", ".join(f"{k} {v}" for k, v in t.options) or "none"


def _summary(obj: Any) -> str:
    """One phrase that identifies the object to a reader."""
    if isinstance(obj, Column):
        parts = [obj.type, "NULL" if obj.nullable else "NOT NULL"]
        if obj.default is not None:
            parts.append(f"default {obj.default}")
        if obj.generated:
            parts.append(f"generated {obj.generated}")
        return " ".join(parts)
    if isinstance(obj, Constraint):
        return obj.definition + ("" if obj.validated else " NOT VALID")
    if isinstance(obj, Index):
        return obj.definition + ("" if obj.valid else " (INVALID)")
    if isinstance(obj, Table):
        return f"{len(obj.columns)} column(s): {', '.join(obj.column_names)}"
    for attr in ("definition", "labels"):
        value = getattr(obj, attr, None)
        if value is not None:
            return _short(", ".join(value) if isinstance(value, tuple) else value)
    return ""


_FIELD_WORDS = {"nullable": ("NULL", "NOT NULL"), "valid": ("valid", "INVALID"), "validated": ("validated", "NOT VALID"),
                "unique": ("unique", "not unique")}


def _field_changes(a: Any, b: Any) -> str:
    parts = []
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        if x == y or f.name == "name":
            continue
        words = _FIELD_WORDS.get(f.name)
        if words and isinstance(x, bool):
            parts.append(f"{words[0] if x else words[1]} -> {words[0] if y else words[1]}")
        elif isinstance(x, str) and isinstance(y, str) and max(len(x), len(y)) > 80:
            parts.append(f"{f.name} {_around_first_difference(x, y)}")
        else:
            parts.append(f"{f.name} {_show(x)} -> {_show(y)}")
    return "; ".join(parts)


def _around_first_difference(x: str, y: str, before: int = 30, after: int = 50) -> str:
    """Long texts (function bodies, view queries) differ somewhere in the middle: show where."""
    x, y = " ".join(x.split()), " ".join(y.split())
    i = next((k for k, (p, q) in enumerate(zip(x, y)) if p != q), min(len(x), len(y)))
    start = max(0, i - before)

    def cut(text: str) -> str:
        piece = text[start : i + after]
        return ("..." if start else "") + piece + ("..." if i + after < len(text) else "")

    return f"differs at character {i + 1}: {cut(x)!r} -> {cut(y)!r}"


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, tuple):
        return "(" + ", ".join(map(str, value)) + ")"
    return _short(str(value))


def _short(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 3] + "..."
