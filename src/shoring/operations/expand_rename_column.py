"""The seed's expand-contract rename, done by the database: old and new code both keep working.

Expand (`ExpandRenameColumn`): add the new column, keep the two columns in step with triggers (a
write to either name reaches both), and backfill the new one in batches. Deploy the code that uses
the new name at leisure. Contract (`ContractRenameColumn`, a later migration, once no code uses the
old name): drop the triggers and the old column.
"""

from __future__ import annotations

from dataclasses import dataclass

from shoring.operations.base import BaseOperation, Step, check_identifier, check_type
from shoring.operations.dialects import Dialect


def sync_name(table: str, column: str, new_name: str, suffix: str = "") -> str:
    """The name of the sync trigger (and function) for one rename, within PostgreSQL's 63 bytes."""
    base = f"shoring_sync_{table.split('.')[-1]}_{column}_{new_name}"
    # cut by bytes, as PostgreSQL counts (a cut through a multi-byte character drops that character)
    return base.encode()[: 63 - len(suffix)].decode("utf-8", "ignore") + suffix


@dataclass(frozen=True)
class ExpandRenameColumn(BaseOperation):
    table: str
    column: str
    new_name: str
    type: str  # the column's type, for the new column
    key: str = "id"  # to backfill by (see Backfill)
    batch_size: int = 1000
    pause: float = 0.1
    outside_transaction = True  # the backfill commits batch by batch

    def __post_init__(self):
        for value, what in ((self.table, "table"), (self.column, "column"), (self.new_name, "new_name"), (self.key, "key")):
            check_identifier(value, what)
        object.__setattr__(self, "type", check_type(self.type))

    def up(self, d: Dialect) -> list[str | Step]:
        from shoring.backfill import BackfillSpec
        from shoring.operations.backfill import backfill_step

        t, old, new = d.table(self.table), d.quote(self.column), d.quote(self.new_name)
        out: list[str | Step] = [f"ALTER TABLE {t} ADD COLUMN {new} {self.type}"]
        out.extend(_SYNC[d.name](d, self))
        out.append(backfill_step(d, BackfillSpec(table=self.table, key=self.key, set_sql=f"{new} = {old}",
                                                 where=f"{new} IS NULL AND {old} IS NOT NULL",
                                                 batch_size=self.batch_size, pause=self.pause)))
        return out

    def down(self, d: Dialect) -> list[str]:
        return [*drop_sync(d, self.table, self.column, self.new_name),
                f"ALTER TABLE {d.table(self.table)} DROP COLUMN {d.quote(self.new_name)}"]

    def describe(self) -> str:
        return f"ExpandRenameColumn {self.table}.{self.column} -> {self.new_name}"

    @property
    def expands(self) -> tuple:  # type: ignore[override]
        return ("rename", self.table, self.column, self.new_name)

    def contract(self) -> "ContractRenameColumn":
        return ContractRenameColumn(self.table, self.column, self.new_name)


@dataclass(frozen=True)
class ContractRenameColumn(BaseOperation):
    table: str
    column: str  # the old name, dropped now
    new_name: str
    #: Its DROP COLUMN loses nothing (the triggers kept the new column equal to it) and is final by
    #: design: the contract is the point of no return of expand-contract, so it has no down.
    lint_handled = BaseOperation.lint_handled | {"drop-column", "missing-down"}
    plan_handled = frozenset({"drop_column", "drop_function"})  # the function is its own sync trigger's

    def __post_init__(self):
        for value, what in ((self.table, "table"), (self.column, "column"), (self.new_name, "new_name")):
            check_identifier(value, what)

    def up(self, d: Dialect) -> list[str]:
        return [*drop_sync(d, self.table, self.column, self.new_name),
                f"ALTER TABLE {d.table(self.table)} DROP COLUMN {d.quote(self.column)}"]

    def describe(self) -> str:
        return f"ContractRenameColumn {self.table}.{self.column}"

    def deploy_before(self) -> list[str]:
        return [f"code that no longer reads or writes {self.table}.{self.column} (it uses {self.new_name}; "
                f"check ORMs that select every column)"]

    @property
    def contracts(self) -> tuple:  # type: ignore[override]
        return ("rename", self.table, self.column, self.new_name)


def drop_sync(d: Dialect, table: str, column: str, new_name: str) -> list[str]:
    t = d.table(table)
    if d.trigger_functions:
        name = d.quote(sync_name(table, column, new_name))
        return [f"DROP TRIGGER IF EXISTS {name} ON {t}", f"DROP FUNCTION IF EXISTS {name}()"]
    return [f"DROP TRIGGER IF EXISTS {d.quote(sync_name(table, column, new_name, s))}" for s in _TRIGGER_SUFFIXES[d.name]]


def _postgresql(d: Dialect, op: ExpandRenameColumn) -> list[str]:
    name, t = d.quote(sync_name(op.table, op.column, op.new_name)), d.table(op.table)
    old, new = d.quote(op.column), d.quote(op.new_name)
    body = (f"BEGIN\n"
            f"  IF TG_OP = 'INSERT' THEN\n"
            f"    IF NEW.{new} IS NULL THEN NEW.{new} := NEW.{old}; ELSIF NEW.{old} IS NULL THEN NEW.{old} := NEW.{new}; END IF;\n"
            f"  ELSIF NEW.{new} IS DISTINCT FROM OLD.{new} THEN NEW.{old} := NEW.{new};\n"
            f"  ELSIF NEW.{old} IS DISTINCT FROM OLD.{old} THEN NEW.{new} := NEW.{old};\n"
            f"  END IF;\n"
            f"  RETURN NEW;\n"
            f"END")
    return [f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $shoring$\n{body}\n$shoring$",
            f"CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {t} FOR EACH ROW EXECUTE FUNCTION {name}()"]


def _mysql(d: Dialect, op: ExpandRenameColumn) -> list[str]:
    t, old, new = d.table(op.table), d.quote(op.column), d.quote(op.new_name)
    ins = d.quote(sync_name(op.table, op.column, op.new_name, "_i"))
    upd = d.quote(sync_name(op.table, op.column, op.new_name, "_u"))
    return [
        f"CREATE TRIGGER {ins} BEFORE INSERT ON {t} FOR EACH ROW BEGIN "
        f"IF NEW.{new} IS NULL THEN SET NEW.{new} = NEW.{old}; ELSEIF NEW.{old} IS NULL THEN SET NEW.{old} = NEW.{new}; END IF; END",
        f"CREATE TRIGGER {upd} BEFORE UPDATE ON {t} FOR EACH ROW BEGIN "
        f"IF NOT (NEW.{new} <=> OLD.{new}) THEN SET NEW.{old} = NEW.{new}; "
        f"ELSEIF NOT (NEW.{old} <=> OLD.{old}) THEN SET NEW.{new} = NEW.{old}; END IF; END",
    ]


def _sqlite(d: Dialect, op: ExpandRenameColumn) -> list[str]:
    # SQLite triggers cannot change NEW: they write the row again after it (recursive triggers are off)
    t, old, new = d.table(op.table), d.quote(op.column), d.quote(op.new_name)
    name = lambda s: d.quote(sync_name(op.table, op.column, op.new_name, s))  # noqa: E731
    return [
        f"CREATE TRIGGER {name('_i')} AFTER INSERT ON {t} FOR EACH ROW BEGIN "
        f"UPDATE {t} SET {new} = COALESCE(NEW.{new}, NEW.{old}), {old} = COALESCE(NEW.{old}, NEW.{new}) "
        f"WHERE rowid = NEW.rowid; END",
        f"CREATE TRIGGER {name('_n')} AFTER UPDATE OF {new} ON {t} FOR EACH ROW WHEN NEW.{new} IS NOT OLD.{new} BEGIN "
        f"UPDATE {t} SET {old} = NEW.{new} WHERE rowid = NEW.rowid; END",
        f"CREATE TRIGGER {name('_o')} AFTER UPDATE OF {old} ON {t} FOR EACH ROW "
        f"WHEN NEW.{old} IS NOT OLD.{old} AND NEW.{new} IS OLD.{new} BEGIN "
        f"UPDATE {t} SET {new} = NEW.{old} WHERE rowid = NEW.rowid; END",
    ]


_SYNC = {"postgresql": _postgresql, "mysql": _mysql, "sqlite": _sqlite}
_TRIGGER_SUFFIXES = {"mysql": ("_i", "_u"), "sqlite": ("_i", "_n", "_o")}


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [ExpandRenameColumn("users", "name", "display_name", type="varchar(50)"), ContractRenameColumn("users", "name", "display_name")]
