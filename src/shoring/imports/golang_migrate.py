"""golang-migrate keeps one row: the current version and whether its last run was left dirty."""

from __future__ import annotations

from shoring.engines import Engine
from shoring.errors import ShoringError
from shoring.imports.base import ImportOptions, ToolHistory, require_table


def read(engine: Engine, options: ImportOptions) -> ToolHistory:
    table = options.table or "schema_migrations"
    require_table(engine, table, "golang-migrate")
    if "dirty" not in engine.column_names(table):
        raise ShoringError(f"{table} has no 'dirty' column: it is not golang-migrate's (dbmate's? use `shoring import dbmate`)")
    rows = engine.query(f"SELECT version, dirty FROM {engine.quote(table)}")
    if not rows:
        raise ShoringError(f"{table} is empty: golang-migrate has applied nothing here, there is nothing to import")
    version, dirty = rows[0]
    if dirty:
        raise ShoringError(
            f"golang-migrate left version {version} dirty (it failed half way): fix the schema, then "
            f"`migrate force {version}` (or force the version before it) and import again"
        )
    return ToolHistory(
        tool="golang-migrate", table=table, applied=[], same_files=False, baseline=str(version),
        notes=[f"golang-migrate is at version {version}: shoring files numbered {version} and lower count as applied"],
    )
