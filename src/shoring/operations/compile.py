"""An `operations = [...]` migration read into the statements it will run, each at its operation's line."""

from __future__ import annotations

import ast
from typing import Any

from shoring.errors import MigrationFileError, ShoringError
from shoring.operations.base import BaseOperation, Step
from shoring.operations.dialects import dialect


def load_operations(migration: Any) -> list[tuple[int, BaseOperation]]:
    """(line, operation) for each entry of the module's `operations`, in order (imports the module)."""
    module = migration.load_module()
    ops = getattr(module, "operations", None)
    lines = _entry_lines(migration.text)
    where = lines[0] if lines else 1
    if not isinstance(ops, (list, tuple)):
        raise MigrationFileError(f"operations must be a list of shoring.operations, not {type(ops).__name__}",
                                 path=migration.path, line=where)
    out = []
    for i, op in enumerate(ops):
        line = lines[i + 1] if i + 1 < len(lines) else where
        if not isinstance(op, BaseOperation):
            raise MigrationFileError(f"operations[{i}] is {type(op).__name__}, not an operation from shoring.operations",
                                     path=migration.path, line=line)
        out.append((line, op))
    return out


def compile_operations(migration: Any, direction: str, dialect_name: str) -> list[tuple[int, str, Any]]:
    """(line, sql, action) of every statement of up, or of down (the operations undone in reverse order).

    MigrationFileError naming the operation's line when one has no form on this engine, or (down)
    cannot be undone.
    """
    d = dialect(dialect_name)
    ops = migration.operations()
    out: list[tuple[int, str, Any]] = []
    for line, op in (ops if direction == "up" else reversed(ops)):
        try:
            sqls = op.up(d) if direction == "up" else op.down(d)
        except ShoringError as exc:
            raise MigrationFileError(f"{op.describe()}: {exc.message}", path=migration.path, line=line) from None
        if sqls is None:
            raise MigrationFileError(f"{op.describe()} cannot be undone: the migration has no down",
                                     path=migration.path, line=line)
        out.extend((line, s.sql, s.action) if isinstance(s, Step) else (line, s, None) for s in sqls)
    return out


def undo_count(migration: Any, dialect_name: str, up_done: int) -> int:
    """How many down statements undo the first `up_done` up statements: those of every operation at least
    one of whose statements ran. Down undoes operations newest first, so they are the last ones of down."""
    d = dialect(dialect_name)
    count, seen = 0, 0
    for _, op in migration.operations():
        if seen >= up_done:
            break
        seen += len(op.up(d))
        count += len(op.down(d) or [])
    return count


def _entry_lines(text: str) -> list[int]:
    """[line of `operations =`, line of entry 0, line of entry 1, ...] (only the first when it is not a literal list)."""
    for node in ast.parse(text).body:
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Name) and t.id == "operations" for t in targets):
                value = node.value
                if isinstance(value, (ast.List, ast.Tuple)):
                    return [node.lineno, *(e.lineno for e in value.elts)]
                return [node.lineno]
    return []
