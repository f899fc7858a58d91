"""Expand: a new column old code can ignore (nullable, or with a constant default)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoring.operations.base import BaseOperation, check_identifier, check_type
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class AddColumn(BaseOperation):
    table: str
    column: str
    type: str
    default: Any = None  # a constant: metadata-only on PostgreSQL 11+, INSTANT on MySQL 8 / MariaDB 10.3+
    nullable: bool = True

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.column, "column")
        check_type(self.type)

    def up(self, d: Dialect) -> list[str]:
        sql = f"ALTER TABLE {d.table(self.table)} ADD COLUMN {d.quote(self.column)} {self.type}"
        if self.default is not None:
            sql += f" DEFAULT {d.literal(self.default)}"
        if not self.nullable:
            sql += " NOT NULL"
        return [sql]

    def down(self, d: Dialect) -> list[str]:
        return [f"ALTER TABLE {d.table(self.table)} DROP COLUMN {d.quote(self.column)}"]

    def describe(self) -> str:
        return f"AddColumn {self.table}.{self.column}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [AddColumn("users", "email_verified", "boolean", default=False)]
