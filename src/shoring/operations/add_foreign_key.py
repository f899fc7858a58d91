"""A foreign key added without a long lock: NOT VALID first, VALIDATE in its own transaction (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, PostgresOnlineSteps, Step, check_identifier, check_identifiers
from shoring.operations.constraint import add_constraint, drop_constraint
from shoring.operations.dialects import Dialect

_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


@dataclass(frozen=True)
class AddForeignKey(PostgresOnlineSteps, BaseOperation):
    table: str
    columns: tuple[str, ...] | list[str] | str
    references: str  # the referenced table
    referenced_columns: tuple[str, ...] | list[str] | str = ("id",)
    name: str | None = None  # default: <table>_<columns>_fkey, as PostgreSQL names it
    on_delete: str | None = None
    outside_transaction = True  # ADD ... NOT VALID commits at once; VALIDATE then holds only SHARE UPDATE EXCLUSIVE

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.references, "references")
        object.__setattr__(self, "columns", check_identifiers(self.columns, "columns"))
        object.__setattr__(self, "referenced_columns", check_identifiers(self.referenced_columns, "referenced_columns"))
        if self.name is None:
            object.__setattr__(self, "name", f"{self.table}_{'_'.join(self.columns)}_fkey"[:63])
        check_identifier(self.name, "name")
        if self.on_delete is not None and self.on_delete.upper() not in _ACTIONS:
            raise ShoringError(f"on_delete must be one of {', '.join(_ACTIONS)}, not {self.on_delete!r}")

    def up(self, d: Dialect) -> list[str | Step]:
        clause = (f"FOREIGN KEY ({d.columns(self.columns)}) REFERENCES {d.quote(self.references)} "
                  f"({d.columns(self.referenced_columns)})" + (f" ON DELETE {self.on_delete.upper()}" if self.on_delete else ""))
        return add_constraint(d, self.table, self.name, clause, f"FOREIGN KEY {self.name}")

    def down(self, d: Dialect) -> list[str] | None:
        return drop_constraint(d, self.table, self.name, mysql_form="FOREIGN KEY")

    def describe(self) -> str:
        return f"AddForeignKey {self.name}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [AddForeignKey("orders", "user_id", "users")]
