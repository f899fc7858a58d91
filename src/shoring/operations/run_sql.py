"""Hand-written SQL among operations: for what no operation covers (lint still reads every statement)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class RunSQL(BaseOperation):
    sql: str
    down_sql: str | None = None  # None: irreversible; "" : nothing to undo
    transaction: bool = True  # False when a statement of it refuses a transaction block
    lint_handled = frozenset()  # the user's own SQL: every rule applies
    undo_from_arguments = True

    def __post_init__(self):
        if not isinstance(self.sql, str) or not self.sql.strip():
            raise ShoringError("RunSQL needs the SQL to run")

    @property
    def outside_transaction(self) -> bool:  # type: ignore[override]
        return not self.transaction

    def up(self, d: Dialect) -> list[str]:
        return _split(self.sql, d)

    def down(self, d: Dialect) -> list[str] | None:
        return None if self.down_sql is None else _split(self.down_sql, d)

    def describe(self) -> str:
        return "RunSQL"


def _split(text: str, d: Dialect) -> list[str]:
    from shoring.statement_splitter import split_sql

    return [frag.sql for frag in split_sql(text, d.name)]


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [RunSQL("UPDATE settings SET value = 'on' WHERE name = 'flag'", down_sql="UPDATE settings SET value = 'off' WHERE name = 'flag'")]
