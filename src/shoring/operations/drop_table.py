"""Contract: drop a table no code uses any more. Its rows cannot come back, so there is no down."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class DropTable(BaseOperation):
    table: str

    def __post_init__(self):
        check_identifier(self.table, "table")

    def up(self, d: Dialect) -> list[str]:
        return [f"DROP TABLE {d.table(self.table)}"]

    def describe(self) -> str:
        return f"DropTable {self.table}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [DropTable("legacy_sessions")]
