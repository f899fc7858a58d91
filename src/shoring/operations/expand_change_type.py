"""The seed's safe column type change, as an expand and a contract.

Expand (`ExpandChangeType`): add `<column>_new` with the new type, keep it converted from the old
column by triggers while old code writes the old one, backfill it in batches with the conversion,
and check that no value was lost to the conversion (the seed's "verify data integrity" step: a
row with a value in the old column and none in the new one fails the migration). Contract
(`ContractChangeType`, later): drop the triggers and the old column, and give the new one its name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, Step, check_identifier, check_type
from shoring.operations.dialects import Dialect
from shoring.operations.expand_rename_column import sync_name


@dataclass(frozen=True)
class ExpandChangeType(BaseOperation):
    table: str
    column: str
    type: str  # the new type
    using: str | None = None  # the conversion as SQL over the column's name, e.g. "CAST(age AS INTEGER)"
    reverse: str | None = None  # new code's writes converted back, over the new column, e.g. "CAST(age_new AS text)"
    temporary: str | None = None  # the new column's name until contract; default <column>_new
    key: str = "id"
    batch_size: int = 1000
    pause: float = 0.1
    outside_transaction = True  # the backfill commits batch by batch

    def __post_init__(self):
        for value, what in ((self.table, "table"), (self.column, "column"), (self.key, "key")):
            check_identifier(value, what)
        object.__setattr__(self, "type", check_type(self.type))
        if self.temporary is None:
            object.__setattr__(self, "temporary", f"{self.column}_new")
        check_identifier(self.temporary, "temporary")
        if self.using is not None and (not isinstance(self.using, str) or not self.using.strip()):
            raise ShoringError("using must be the conversion as SQL, e.g. 'CAST(age AS INTEGER)'")
        if self.reverse is not None and (not isinstance(self.reverse, str) or not self.reverse.strip()):
            raise ShoringError("reverse must be the conversion back as SQL over the new column, e.g. 'CAST(age_new AS text)'")

    def conversion(self, d: Dialect, row: str | None = None) -> str:
        """The conversion as SQL; with `row` ("NEW"), its column read from the trigger's row. Both forms
        come from one sqlglot tree, so the triggers and the backfill convert alike."""
        expr = self.using or f"CAST({d.quote(self.column)} AS {self.type})"
        return _on_row(expr, self.column, row, d)

    def back(self, d: Dialect, row: str | None = None) -> str | None:
        """The reverse conversion (new column to old), so that old code sees new code's writes; None without it."""
        return _on_row(self.reverse, self.temporary, row, d) if self.reverse else None

    def up(self, d: Dialect) -> list[str | Step]:
        from shoring.backfill import BackfillSpec
        from shoring.operations.backfill import backfill_step

        t, old, new = d.table(self.table), d.quote(self.column), d.quote(self.temporary)
        out: list[str | Step] = [f"ALTER TABLE {t} ADD COLUMN {new} {self.type}"]
        out.extend(_SYNC[d.name](d, self))
        out.append(backfill_step(d, BackfillSpec(table=self.table, key=self.key, set_sql=f"{new} = {self.conversion(d)}",
                                                 where=f"{new} IS NULL AND {old} IS NOT NULL",
                                                 batch_size=self.batch_size, pause=self.pause)))
        check = VerifyConversion(self.table, self.column, self.temporary)
        out.append(Step(check.sql(d), check))
        return out

    def down(self, d: Dialect) -> list[str]:
        return [*_drop_sync(d, self), f"ALTER TABLE {d.table(self.table)} DROP COLUMN {d.quote(self.temporary)}"]

    def describe(self) -> str:
        return f"ExpandChangeType {self.table}.{self.column} -> {self.type}"

    @property
    def expands(self) -> tuple:  # type: ignore[override]
        return ("type", self.table, self.column, self.temporary)

    def contract(self) -> "ContractChangeType":
        return ContractChangeType(self.table, self.column, self.temporary)


@dataclass(frozen=True)
class ContractChangeType(BaseOperation):
    table: str
    column: str
    temporary: str | None = None
    #: The swap drops the old column whose values the triggers kept converted in the new one, and
    #: renames the new one to the name code already uses: no data is lost and no name code uses goes
    #: away. Final by design (the point of no return of expand-contract), so it has no down.
    lint_handled = BaseOperation.lint_handled | {"drop-column", "rename-column", "missing-down"}
    plan_handled = frozenset({"drop_column", "rename_column", "drop_function"})

    def deploy_before(self) -> list[str]:
        return [f"code that reads and writes {self.table}.{self.column} as its new type and no longer uses "
                f"{self.table}.{self.temporary}"]

    def __post_init__(self):
        check_identifier(self.table, "table")
        check_identifier(self.column, "column")
        if self.temporary is None:
            object.__setattr__(self, "temporary", f"{self.column}_new")
        check_identifier(self.temporary, "temporary")

    def up(self, d: Dialect) -> list[str]:
        t, old, new = d.table(self.table), d.quote(self.column), d.quote(self.temporary)
        drops = _drop_sync(d, self)
        if d.alter_drops_and_renames_at_once:  # one ALTER: the column is never missing between the two changes
            return [*drops, f"ALTER TABLE {t} DROP COLUMN {old}, RENAME COLUMN {new} TO {old}"]
        return [*drops, f"ALTER TABLE {t} DROP COLUMN {old}", f"ALTER TABLE {t} RENAME COLUMN {new} TO {old}"]

    def describe(self) -> str:
        return f"ContractChangeType {self.table}.{self.column}"

    @property
    def contracts(self) -> tuple:  # type: ignore[override]
        return ("type", self.table, self.column, self.temporary)


@dataclass(frozen=True)
class VerifyConversion:
    """Fails the migration when a value in the old column has none in the new one."""

    table: str
    column: str
    temporary: str

    def sql(self, d: Dialect) -> str:
        return (f"SELECT COUNT(*) FROM {d.table(self.table)} "
                f"WHERE {d.quote(self.column)} IS NOT NULL AND {d.quote(self.temporary)} IS NULL")

    def run(self, engine: Any, **options: Any) -> None:
        from shoring.operations.dialects import dialect

        lost = engine.query_one(self.sql(dialect(engine.dialect)))[0]
        if lost:
            raise ShoringError(f"{lost:,} row(s) of {self.table} hold a value in {self.column} that the conversion turned "
                               f"into NULL in {self.temporary}: fix the conversion (using=) or the data, then re-run")


def _on_row(expr: str, column: str, row: str | None, d: Dialect) -> str:
    """`expr` as the engine writes it, each column it reads taken from the trigger's `row` (NEW)."""
    import sqlglot
    from sqlglot import exp

    dialect = {"postgresql": "postgres", "mysql": "mysql", "sqlite": "sqlite"}[d.name]
    tree = sqlglot.parse_one(expr, read=dialect)

    def swap(node):
        # every column of the row (the conversion may read others too), quoted as written
        if isinstance(node, exp.Column) and not node.table:
            table = exp.to_identifier(row, quoted=False) if row else None  # NEW: a keyword, never quoted
            return exp.Column(this=exp.to_identifier(node.name, quoted=True), table=table)
        return node

    return tree.transform(swap).sql(dialect=dialect)



def _postgresql(d: Dialect, op: ExpandChangeType) -> list[str]:
    name, t = d.quote(sync_name(op.table, op.column, op.temporary, "_c")), d.table(op.table)
    old, new = d.quote(op.column), d.quote(op.temporary)
    conv, back = op.conversion(d, "NEW"), op.back(d, "NEW")
    # a write through the new column (new code) goes back to the old one when reverse= says how; a
    # write through the old column (old code) is converted into the new one
    on_insert = f"IF NEW.{new} IS NULL THEN NEW.{new} := {conv};" + (f" ELSIF NEW.{old} IS NULL THEN NEW.{old} := {back};" if back else "")
    on_update = (f"ELSIF NEW.{new} IS DISTINCT FROM OLD.{new} THEN NEW.{old} := {back};\n  " if back else "") + \
        f"ELSIF NEW.{old} IS DISTINCT FROM OLD.{old} THEN NEW.{new} := {conv};"
    body = (f"BEGIN\n"
            f"  IF TG_OP = 'INSERT' THEN\n    {on_insert} END IF;\n"
            f"  {on_update}\n"
            f"  END IF;\n"
            f"  RETURN NEW;\n"
            f"END")
    return [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $shoring$\n{body}\n$shoring$",
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {name}()"]


def _mysql(d: Dialect, op: ExpandChangeType) -> list[str]:
    t, old, new = d.table(op.table), d.quote(op.column), d.quote(op.temporary)
    ins = d.quote(sync_name(op.table, op.column, op.temporary, "_ci"))
    upd = d.quote(sync_name(op.table, op.column, op.temporary, "_cu"))
    value, back = op.conversion(d, "NEW"), op.back(d, "NEW")
    on_insert = f"IF NEW.{new} IS NULL THEN SET NEW.{new} = {value};" + (f" ELSEIF NEW.{old} IS NULL THEN SET NEW.{old} = {back};" if back else "")
    on_update = (f"IF NOT (NEW.{new} <=> OLD.{new}) THEN SET NEW.{old} = {back}; ELSEIF" if back else "IF") + \
        f" NOT (NEW.{old} <=> OLD.{old}) THEN SET NEW.{new} = {value};"
    return [f"CREATE TRIGGER {ins} BEFORE INSERT ON {t} FOR EACH ROW BEGIN {on_insert} END IF; END",
            f"CREATE TRIGGER {upd} BEFORE UPDATE ON {t} FOR EACH ROW BEGIN {on_update} END IF; END"]


def _sqlite(d: Dialect, op: ExpandChangeType) -> list[str]:
    t, old, new = d.table(op.table), d.quote(op.column), d.quote(op.temporary)
    name = lambda s: d.quote(sync_name(op.table, op.column, op.temporary, s))  # noqa: E731
    conv, back = op.conversion(d), op.back(d)
    # SQLite triggers cannot change NEW: they write the row again after it (recursive triggers are off)
    insert = f"UPDATE {t} SET {new} = {conv} WHERE rowid = NEW.rowid AND NEW.{new} IS NULL"
    out = [f"CREATE TRIGGER {name('_ci')} AFTER INSERT ON {t} FOR EACH ROW BEGIN {insert}; "
           + (f"UPDATE {t} SET {old} = {back} WHERE rowid = NEW.rowid AND NEW.{old} IS NULL AND NEW.{new} IS NOT NULL; " if back else "")
           + "END",
           f"CREATE TRIGGER {name('_cu')} AFTER UPDATE OF {old} ON {t} FOR EACH ROW WHEN NEW.{old} IS NOT OLD.{old} "
           f"AND NEW.{new} IS OLD.{new} BEGIN UPDATE {t} SET {new} = {conv} WHERE rowid = NEW.rowid; END"]
    if back:
        out.append(f"CREATE TRIGGER {name('_cn')} AFTER UPDATE OF {new} ON {t} FOR EACH ROW WHEN NEW.{new} IS NOT OLD.{new} "
                   f"BEGIN UPDATE {t} SET {old} = {back} WHERE rowid = NEW.rowid; END")
    return out


def _drop_sync(d: Dialect, op: Any) -> list[str]:
    t = d.table(op.table)
    if d.trigger_functions:
        name = d.quote(sync_name(op.table, op.column, op.temporary, "_c"))
        return [f"DROP TRIGGER IF EXISTS {name} ON {t}", f"DROP FUNCTION IF EXISTS {name}()"]
    suffixes = ("_ci", "_cu", "_cn") if d.triggers_rewrite_rows else ("_ci", "_cu")  # SQLite's back-sync is its own
    return [f"DROP TRIGGER IF EXISTS {d.quote(sync_name(op.table, op.column, op.temporary, s))}" for s in suffixes]


_SYNC = {"postgresql": _postgresql, "mysql": _mysql, "sqlite": _sqlite}


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [ExpandChangeType("users", "age", "integer", using="CAST(age AS integer)", reverse="CAST(age_new AS text)"),
            ContractChangeType("users", "age")]
