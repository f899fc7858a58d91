"""A UNIQUE constraint whose index is built without blocking writes (PostgreSQL: CONCURRENTLY, then
ADD CONSTRAINT ... USING INDEX, which only takes a brief lock)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, PostgresOnlineSteps, check_identifier, check_identifiers
from shoring.operations.create_index import create_index_sql, drop_index_sql
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class AddUnique(PostgresOnlineSteps, BaseOperation):
    table: str
    columns: tuple[str, ...] | list[str] | str
    name: str | None = None  # default: <table>_<columns>_key, as PostgreSQL names it
    outside_transaction = True  # CONCURRENTLY

    def __post_init__(self):
        check_identifier(self.table, "table")
        object.__setattr__(self, "columns", check_identifiers(self.columns, "columns"))
        if self.name is None:
            object.__setattr__(self, "name", f"{self.table}_{'_'.join(self.columns)}_key"[:63])
        check_identifier(self.name, "name")

    def up(self, d: Dialect) -> list[str]:
        t, n = d.table(self.table), d.quote(self.name)
        if d.unique_using_index:
            return [create_index_sql(d, self.name, self.table, self.columns, True, True),
                    f"ALTER TABLE {t} ADD CONSTRAINT {n} UNIQUE USING INDEX {n}"]
        if d.online_ddl_clauses:
            return [f"ALTER TABLE {t} ADD CONSTRAINT {n} UNIQUE ({d.columns(self.columns)}), ALGORITHM=INPLACE, LOCK=NONE"]
        return [create_index_sql(d, self.name, self.table, self.columns, True, False)]  # SQLite: a unique index

    def down(self, d: Dialect) -> list[str]:
        if d.unique_using_index:  # the constraint owns the index: dropping it drops both
            return [f"ALTER TABLE {d.table(self.table)} DROP CONSTRAINT IF EXISTS {d.quote(self.name)}"]
        return [drop_index_sql(d, self.name, self.table, False)]  # MySQL's constraint, SQLite's unique index

    def describe(self) -> str:
        return f"AddUnique {self.name}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [AddUnique("users", ["email"])]
