"""dbmate keeps one row per applied version in schema_migrations; its files are shoring's format."""

from __future__ import annotations

from shoring.engines import Engine
from shoring.errors import ShoringError
from shoring.imports.base import ImportOptions, ToolHistory, ToolMigration, require_table


def read(engine: Engine, options: ImportOptions) -> ToolHistory:
    table = options.table or "schema_migrations"
    require_table(engine, table, "dbmate")
    if "dirty" in engine.column_names(table):
        raise ShoringError(f"{table} has a 'dirty' column: it is golang-migrate's, not dbmate's (use `shoring import golang-migrate`)")
    rows = engine.query(f"SELECT version FROM {engine.quote(table)}")
    versions = sorted((str(r[0]) for r in rows), key=lambda v: (len(v), v))
    return ToolHistory(tool="dbmate", table=table, applied=[ToolMigration(v, "") for v in versions], same_files=True)
