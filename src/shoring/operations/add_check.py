"""A CHECK constraint without a long lock: NOT VALID first, VALIDATE in its own transaction (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, PostgresOnlineSteps, Step, check_identifier
from shoring.operations.constraint import add_constraint, drop_constraint
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class AddCheck(PostgresOnlineSteps, BaseOperation):
    table: str
    name: str
    expression: str  # the condition, as SQL: "price >= 0"
    outside_transaction = True  # ADD ... NOT VALID commits at once; VALIDATE then holds only SHARE UPDATE EXCLUSIVE
    #: MySQL/MariaDB add a CHECK only by copying the table (no ALGORITHM=INPLACE): the warning says so;
    #: on a large, busy table write OnlineAlter("t", "ADD CONSTRAINT ... CHECK (...)") instead.
    lint_warns = frozenset({"mysql-table-copy"})

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.name, "name")
        if not isinstance(self.expression, str) or not self.expression.strip():
            raise ShoringError("AddCheck needs the condition as SQL, e.g. 'price >= 0'")

    def up(self, d: Dialect) -> list[str | Step]:
        return add_constraint(d, self.table, self.name, f"CHECK ({self.expression})", f"CHECK {self.name}")

    def down(self, d: Dialect) -> list[str] | None:
        return drop_constraint(d, self.table, self.name)

    def describe(self) -> str:
        return f"AddCheck {self.name}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [AddCheck("orders", "total_not_negative", "total >= 0")]
