"""Rehearsal results kept per migration checksum, beside the project, never in the target database.

``apply``'s preflight asks "was rollback rehearsed for this exact file?"; an edited file has another
checksum and so no record. One JSON file per checksum under ``<project>/.shoring/rehearsals/``,
written atomically, holding the latest run per engine::

    {"record_version": 1, "checksum": "...", "version": "...", "name": "...", "file": "...",
     "latest": RUN, "runs": {"postgresql": RUN, "sqlite": RUN},
     "passed", "rollback_rehearsed", "at", "engine", "up_seconds"}      <- the latest run's, for quick questions

    RUN = {"at", "engine", "server_version", "database", "passed", "rollback_rehearsed", "up_seconds",
           "failing_step", "steps", "statements", "down_statements", "table_rows", "copy", "tool_version"}

``statements`` carry each statement's measured ``seconds`` and, on PostgreSQL, its traced locks;
``table_rows`` the row counts it ran against: what `plan` scales its estimates with.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

RECORD_VERSION = 1


def records_dir(project_root: str | os.PathLike[str]) -> Path:
    return Path(project_root) / ".shoring" / "rehearsals"


def _path(project_root: str | os.PathLike[str], checksum: str) -> Path:
    if not checksum or not all(c in "0123456789abcdef" for c in checksum.lower()):
        raise ValueError(f"not a migration checksum: {checksum!r}")
    return records_dir(project_root) / f"{checksum.lower()}.json"


def rehearsal_record(project_root: str | os.PathLike[str], checksum: str) -> dict[str, Any] | None:
    """The rehearsal record of the migration file with this checksum, or None if it was never rehearsed."""
    path = _path(project_root, checksum)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return None  # an unreadable record proves nothing


def rollback_rehearsed(project_root: str | os.PathLike[str], checksum: str, engine: str | None = None) -> bool:
    """True when down was rehearsed for this exact file and restored schema and data (on ``engine`` if given)."""
    record = rehearsal_record(project_root, checksum)
    if record is None:
        return False
    run = record.get("runs", {}).get(engine) if engine else record.get("latest")
    return bool(run and run.get("rollback_rehearsed"))


def write_record(project_root: str | os.PathLike[str], migration: dict[str, Any], run: dict[str, Any]) -> Path:
    """Merge ``run`` into the record of ``migration["checksum"]`` (latest, and latest for its engine)."""
    path = _path(project_root, migration["checksum"])
    record = rehearsal_record(project_root, migration["checksum"]) or {}
    record.update({"record_version": RECORD_VERSION, **migration})
    record["latest"] = run
    record.setdefault("runs", {})[run["engine"]] = run
    record.update({k: run.get(k) for k in ("passed", "rollback_rehearsed", "at", "engine", "up_seconds")})
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(record, fh, indent=1, default=str)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
