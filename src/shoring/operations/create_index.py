"""An index built without blocking writes: CONCURRENTLY on PostgreSQL, INPLACE/LOCK=NONE on MySQL."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, PostgresOnlineSteps, check_identifier, check_identifiers
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class CreateIndex(PostgresOnlineSteps, BaseOperation):
    name: str
    table: str
    columns: tuple[str, ...] | list[str] | str
    unique: bool = False
    #: PostgreSQL: CONCURRENTLY, which cannot run in a transaction (the migration then runs
    #: statement by statement; an interrupted build leaves an INVALID index that apply reports).
    concurrently: bool = True

    def __post_init__(self):
        check_identifier(self.name, "index name")
        check_identifier(self.table, "table")
        object.__setattr__(self, "columns", check_identifiers(self.columns, "columns"))

    @property
    def outside_transaction(self) -> bool:  # type: ignore[override]
        return self.concurrently

    def up(self, d: Dialect) -> list[str]:
        return [create_index_sql(d, self.name, self.table, self.columns, self.unique, self.concurrently)]

    def down(self, d: Dialect) -> list[str]:
        return [drop_index_sql(d, self.name, self.table, self.concurrently)]

    def describe(self) -> str:
        return f"CreateIndex {self.name} on {self.table}"


def create_index_sql(d: Dialect, name: str, table: str, columns: tuple[str, ...], unique: bool, concurrently: bool) -> str:
    kind = "UNIQUE INDEX" if unique else "INDEX"
    target = f"{d.quote(name)} ON {d.table(table)} ({d.columns(columns)})"
    online = "CONCURRENTLY " if concurrently and d.concurrent_index_build else ""
    exists = "IF NOT EXISTS " if d.index_if_not_exists else ""  # without it (MySQL 8) the runner's resume does
    in_place = " ALGORITHM=INPLACE LOCK=NONE" if concurrently and d.online_ddl_clauses else ""
    return f"CREATE {kind} {online}{exists}{target}{in_place}"


def drop_index_sql(d: Dialect, name: str, table: str | None, concurrently: bool) -> str:
    if d.drops_index_by_table:
        from shoring.operations.dialects import Unsupported

        if not table:
            raise Unsupported(f"MySQL drops an index by table: give DropIndex({name!r}, table=...)")
        return f"DROP INDEX {d.quote(name)} ON {d.table(table)}"  # in place, metadata only (MariaDB takes no ALGORITHM here)
    return f"DROP INDEX {'CONCURRENTLY ' if concurrently and d.concurrent_index_build else ''}IF EXISTS {d.quote(name)}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [CreateIndex("users_email_idx", "users", ["email"])]
