"""A new table: nothing uses it yet, so creating it is safe on every engine."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class CreateTable(BaseOperation):
    table: str
    columns: dict[str, str]  # name -> its definition as SQL: {"id": "bigint PRIMARY KEY", "email": "text NOT NULL"}
    constraints: tuple[str, ...] | list[str] = ()  # table constraints as SQL: "UNIQUE (email)"

    def __post_init__(self):
        check_identifier(self.table, "table")
        if not isinstance(self.columns, dict) or not self.columns:
            raise ShoringError("CreateTable needs columns={name: 'type and constraints'}")
        for name, definition in self.columns.items():
            check_identifier(name, "column")
            if not isinstance(definition, str) or not definition.strip():
                raise ShoringError(f"column {name!r} needs its definition as SQL, e.g. 'bigint NOT NULL'")

    def up(self, d: Dialect) -> list[str]:
        parts = [f"{d.quote(name)} {definition.strip()}" for name, definition in self.columns.items()]
        parts.extend(c.strip() for c in self.constraints)
        return [f"CREATE TABLE {d.table(self.table)} ({', '.join(parts)})"]

    def down(self, d: Dialect) -> list[str]:
        return [f"DROP TABLE {d.table(self.table)}"]

    def describe(self) -> str:
        return f"CreateTable {self.table}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [CreateTable("audit", {"id": "bigint PRIMARY KEY", "event": "text NOT NULL"})]
