"""Contract: drop an index without blocking writes. Reversible when its columns are given."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, PostgresOnlineSteps, check_identifier, check_identifiers
from shoring.operations.create_index import create_index_sql, drop_index_sql
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class DropIndex(PostgresOnlineSteps, BaseOperation):
    undo_from_arguments = True  # table= and columns= let down build the index again
    name: str
    table: str | None = None  # required on MySQL/MariaDB, and to make it reversible
    columns: tuple[str, ...] | list[str] | str | None = None  # to rebuild it on rollback
    unique: bool = False
    concurrently: bool = True

    def __post_init__(self):
        check_identifier(self.name, "index name")
        if self.table is not None:
            check_identifier(self.table, "table")
        if self.columns is not None:
            object.__setattr__(self, "columns", check_identifiers(self.columns, "columns"))

    @property
    def outside_transaction(self) -> bool:  # type: ignore[override]
        return self.concurrently

    def up(self, d: Dialect) -> list[str]:
        return [drop_index_sql(d, self.name, self.table, self.concurrently)]

    def down(self, d: Dialect) -> list[str] | None:
        if self.columns is None or self.table is None:
            return None
        return [create_index_sql(d, self.name, self.table, self.columns, self.unique, self.concurrently)]

    def describe(self) -> str:
        return f"DropIndex {self.name}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [DropIndex("users_email_idx", table="users", columns=["email"])]
