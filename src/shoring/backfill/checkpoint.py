"""Where an interrupted backfill resumes: the last key of the last committed batch, per statement.

Kept in `<history table>_backfills`, written in each batch's own transaction (so the checkpoint
and the batch commit together), deleted when the statement completes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from shoring.errors import ShoringError

class _Swapped:
    """Not a key: the mark of an online copy whose altered table is swapped in (only its clean-up remains)."""

    def __repr__(self) -> str:
        return "the swap"


SWAPPED = _Swapped()

#: key type -> (tag, decode): keys are stored as text that says what they were
_DECODE = {"i": int, "s": str, "u": uuid.UUID, "x": lambda value: SWAPPED}


def encode_key(value: Any) -> str:
    if value is SWAPPED:
        return "x:swapped"
    if isinstance(value, bool):
        raise ShoringError("a backfill key must be an integer, text or uuid column, not a boolean")
    if isinstance(value, int):
        return f"i:{value}"
    if isinstance(value, str):
        return f"s:{value}"
    if isinstance(value, uuid.UUID):
        return f"u:{value}"
    raise ShoringError(f"a backfill key must be an integer, text or uuid column, not {type(value).__name__}")


def decode_key(text: str) -> Any:
    tag, _, value = text.partition(":")
    return _DECODE[tag](value)


@dataclass
class Checkpoint:
    """One backfill statement's row in the checkpoint table."""

    engine: Any
    history_table: str
    version: str
    direction: str
    statement: int

    @property
    def table(self) -> str:
        return self.engine.quote(f"{self.history_table}_backfills")

    def ensure(self) -> None:
        """Create the table before the first batch (MySQL commits DDL at once: never inside a batch)."""
        name = f"{self.history_table}_backfills"
        if self.engine.table_exists(name):
            return
        tr = self.engine.traits
        self.engine.execute_batch([(
            f"""CREATE TABLE IF NOT EXISTS {self.table} (
                version VARCHAR(64) NOT NULL,
                direction VARCHAR(8) NOT NULL,
                statement {tr.int_type} NOT NULL,
                last_key VARCHAR(255) NOT NULL,
                rows_done {tr.bigint_type} NOT NULL,
                batches {tr.bigint_type} NOT NULL,
                PRIMARY KEY (version, direction, statement)
            )""", None)])  # execute_batch: bookkeeping, which a rehearsal does not count as the migration's

    def _where(self) -> tuple[str, list[Any]]:
        return "version = %s AND direction = %s AND statement = %s", [self.version, self.direction, self.statement]

    def load(self) -> tuple[Any, int, int] | None:
        """(last key, rows done, batches done) of an earlier run, or None."""
        where, params = self._where()
        row = self.engine.query_one(self.engine.sql(f"SELECT last_key, rows_done, batches FROM {self.table} WHERE {where}"), params)
        return (decode_key(row[0]), int(row[1]), int(row[2])) if row else None

    def save_statements(self, last_key: Any, rows: int, batches: int) -> list[tuple[str, list[Any]]]:
        where, params = self._where()
        sql = self.engine.sql
        return [
            (sql(f"DELETE FROM {self.table} WHERE {where}"), params),
            (sql(f"INSERT INTO {self.table} (version, direction, statement, last_key, rows_done, batches) "
                 "VALUES (%s, %s, %s, %s, %s, %s)"), [*params, encode_key(last_key), rows, batches]),
        ]

    def action(self, migration: Any) -> Any:
        """The action of the statement this checkpoint belongs to, in `migration` (None if it has none)."""
        if migration is None or not migration.has_sql:
            return None
        statements = migration.statements(self.direction, self.engine.dialect)
        return statements[self.statement - 1].action if 0 < self.statement <= len(statements) else None

    def clear(self) -> None:
        where, params = self._where()
        if self.engine.table_exists(f"{self.history_table}_backfills"):
            self.engine.execute_batch([(self.engine.sql(f"DELETE FROM {self.table} WHERE {where}"), params)])


def checkpoints_of(engine: Any, history_table: str, version: str) -> list[Checkpoint]:
    """The unfinished batched statements a migration left (any direction)."""
    if not engine.table_exists(f"{history_table}_backfills"):
        return []
    rows = engine.query(engine.sql(f"SELECT direction, statement FROM {engine.quote(history_table + '_backfills')} "
                                   "WHERE version = %s ORDER BY statement"), [version])
    return [Checkpoint(engine, history_table, version, r[0], int(r[1])) for r in rows]
