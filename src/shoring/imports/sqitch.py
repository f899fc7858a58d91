"""sqitch keeps its registry (changes, tags, events) in a schema or database of its own; sqitch.plan
lists the project's changes. Its deploy scripts are not shoring's files: the deployed changes become a
baseline, and shoring's own migrations start from there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from shoring.engines import Engine
from shoring.errors import ShoringError
from shoring.imports.base import ImportOptions, ToolHistory, ToolMigration


def read(engine: Engine, options: ImportOptions) -> ToolHistory:
    plan = read_plan(options.source) if options.source else None
    project = options.project or (plan[0] if plan else None)
    rows, where = _changes(engine, options)
    projects = sorted({r[1] for r in rows})
    if project is None:
        if len(projects) > 1:
            raise ShoringError(f"the sqitch registry {where} holds {len(projects)} projects ({', '.join(projects)}): say which with --project")
        project = projects[0] if projects else None
    deployed = [ToolMigration(change, note or "", at) for change, proj, at, note in rows if proj == project]
    if not deployed:
        raise ShoringError(f"sqitch has deployed nothing of project {project!r} here (registry {where}): there is nothing to import")
    notes = []
    if plan:
        names = {m.version for m in deployed}
        waiting = [c for c in plan[1] if c not in names]
        unknown = [m.version for m in deployed if m.version not in plan[1]]
        if waiting:
            notes.append(f"sqitch.plan has {len(waiting)} change(s) not deployed here ({', '.join(waiting)}): "
                         "run `sqitch deploy` first, or write them as shoring migrations")
        if unknown:
            notes.append(f"deployed but not in sqitch.plan: {', '.join(unknown)}")
    return ToolHistory(tool="sqitch", table=where, applied=deployed, same_files=False, notes=notes)


def _changes(engine: Engine, options: ImportOptions) -> tuple[list[tuple], str]:
    q = engine.quote  # `change` is a keyword in MySQL
    sql = f"SELECT {q('change')}, {q('project')}, {q('committed_at')}, {q('note')} FROM {{changes}} ORDER BY {q('committed_at')}, {q('change')}"
    if engine.description.opens_a_file:
        database = Path(engine.url.database)  # sqitch's default: sqitch.<the database's suffix> beside it
        path = Path(options.registry) if options.registry else database.with_name("sqitch" + database.suffix)
        if not path.is_file():
            raise ShoringError(f"no sqitch registry at {path} (give its file with --registry)")
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
            try:
                return conn.execute(sql.format(changes="changes")).fetchall(), str(path)
            except sqlite3.Error as exc:
                raise ShoringError(f"{path} is not a sqitch registry: {exc}") from None
    schema = options.registry or "sqitch"
    if not engine.description.schemas_are_databases:
        found = engine.query_one("SELECT to_regclass(%s) IS NOT NULL", [f"{engine.quote(schema)}.changes"])[0]
    else:
        found = engine.query_one(
            "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s AND TABLE_NAME = 'changes'", [schema])[0]
    if not found:
        raise ShoringError(f"no sqitch registry {schema!r} on {engine.url.masked()} (sqitch has not deployed here, or give --registry)")
    return engine.query(sql.format(changes=f"{engine.quote(schema)}.{engine.quote('changes')}")), schema


def read_plan(source: Path) -> tuple[str | None, list[str]]:
    """(project name, change names in plan order) from sqitch.plan."""
    path = source / "sqitch.plan" if source.is_dir() else source
    if not path.is_file():
        raise ShoringError(f"no sqitch.plan at {path} (give the sqitch project folder with --source)")
    project, changes = None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        text = line.strip()
        if text.startswith("%project="):
            project = text.split("=", 1)[1].strip()
        if not text or text.startswith(("%", "#", "@")):
            continue
        name = text.split()[0]
        if name not in changes:  # a reworked change appears again after a tag
            changes.append(name)
    return project, changes
