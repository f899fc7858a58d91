"""A foreign key added without a long lock: NOT VALID first, VALIDATE in its own transaction (PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, PostgresOnlineSteps, Step, check_identifier, check_identifiers
from shoring.operations.constraint import add_constraint, drop_constraint
from shoring.operations.dialects import Dialect

_ACTIONS = ("CASCADE", "SET NULL", "SET DEFAULT", "RESTRICT", "NO ACTION")


@dataclass(frozen=True)
class AddForeignKey(PostgresOnlineSteps, BaseOperation):
    table: str
    columns: tuple[str, ...] | list[str] | str
    references: str  # the referenced table
    referenced_columns: tuple[str, ...] | list[str] | str = ("id",)
    name: str | None = None  # default: <table>_<columns>_fkey, as PostgreSQL names it
    on_delete: str | None = None
    outside_transaction = True  # ADD ... NOT VALID commits at once; VALIDATE then holds only SHARE UPDATE EXCLUSIVE

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.references, "references")
        object.__setattr__(self, "columns", check_identifiers(self.columns, "columns"))
        object.__setattr__(self, "referenced_columns", check_identifiers(self.referenced_columns, "referenced_columns"))
        if self.name is None:
            object.__setattr__(self, "name", f"{self.table}_{'_'.join(self.columns)}_fkey"[:63])
        check_identifier(self.name, "name")
        if self.on_delete is not None and self.on_delete.upper() not in _ACTIONS:
            raise ShoringError(f"on_delete must be one of {', '.join(_ACTIONS)}, not {self.on_delete!r}")

    def up(self, d: Dialect) -> list[str | Step]:
        clause = (f"FOREIGN KEY ({d.columns(self.columns)}) REFERENCES {d.table(self.references)} "
                  f"({d.columns(self.referenced_columns)})" + (f" ON DELETE {self.on_delete.upper()}" if self.on_delete else ""))
        if d.foreign_keys_added_unchecked:
            return self._unchecked(d, clause)
        return add_constraint(d, self.table, self.name, clause, f"FOREIGN KEY {self.name}")

    def _unchecked(self, d: Dialect, clause: str) -> list[str | Step]:
        """InnoDB adds a foreign key in place only with foreign_key_checks off, and then checks no row:
        so add it in place, then count the rows it would have refused (from then on the key refuses
        them itself), and fail, resumably, while any is left."""
        check = OrphanCheck(self.table, self.columns, self.references, self.referenced_columns)
        return ["SET SESSION foreign_key_checks = 0",
                f"ALTER TABLE {d.quote(self.table)} ADD CONSTRAINT {d.quote(self.name)} {clause}, ALGORITHM=INPLACE, LOCK=NONE",
                "SET SESSION foreign_key_checks = 1",
                Step(check.sql(d), check)]

    def down(self, d: Dialect) -> list[str | Step] | None:
        steps = drop_constraint(d, self.table, self.name, mysql_form="FOREIGN KEY")
        if d.foreign_keys_make_an_index:  # InnoDB made an index of the key's name when none served it; it outlives the key
            made = KeyIndex(self.table, self.name)
            steps.append(Step(made.sql(d), made))
        return steps

    def describe(self) -> str:
        return f"AddForeignKey {self.name}"


@dataclass(frozen=True)
class OrphanCheck:
    """Fails the migration while a row's key matches no referenced row (MySQL added the key unchecked)."""

    table: str
    columns: tuple[str, ...]
    references: str
    referenced_columns: tuple[str, ...]

    def sql(self, d: Dialect) -> str:
        join = " AND ".join(f"p.{d.quote(r)} = c.{d.quote(c)}" for c, r in zip(self.columns, self.referenced_columns))
        present = " AND ".join(f"c.{d.quote(c)} IS NOT NULL" for c in self.columns)
        return (f"SELECT COUNT(*) FROM {d.quote(self.table)} c WHERE {present} "
                f"AND NOT EXISTS (SELECT 1 FROM {d.quote(self.references)} p WHERE {join})")

    def run(self, engine: Any, **options: Any) -> None:
        from shoring.operations.dialects import dialect

        orphans = engine.query_one(self.sql(dialect(engine.dialect)))[0]
        if orphans:
            raise ShoringError(f"{orphans:,} row(s) of {self.table} reference no row of {self.references}: the foreign key "
                               f"{self.name_hint()} is in place and refuses new ones; fix these rows, then re-run")

    def name_hint(self) -> str:
        return f"({', '.join(self.columns)}) -> {self.references}"


@dataclass(frozen=True)
class KeyIndex:
    """Drops the index InnoDB added for a foreign key (named as the key) when it is there: when an index
    of the user's served the key, InnoDB added none, and that one stays."""

    table: str
    name: str

    def sql(self, d: Dialect) -> str:
        return f"DROP INDEX {d.quote(self.name)} ON {d.table(self.table)}"

    def run(self, engine: Any, **options: Any) -> None:
        from shoring.operations.dialects import dialect

        if engine.index_valid(self.name, self.table) is not None:
            engine.execute(self.sql(dialect(engine.dialect)))


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [AddForeignKey("orders", "user_id", "users")]
