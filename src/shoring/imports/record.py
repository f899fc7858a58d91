"""Write what another tool recorded into shoring's history, all or nothing, before shoring runs anything."""

from __future__ import annotations

from datetime import datetime

from shoring.errors import ShoringError
from shoring.imports.base import ToolHistory
from shoring.migrations.discovery import version_key
from shoring.runner.history import as_utc, now_utc
from shoring.runner.session import Session


def record_import(session: Session, tool: ToolHistory, *, through: str | None = None) -> list[str]:
    """Applied rows for the tool's versions that are shoring files (dbmate, Flyway); otherwise one
    baseline row naming the tool's head, at `through` (files at or below count as applied) or below
    every file. Refuses a history shoring already wrote; checks everything before writing anything."""
    if tool.same_files and through:
        raise ShoringError(f"--through is for tools whose files shoring does not run; {tool.tool}'s versions are the files themselves")
    session.lock()
    try:
        h = session.history
        rows = h.rows()
        live = [v for v, r in rows.items() if r.state != "rolled_back"]
        if live:
            raise ShoringError(f"shoring's history already has {len(live)} migration(s); import is for a database shoring has not migrated yet")
        writes, lines = [], []
        if tool.same_files:
            missing = [m.version for m in tool.applied if session.migrations.get(m.version) is None]
            if missing:
                raise ShoringError(
                    f"{tool.tool} applied {len(missing)} version(s) with no file in {session.migrations.directory}: "
                    f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''} (wrong --migrations?)"
                )
            if tool.baseline is not None:
                writes.append(_baseline_row(session, tool.baseline, f"{tool.tool} baseline {tool.baseline}"))
                lines.append(f"{tool.baseline}: {tool.tool}'s baseline; files at or below it count as applied")
            for m in tool.applied:
                mig = session.migrations.get(m.version)
                writes.append(({"version": mig.version, "name": mig.name, "kind": mig.kind, "checksum": mig.checksum,
                                "state": "applied", "direction": "up", "finished_at": _when(m.applied_at),
                                "session": session.engine.session_id()},
                               f"imported from {tool.tool} {tool.table}"))
                lines.append(f"{mig.version} {mig.name}: applied (by {tool.tool})")
                problem = tool.file_check(mig) if tool.file_check else None
                if problem:
                    tool.notes.append(f"warning: {problem}; shoring takes the file as it is now")
        else:
            at = (through or tool.baseline or "0").split("_", 1)[0]
            if not all(p.isdigit() for p in at.split(".")):
                raise ShoringError(f"--through needs a migration version number, not {through!r}")
            if through and session.migrations.get(at) is None:
                raise ShoringError(f"--through {through}: no migration with that version in {session.migrations.directory}")
            what = f"{tool.tool} {tool.head}" + (f" ({len(tool.applied)} {_unit(tool)})" if tool.applied else "")
            writes.append(_baseline_row(session, at, what))
            covered = [m for m in session.migrations if version_key(m.version) <= version_key(at)]
            lines.append(f"baseline {at}: the schema {what} built" +
                         (f"; {len(covered)} shoring file(s) at or below {at} count as applied" if covered else
                          "; every shoring migration is new"))
        h.ensure()
        statements = []
        for row, detail in writes:
            statements += h.put_statements(row)
            statements.append(h.event_statement(row["version"], "import", checksum=row["checksum"] or None, detail=detail))
        session.engine.begin()
        try:
            session.engine.commit_with(statements)
        except BaseException:
            session.engine.rollback()
            raise
        return lines + tool.notes
    finally:
        session.unlock()


def _baseline_row(session: Session, version: str, what: str) -> tuple[dict, str]:
    mig = session.migrations.get(version)
    row = {"version": version, "name": (mig.name if mig else what)[:255], "kind": "baseline",
           "checksum": mig.checksum if mig else "", "state": "baseline", "finished_at": now_utc(),
           "session": session.engine.session_id()}
    return row, f"imported: {what}"


def _unit(tool: ToolHistory) -> str:
    return {"alembic": "revisions", "sqitch": "changes"}.get(tool.tool, "migrations")


def _when(value) -> datetime:
    return as_utc(value) if isinstance(value, datetime) else now_utc()
