"""A foreign key added without a long lock: NOT VALID first, VALIDATE in its own transaction (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, check_identifier, check_identifiers
from shoring.operations.dialects import Dialect

_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


@dataclass(frozen=True)
class AddForeignKey(BaseOperation):
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

    def up(self, d: Dialect) -> list[str]:
        clause = (f"FOREIGN KEY ({d.columns(self.columns)}) REFERENCES {d.quote(self.references)} "
                  f"({d.columns(self.referenced_columns)})" + (f" ON DELETE {self.on_delete.upper()}" if self.on_delete else ""))
        sql = f"ALTER TABLE {d.quote(self.table)} ADD CONSTRAINT {d.quote(self.name)} {clause}"
        if d.name == "sqlite":
            from functools import partial

            from shoring.operations.sqlite_rebuild import add_table_constraint, rebuild_step

            return [rebuild_step(d, self.table, sql, partial(add_table_constraint, constraint=f"CONSTRAINT {d.quote(self.name)} {clause}"),
                                 f"FOREIGN KEY {self.name}")]
        if d.name != "postgresql":
            return [sql]
        return [sql + " NOT VALID", f"ALTER TABLE {d.quote(self.table)} VALIDATE CONSTRAINT {d.quote(self.name)}"]

    def down(self, d: Dialect) -> list[str] | None:
        if d.name == "sqlite":
            return None  # taking a constraint away is a rebuild the user writes
        if d.name == "mysql":
            return [f"ALTER TABLE {d.quote(self.table)} DROP FOREIGN KEY {d.quote(self.name)}"]
        return [f"ALTER TABLE {d.quote(self.table)} DROP CONSTRAINT IF EXISTS {d.quote(self.name)}"]

    def describe(self) -> str:
        return f"AddForeignKey {self.name}"
