"""Backfill: change existing rows in key-range batches, each committed with its checkpoint, paced.

Lint and plan read one batch's statement (what every batch runs, with the range as parameters);
the runner runs the batch loop of `shoring.backfill` in its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, Step, check_identifier
from shoring.operations.dialects import Dialect

#: How each engine's parser writes a statement parameter, for the statement lint and plan read.
_PARAM = {"postgresql": lambda n: f"${n}", "mysql": lambda n: "?", "sqlite": lambda n: "?"}


def backfill_step(d: Dialect, spec) -> Step:
    """The compiled statement of a batched backfill: one batch's UPDATE (values and key range as the
    engine's parameters), with the batch loop as its action."""
    param = _PARAM[d.name]
    sets = [f"{d.quote(column)} = {param(n)}" for n, (column, _) in enumerate(spec.set_values, 1)]
    if spec.set_sql:
        sets.append(spec.set_sql)
    n, key = len(spec.set_values), d.quote(spec.key)
    where = f"{key} > {param(n + 1)} AND {key} <= {param(n + 2)}" + (f" AND ({spec.where})" if spec.where else "")
    return Step(f"UPDATE {d.table(spec.table)} SET {', '.join(sets)} WHERE {where}", spec)


@dataclass(frozen=True)
class Backfill(BaseOperation):
    table: str
    set: dict[str, Any] | None = None  # column -> value, sent as parameters
    set_sql: str | None = None  # an expression, e.g. "display_name = name"
    where: str | None = None  # which rows still need it, e.g. "email_verified IS NULL"
    key: str = "id"  # a unique, ordered column (integer, text or uuid) to walk the table by
    batch_size: int = 1000
    pause: float = 0.1  # seconds between batches (the seed's pg_sleep(0.1))
    target_seconds: float | None = None  # adapt the batch size so that one batch takes about this long
    reversible: bool = True  # rollback leaves the values it wrote (the down of the schema change removes them)
    outside_transaction = True  # each batch commits by itself; a transaction around them all would hold every row lock

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.key, "key")
        if not self.set and not self.set_sql:
            raise ShoringError("Backfill needs set={column: value} or set_sql='column = expression'")
        for column in self.set or {}:
            check_identifier(column, "set column")
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            raise ShoringError(f"batch_size must be a positive integer, not {self.batch_size!r}")
        if self.pause < 0:
            raise ShoringError("pause cannot be negative")

    def spec(self):
        from shoring.backfill import BackfillSpec

        return BackfillSpec(table=self.table, key=self.key, set_values=tuple((self.set or {}).items()),
                            set_sql=self.set_sql, where=self.where, batch_size=self.batch_size, pause=self.pause,
                            target_seconds=self.target_seconds)

    def up(self, d: Dialect) -> list[Step]:
        return [backfill_step(d, self.spec())]

    def down(self, d: Dialect) -> list[str] | None:
        return [] if self.reversible else None

    @property
    def rollback_keeps(self) -> tuple[str, ...]:  # type: ignore[override]
        return (self.table,)

    def describe(self) -> str:
        return f"Backfill {self.table}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [Backfill("users", set={"email_verified": False}, where="email_verified IS NULL")]
