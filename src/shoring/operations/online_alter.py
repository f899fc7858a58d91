"""An ALTER that MySQL/MariaDB would run with a table copy that blocks writes, run online instead
(a shadow table kept current by triggers, copied in batches, swapped in by one RENAME: the method of
pt-online-schema-change and gh-ost). MySQL/MariaDB only: on PostgreSQL and SQLite use the operation
for the change (CreateIndex, ExpandChangeType, ...)."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, Step, check_identifier
from shoring.operations.dialects import Dialect


@dataclass(frozen=True)
class OnlineAlter(BaseOperation):
    table: str
    alter: str  # the ALTER TABLE clauses: "MODIFY amount DECIMAL(12,2), ADD COLUMN note TEXT"
    down_alter: str | None = None  # clauses that undo it (run online too); None: no down
    key: str = "id"
    batch_size: int = 1000
    pause: float = 0.05
    target_seconds: float | None = None
    method: str = "builtin"  # or "pt-osc": Percona's pt-online-schema-change runs it, when installed
    outside_transaction = True  # batches commit one by one
    undo_from_arguments = True  # down_alter=
    needs = "shadow_copy_alter"
    unsupported = ("OnlineAlter copies tables the way pt-online-schema-change does, for MySQL/MariaDB: "
                   "on this engine use the operation for the change (CreateIndex, ExpandChangeType, ...)")

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.key, "key")
        if not isinstance(self.alter, str) or not self.alter.strip():
            raise ShoringError("OnlineAlter needs the ALTER TABLE clauses, e.g. 'MODIFY amount DECIMAL(12,2)'")
        if self.method not in ("builtin", "pt-osc"):
            raise ShoringError(f"method must be 'builtin' or 'pt-osc', not {self.method!r}")

    def _step(self, d: Dialect, alter: str) -> list[Step]:
        self.require(d)
        if self.method == "pt-osc":
            from shoring.backfill.pt_osc import PtOnlineSchemaChange

            return [Step(f"ALTER TABLE {d.table(self.table)} {alter.strip()}",
                         PtOnlineSchemaChange(self.table, alter.strip(), self.key, self.batch_size))]
        from shoring.backfill.shadow_copy import ShadowCopy

        copy = ShadowCopy(self.table, alter.strip(), self.key, self.batch_size, self.pause, self.target_seconds)
        return [Step(f"ALTER TABLE {d.table(self.table)} {alter.strip()}", copy)]

    def up(self, d: Dialect) -> list[Step]:
        return self._step(d, self.alter)

    def down(self, d: Dialect) -> list[Step] | None:
        return None if self.down_alter is None else self._step(d, self.down_alter)

    def describe(self) -> str:
        return f"OnlineAlter {self.table}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [OnlineAlter("payments", "MODIFY amount DECIMAL(12,2) NOT NULL", down_alter="MODIFY amount INT NOT NULL")]
