"""Rename a table. Breaks code that still uses the old name (lint says so; a view under the old name,
or expand-contract, avoids it)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class RenameTable(BaseOperation):
    table: str
    new_name: str

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.new_name, "new_name")

    def up(self, d: Dialect) -> list[str]:
        return [_rename(d, self.table, self.new_name)]

    def down(self, d: Dialect) -> list[str]:
        return [_rename(d, self.new_name, self.table)]

    def describe(self) -> str:
        return f"RenameTable {self.table} -> {self.new_name}"


def _rename(d: Dialect, old: str, new: str) -> str:
    if d.rename_table_full_name:
        return f"RENAME TABLE {d.table(old)} TO {d.table(new)}"
    return f"ALTER TABLE {d.table(old)} RENAME TO {d.quote(new.split('.')[-1])}"  # the schema stays


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [RenameTable("people", "users")]
