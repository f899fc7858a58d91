"""Alembic keeps only its head revision(s) in alembic_version; the script folder says what came before.

Alembic's files are Python against its `op` API, not shoring's: the schema they built becomes a
baseline, and shoring's own migrations start from there.
"""

from __future__ import annotations

import ast
from pathlib import Path

from shoring.engines import Engine
from shoring.errors import MigrationFileError, ShoringError
from shoring.imports.base import ImportOptions, ToolHistory, ToolMigration, require_table


def read(engine: Engine, options: ImportOptions) -> ToolHistory:
    table = options.table or "alembic_version"
    require_table(engine, table, "Alembic")
    heads = sorted(str(r[0]) for r in engine.query(f"SELECT version_num FROM {engine.quote(table)}"))
    if not heads:
        raise ShoringError(f"{table} is empty: Alembic is at base here (nothing applied), there is nothing to import")
    if options.source is None:
        return ToolHistory(tool="alembic", table=table, applied=[ToolMigration(h, "") for h in heads], same_files=False,
                           notes=["give --source ALEMBIC_DIR to check the head against Alembic's script folder"])
    revisions = read_revisions(options.source)
    for head in heads:
        if head not in revisions:
            raise ShoringError(f"{table} says {head}, which no revision file in {options.source} defines (wrong --source?)")
    applied = ancestry(heads, revisions)
    done = {r for r, _ in applied}
    later = [r for r in revisions if r not in done]
    notes = []
    if later:
        notes.append(f"Alembic has not applied {len(later)} revision(s) here ({', '.join(sorted(later))}): "
                     "run `alembic upgrade heads` first, or write them as shoring migrations")
    return ToolHistory(tool="alembic", table=table, applied=[ToolMigration(r, n) for r, n in applied], same_files=False, notes=notes)


def read_revisions(source: Path) -> dict[str, tuple[tuple[str, ...], str]]:
    """revision -> (its down revisions, its message), from each file's module-level assignments."""
    folder = source / "versions" if (source / "versions").is_dir() else source
    if not folder.is_dir():
        raise ShoringError(f"{source} is not a folder (give Alembic's script folder, the one with versions/)")
    out: dict[str, tuple[tuple[str, ...], str]] = {}
    for path in sorted(folder.glob("*.py")):
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            raise MigrationFileError(f"not valid Python: {exc.msg}", path=path, line=exc.lineno) from None
        values = {}
        for node in tree.body:
            target = node.targets[0] if isinstance(node, ast.Assign) and len(node.targets) == 1 else (
                node.target if isinstance(node, ast.AnnAssign) else None)
            if isinstance(target, ast.Name) and target.id in ("revision", "down_revision") and node.value is not None:
                try:
                    values[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    raise MigrationFileError(f"{target.id} is not a literal", path=path, line=node.lineno) from None
        if "revision" not in values:
            continue  # a helper module beside the revisions
        down = values.get("down_revision")
        downs = () if down is None else (down,) if isinstance(down, str) else tuple(down)
        message = (ast.get_docstring(tree) or "").splitlines()[0] if ast.get_docstring(tree) else path.stem
        out[str(values["revision"])] = (downs, message)
    return out


def ancestry(heads: list[str], revisions: dict[str, tuple[tuple[str, ...], str]]) -> list[tuple[str, str]]:
    """Every revision the heads stand on, oldest first (a revision after all its down revisions)."""
    order: list[tuple[str, str]] = []
    seen: set[str] = set()

    def visit(rev: str) -> None:
        stack = [(rev, False)]
        while stack:
            r, expanded = stack.pop()
            if r in seen:
                continue
            if expanded:
                seen.add(r)
                order.append((r, revisions[r][1]))
                continue
            stack.append((r, True))
            for down in revisions.get(r, ((), ""))[0]:
                if down not in revisions:
                    raise ShoringError(f"revision {r} stands on {down}, which no revision file defines")
                if down not in seen:
                    stack.append((down, False))

    for head in heads:
        visit(head)
    return order
