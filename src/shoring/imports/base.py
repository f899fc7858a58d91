"""What every importer hands over: the migrations a tool recorded as done, in the order it ran them."""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from shoring.engines import Engine
from shoring.errors import ShoringError


@dataclass(frozen=True)
class ToolMigration:
    version: str  # the tool's id: a version (dbmate, Flyway, golang-migrate), a revision (Alembic), a change (sqitch)
    name: str
    applied_at: Any = None  # when the tool says it ran it, if it keeps that


@dataclass
class ToolHistory:
    tool: str
    table: str  # where it was read, as the user would look it up
    applied: list[ToolMigration]
    #: True when the tool's migrations are shoring's files too (dbmate, Flyway): each becomes an applied row.
    same_files: bool
    #: the tool's own baseline (Flyway's BASELINE row, golang-migrate's current version): files at or below count as applied.
    baseline: str | None = None
    notes: list[str] = field(default_factory=list)
    #: same_files only: a migration -> why the file is not what the tool ran (its own checksum), or None
    file_check: Callable[[Any], str | None] | None = None

    @property
    def head(self) -> str | None:
        return self.applied[-1].version if self.applied else self.baseline


@dataclass(frozen=True)
class ImportOptions:
    table: str | None = None  # the tool's history table, when not its default
    source: Path | None = None  # the tool's own files: Alembic's script folder, sqitch's project (sqitch.plan)
    registry: str | None = None  # sqitch: its registry (a schema, a database, or a SQLite file)
    project: str | None = None  # sqitch: the project name when the registry holds several


#: tool name on the command line -> module that reads its history (each has read(engine, options) -> ToolHistory)
READERS: dict[str, str] = {
    "dbmate": "shoring.imports.dbmate",
    "flyway": "shoring.imports.flyway",
    "golang-migrate": "shoring.imports.golang_migrate",
    "alembic": "shoring.imports.alembic",
    "sqitch": "shoring.imports.sqitch",
}


def read_history(tool: str, engine: Engine, options: ImportOptions) -> ToolHistory:
    module = importlib.import_module(READERS[tool])
    return module.read(engine, options)


def require_table(engine: Engine, table: str, tool: str, hint: str = "") -> None:
    if not engine.table_exists(table):
        raise ShoringError(f"{engine.url.masked()} has no table {table!r}: {tool} has not migrated this database{hint}")
