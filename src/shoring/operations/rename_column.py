"""Rename a column. Breaks code that still uses the old name (lint says so; expand-contract avoids it)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class RenameColumn(BaseOperation):
    table: str
    column: str
    new_name: str

    def __post_init__(self):
        for value, what in ((self.table, "table"), (self.column, "column"), (self.new_name, "new_name")):
            check_identifier(value, what)

    def up(self, d: Dialect) -> list[str]:
        return [_rename(d, self.table, self.column, self.new_name)]

    def down(self, d: Dialect) -> list[str]:
        return [_rename(d, self.table, self.new_name, self.column)]

    def describe(self) -> str:
        return f"RenameColumn {self.table}.{self.column} -> {self.new_name}"


def _rename(d: Dialect, table: str, old: str, new: str) -> str:
    return f"ALTER TABLE {d.table(table)} RENAME COLUMN {d.quote(old)} TO {d.quote(new)}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [RenameColumn("users", "name", "display_name")]
