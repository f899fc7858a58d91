"""Contract: drop a column no code reads any more. Its data cannot come back, so there is no down."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class DropColumn(BaseOperation):
    table: str
    column: str

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.column, "column")

    def up(self, d: Dialect) -> list[str]:
        return [f"ALTER TABLE {d.table(self.table)} DROP COLUMN {d.quote(self.column)}"]

    def describe(self) -> str:
        return f"DropColumn {self.table}.{self.column}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [DropColumn("users", "legacy_flag")]
