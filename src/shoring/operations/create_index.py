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
    if d.name == "postgresql":
        return f"CREATE {kind} {'CONCURRENTLY ' if concurrently else ''}IF NOT EXISTS {target}"
    if d.name == "mysql":  # MySQL 8 has no IF NOT EXISTS here; the runner's resume makes it unnecessary
        return f"CREATE {kind} {target} ALGORITHM=INPLACE LOCK=NONE" if concurrently else f"CREATE {kind} {target}"
    return f"CREATE {kind} IF NOT EXISTS {target}"


def drop_index_sql(d: Dialect, name: str, table: str | None, concurrently: bool) -> str:
    if d.name == "postgresql":
        return f"DROP INDEX {'CONCURRENTLY ' if concurrently else ''}IF EXISTS {d.quote(name)}"
    if d.name == "mysql":
        from shoring.operations.dialects import Unsupported

        if not table:
            raise Unsupported(f"MySQL drops an index by table: give DropIndex({name!r}, table=...)")
        return f"DROP INDEX {d.quote(name)} ON {d.table(table)}"  # in place, metadata only (MariaDB takes no ALGORITHM here)
    return f"DROP INDEX IF EXISTS {d.quote(name)}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [CreateIndex("users_email_idx", "users", ["email"])]
