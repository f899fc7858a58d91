"""NOT NULL on a filled column without a long lock (the seed's pattern): on PostgreSQL 12+ a validated
CHECK (c IS NOT NULL) lets SET NOT NULL skip its table scan; the CHECK is dropped afterwards."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, PostgresOnlineSteps, check_identifier, check_type
from shoring.operations.dialects import Dialect, Unsupported


@dataclass(frozen=True)
class SetNotNull(PostgresOnlineSteps, BaseOperation):
    table: str
    column: str
    type: str | None = None  # MySQL/MariaDB restate the column's type (MODIFY)
    outside_transaction = True  # each step commits: the CHECK's validation holds no strong lock

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.column, "column")
        if self.type is not None:
            object.__setattr__(self, "type", check_type(self.type))

    @property
    def check_name(self) -> str:
        return f"{self.table}_{self.column}_not_null"[:63]

    def up(self, d: Dialect) -> list[str]:
        t, c = d.table(self.table), d.quote(self.column)
        if d.not_null_via_check:
            k = d.quote(self.check_name)
            return [f"ALTER TABLE {t} ADD CONSTRAINT {k} CHECK ({c} IS NOT NULL) NOT VALID",
                    f"ALTER TABLE {t} VALIDATE CONSTRAINT {k}",
                    f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL",
                    f"ALTER TABLE {t} DROP CONSTRAINT {k}"]
        if d.alter_rebuilds_table:
            from functools import partial

            from shoring.operations.sqlite_rebuild import add_not_null, rebuild_step

            return [rebuild_step(d, self.table, f"ALTER TABLE {t} ALTER COLUMN {c} SET NOT NULL",
                                 partial(add_not_null, column=self.column), f"NOT NULL on {self.table}.{self.column}")]
        return [f"ALTER TABLE {t} MODIFY {c} {self._type(d)} NOT NULL"]

    def down(self, d: Dialect) -> list[str] | None:
        t, c = d.table(self.table), d.quote(self.column)
        if d.not_null_via_check:
            return [f"ALTER TABLE {t} ALTER COLUMN {c} DROP NOT NULL"]
        if d.alter_rebuilds_table:
            return None  # the rebuild adds constraints; taking one away is a rebuild the user writes
        return [f"ALTER TABLE {t} MODIFY {c} {self._type(d)} NULL"]

    def _type(self, d: Dialect) -> str:
        if d.alter_rebuilds_table:
            raise Unsupported("SQLite cannot drop NOT NULL without the 12-step table rebuild: write the down with RunSQL")
        if self.type is None:
            raise Unsupported(f"MySQL/MariaDB restate the column's type to make it NOT NULL: SetNotNull({self.table!r}, "
                              f"{self.column!r}, type='...')")
        return self.type

    def describe(self) -> str:
        return f"SetNotNull {self.table}.{self.column}"


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [SetNotNull("users", "email", type="varchar(255)")]
