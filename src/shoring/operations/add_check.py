"""A CHECK constraint without a long lock: NOT VALID first, VALIDATE in its own transaction (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class AddCheck(BaseOperation):
    table: str
    name: str
    expression: str  # the condition, as SQL: "price >= 0"
    outside_transaction = True  # ADD ... NOT VALID commits at once; VALIDATE then holds only SHARE UPDATE EXCLUSIVE

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.name, "name")
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise ShoringError("AddCheck needs the condition as SQL, e.g. 'price >= 0'")

    def up(self, d: Dialect) -> list[str]:
        sql = f"ALTER TABLE {d.quote(self.table)} ADD CONSTRAINT {d.quote(self.name)} CHECK ({self.expression})"
        if d.name == "sqlite":
            from functools import partial

            from shoring.operations.sqlite_rebuild import add_table_constraint, rebuild_step

            constraint = f"CONSTRAINT {d.quote(self.name)} CHECK ({self.expression})"
            return [rebuild_step(d, self.table, sql, partial(add_table_constraint, constraint=constraint),
                                 f"CHECK {self.name}")]
        if d.name != "postgresql":
            return [sql]
        return [sql + " NOT VALID", f"ALTER TABLE {d.quote(self.table)} VALIDATE CONSTRAINT {d.quote(self.name)}"]

    def down(self, d: Dialect) -> list[str] | None:
        if d.name == "sqlite":
            return None  # taking a constraint away is a rebuild the user writes
        if_exists = " IF EXISTS" if d.name == "postgresql" else ""
        return [f"ALTER TABLE {d.quote(self.table)} DROP CONSTRAINT{if_exists} {d.quote(self.name)}"]

    def describe(self) -> str:
        return f"AddCheck {self.name}"
