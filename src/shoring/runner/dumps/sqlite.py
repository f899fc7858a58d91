"""SQLite: a consistent copy through SQLite's backup API; verified with PRAGMA integrity_check."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from shoring.runner.dumps import BackupInvalid

SUFFIX = ".db"


def write(engine: Any, target: Path, env: dict[str, str]) -> None:
    copy = sqlite3.connect(target)
    try:
        engine.conn.backup(copy)
    finally:
        copy.close()


def verify(target: Path, env: dict[str, str]) -> str:
    try:
        copy = sqlite3.connect(f"file:{target}?mode=ro", uri=True)
        try:
            problems = [r[0] for r in copy.execute("PRAGMA integrity_check")]
            tables = copy.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        raise BackupInvalid(f"PRAGMA integrity_check: {exc}") from None
    if problems != ["ok"]:
        raise BackupInvalid(f"PRAGMA integrity_check: {'; '.join(problems[:3])}")
    return f"PRAGMA integrity_check ok, {tables} table(s)"


def restore(source: Path, engine: Any, env: dict[str, str]) -> None:
    """The backup API the other way round: the target's pages become the backup's, in one step."""
    backup = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        backup.backup(engine.conn)
    finally:
        backup.close()
