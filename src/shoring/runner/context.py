"""What a Python migration's up(ctx) / down(ctx) receives."""

from __future__ import annotations

from typing import Any, Callable, Sequence

from shoring.engines import Engine


class MigrationContext:
    """A connection, the engine, and helpers; statements go through the engine so errors read the same."""

    def __init__(self, engine: Engine, say: Callable[[str], None] = lambda s: None):
        self.engine = engine
        self.dialect = engine.dialect
        self.statements_run = 0
        self._say = say

    @property
    def connection(self) -> Any:
        """The driver's own connection (psycopg, PyMySQL or sqlite3), for what the helpers do not cover."""
        return self.engine.conn

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement; write parameters as %s on every engine."""
        count = self.engine.execute(self.engine.sql(sql) if params is not None else sql, params)
        self.statements_run += 1
        return count

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.engine.query(self.engine.sql(sql) if params is not None else sql, params)

    def quote(self, identifier: str) -> str:
        return self.engine.quote(identifier)

    def log(self, message: str) -> None:
        self._say(message)
