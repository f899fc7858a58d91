"""Flyway's flyway_schema_history: one row per run (installed_rank order), with its type and success.

Flyway's V<version>__<description>.sql files are shoring migrations as they are (all of the file is
the up section), so every version Flyway applied becomes an applied row of that file.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from shoring.engines import Engine
from shoring.errors import ShoringError
from shoring.imports.base import ImportOptions, ToolHistory, ToolMigration, require_table

#: rows that say a versioned migration ran (Java migrations too: shoring then needs a file for them)
_RAN = {"SQL", "JDBC", "SPRING_JDBC", "SCRIPT", "CUSTOM"}
#: rows that take a version back out: an undo migration, or `flyway repair` marking it deleted
_UNDONE = {"UNDO_SQL", "UNDO_JDBC", "UNDO_SCRIPT", "DELETE"}


def read(engine: Engine, options: ImportOptions) -> ToolHistory:
    table = options.table or "flyway_schema_history"
    require_table(engine, table, "Flyway")
    rows = engine.query(
        f"SELECT installed_rank, version, description, type, script, checksum, installed_on, success"
        f" FROM {engine.quote(table)} ORDER BY installed_rank"
    )
    applied: dict[str, ToolMigration] = {}
    checksums: dict[str, int | None] = {}
    baseline = None
    notes = []
    for rank, version, description, kind, script, crc, installed_on, success in rows:
        kind = (kind or "").upper()
        if version is None:
            if kind in _RAN:
                notes.append(f"repeatable migration {script} ran under Flyway; shoring does not rerun repeatables")
            continue
        version = str(version)
        if not _succeeded(success):
            raise ShoringError(
                f"{table} row {rank}: version {version} ({script}) failed under Flyway; "
                f"repair it with Flyway (or undo it by hand and delete that row) before importing"
            )
        if kind == "BASELINE":
            baseline = version
        elif kind in _RAN:
            applied[version] = ToolMigration(version, description or "", installed_on)
            checksums[version] = crc
        elif kind in _UNDONE:
            applied.pop(version, None)
    history = ToolHistory(tool="flyway", table=table, applied=list(applied.values()), same_files=True, baseline=baseline, notes=notes)
    history.file_check = lambda mig: _compare(mig, checksums.get(mig.version))
    return history


def _succeeded(value) -> bool:
    return value in (True, 1, "1", "t", "true", "TRUE", b"\x01")


def checksum(path: Path) -> int:
    """Flyway's checksum of a SQL file: CRC32 over its lines' UTF-8 bytes, line breaks and BOM left out,
    as a signed 32-bit integer (so CRLF and LF copies of a file agree)."""
    text = path.read_bytes().decode("utf-8-sig")
    lines = re.split(r"\r\n|\r|\n", text)
    if lines and lines[-1] == "":
        lines.pop()
    crc = 0
    for line in lines:
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def _compare(mig, recorded: int | None) -> str | None:
    if recorded is None or mig.kind != "sql":
        return None
    now = checksum(mig.path)
    if now != int(recorded):
        return f"{mig.path.name} changed since Flyway applied it (Flyway checksum {recorded}, the file's is now {now})"
    return None
