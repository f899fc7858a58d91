"""What other parts of shoring already know about a migration: rehearsals, past applies, lint findings.

Each source is optional. Rehearsal records come from `shoring test` (shoring.rehearsal), lint
findings from shoring.rules; when either is not installed or not written yet the plan says
"not rehearsed" / leaves findings empty rather than failing.
"""

from __future__ import annotations

from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any


def rehearsal(root: Path, checksum: str) -> dict[str, Any] | None:
    """The record of a rehearsal of this exact file (by checksum), as a dict, or None."""
    try:
        from shoring.rehearsal import rehearsal_record  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        record = rehearsal_record(root, checksum)
    except Exception:  # noqa: BLE001 - a broken record is no record
        return None
    if record is None:
        return None
    if isinstance(record, dict):
        return dict(record)
    if hasattr(record, "to_dict"):
        return record.to_dict()
    if is_dataclass(record):
        return asdict(record)
    return dict(vars(record))


def rehearsal_run(record: dict[str, Any] | None, engine: str) -> dict[str, Any] | None:
    """The latest run of a rehearsal record on this engine (records keep one per engine), else the latest."""
    if record is None:
        return None
    runs = record.get("runs") or {}
    return runs.get(engine) or record.get("latest") or record


def rehearsed_seconds(run: dict[str, Any] | None, sql: str) -> tuple[float, dict[str, int]] | None:
    """(seconds, table rows of the copy) a rehearsal measured for the statement with this SQL."""
    if not run:
        return None
    key = " ".join(sql.split())
    for st in run.get("statements") or ():
        if " ".join(str(st.get("sql", "")).split()) == key and isinstance(st.get("seconds"), (int, float)):
            return float(st["seconds"]), dict(run.get("table_rows") or {})
    return None


def rehearsal_passed(record: dict[str, Any] | None) -> bool | None:
    if record is None:
        return None
    for key in ("passed", "ok", "success"):
        if key in record:
            return bool(record[key])
    state = str(record.get("result") or record.get("status") or "").lower()
    if state:
        return state in ("passed", "ok", "success")
    return None


def rehearsal_when(record: dict[str, Any]) -> str:
    for key in ("finished_at", "at", "when", "started_at", "date"):
        if record.get(key):
            return str(record[key])
    return ""


def rehearsal_seconds(record: dict[str, Any]) -> float | None:
    """How long up took in the rehearsal, if the record says."""
    for key in ("up_seconds", "seconds_up", "up_duration"):
        if isinstance(record.get(key), (int, float)):
            return float(record[key])
    up = record.get("up")
    if isinstance(up, dict) and isinstance(up.get("seconds"), (int, float)):
        return float(up["seconds"])
    return None


def past_applies(engine: Any, history_table: str) -> list[dict[str, Any]]:
    """Apply events with a duration from the history's event log (oldest first)."""
    from shoring.runner.history import History

    try:
        history = History(engine, history_table)
        return [e for e in history.events() if e.get("event") == "apply" and e.get("duration_ms") is not None]
    except Exception:  # noqa: BLE001 - no history yet, or another tool's table
        return []


def lint_findings(files: list[Path], engine: str, server_version: str | None, root: Path,
                  exclude: frozenset[str] = frozenset(), runner_settings: dict[str, bool] | None = None,
                  loaded: dict[Path, Any] | None = None) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
    """({resolved file path: [finding dicts]}, why not) from shoring's linter, if it is there.

    `runner_settings` says which timeouts shoring's runner sets itself, so the linter does not ask
    the file to set them too. `loaded`: the migrations the plan already read, by path, linted as they
    are instead of read again.
    """
    try:
        from shoring.lint.linter import LintOptions, lint_files
    except ImportError as exc:
        return {}, f"lint rules are not available ({exc})"
    try:
        result = lint_files(files, LintOptions(engine=engine, server_version=server_version, root=root, exclude=exclude,
                                               runner_settings=dict(runner_settings or {}), loaded=loaded))
    except Exception as exc:  # noqa: BLE001 - the linter's own failure must not hide the plan
        return {}, f"lint failed: {type(exc).__name__}: {exc}"
    by_path: dict[str, list[dict[str, Any]]] = {}
    names = {}
    for f in files:
        names[f.name] = str(f.resolve())
    for finding in result.findings:
        shown = Path(finding.file)
        key = str(shown.resolve()) if shown.exists() else names.get(shown.name, finding.file)
        by_path.setdefault(key, []).append(finding.to_dict())
    return by_path, None
