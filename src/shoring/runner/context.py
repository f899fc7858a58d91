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
        """Run one statement; with parameters, write each as %s and a literal % as %%, on every engine."""
        count = self.engine.execute(self.engine.user_sql(sql, params), params)
        self.statements_run += 1
        return count

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        return self.engine.query(self.engine.user_sql(sql, params), params)

    def quote(self, identifier: str) -> str:
        return self.engine.quote(identifier)

    def backfill(self, table: str, *, set: dict[str, Any] | None = None, set_sql: str | None = None,
                 where: str | None = None, key: str = "id", batch_size: int = 1000, pause: float = 0.1,
                 target_seconds: float | None = None) -> Any:
        """Change existing rows in key-range batches (see shoring.operations.Backfill). Outside a
        transaction (`Transaction: false`) each batch commits by itself; inside one, the migration's
        transaction holds them all. No checkpoint: a re-run runs up(ctx) again, so let `where`
        exclude the rows already done."""
        from shoring.backfill import run_backfill
        from shoring.operations import Backfill

        spec = Backfill(table, set=set, set_sql=set_sql, where=where, key=key, batch_size=batch_size, pause=pause,
                        target_seconds=target_seconds).spec()
        result = run_backfill(self.engine, spec, say=self._say, own_transactions=not self.engine.in_transaction)
        self.statements_run += result.batches
        return result

    def log(self, message: str) -> None:
        self._say(message)
