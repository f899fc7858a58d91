"""A plain PostgreSQL table turned into a range-partitioned one while it stays in use: pgslice's
prep / fill / swap, done natively.

- prep (one transaction): `<table>_intermediate`, partitioned by `column`, one partition per
  `interval` from the oldest row to `future` intervals ahead plus a DEFAULT one, the original's
  primary key on each partition and its other indexes on the parent; a trigger on the original
  mirrors every insert, update and delete into it from then on;
- fill: key-range batches copy the rows (checkpointed: a stopped run resumes); each batch holds the
  copy's SHARE ROW EXCLUSIVE lock for its moment, so a concurrent write is either wholly before or
  wholly after it and nothing is copied stale;
- swap (one transaction, ACCESS EXCLUSIVE for a moment): the original becomes `<table>_retired`, the
  copy takes its name and its sequences; a trigger on the new table keeps the retired one current.

Rollback swaps back (the retired table has every write made since) and drops the partitioned copy.
`ContractPartitionTable(table)`, in a later migration, drops the retired table and its trigger.
Unique indexes other than the primary key cannot be kept (a partitioned table enforces uniqueness only
per partition): such a table is refused before anything is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from shoring.errors import ShoringError
from shoring.operations.base import BaseOperation, Step, check_identifier
from shoring.operations.dialects import Dialect

INTERVALS = {"day": "YYYYMMDD", "week": "IYYY\"w\"IW", "month": "YYYYMM", "year": "YYYY"}


def names(table: str) -> dict[str, str]:
    out = {"intermediate": f"{table}_intermediate", "retired": f"{table}_retired", "default": f"{table}_default",
           "sync": f"{table}_shoring_fill", "back": f"{table}_shoring_retired"}
    for what, name in out.items():
        if len(name) > 63:
            raise ShoringError(f"the {what} table/trigger name {name!r} would be longer than PostgreSQL's 63 characters")
    return out


#: what PartitionTable and its contract need of the engine, and what it says where that is missing
_NEEDS = "declarative_partitioning"
_UNSUPPORTED = ("PartitionTable uses PostgreSQL's declarative partitioning; MySQL/MariaDB and SQLite have no "
                "equivalent shoring can swap in online")


@dataclass(frozen=True)
class PartitionTable(BaseOperation):
    table: str
    column: str  # the partition key: a date or timestamp column
    interval: str  # day, week, month or year
    key: str = "id"  # a unique, ordered column (the primary key) the fill walks by
    future: int = 3  # partitions made ahead of today
    batch_size: int = 10000
    pause: float = 0.05
    target_seconds: float | None = None
    outside_transaction = True  # the fill commits batch by batch
    needs, unsupported = _NEEDS, _UNSUPPORTED

    def __post_init__(self):
        for what in ("table", "column", "key"):
            check_identifier(getattr(self, what), what)
        if self.interval not in INTERVALS:
            raise ShoringError(f"interval must be one of {', '.join(INTERVALS)}, not {self.interval!r}")
        names(self.table)

    def up(self, d: Dialect) -> list[Step]:
        self.require(d)
        n = names(self.table)
        sql = (f"CREATE TABLE {d.quote(n['intermediate'])} (LIKE {d.quote(self.table)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) "
               f"PARTITION BY RANGE ({d.quote(self.column)})")
        return [Step(sql, Partition(self))]

    def down(self, d: Dialect) -> list[Step]:
        self.require(d)
        return [Step(f"DROP TABLE IF EXISTS {d.quote(names(self.table)['intermediate'])}", Unpartition(self.table, self.key))]

    def describe(self) -> str:
        return f"PartitionTable {self.table} by {self.interval} of {self.column}"

    @property
    def expands(self) -> tuple:  # type: ignore[override]
        return ("partition", self.table, "*", "*")  # (kind, table, column, other): the whole table

    def contract(self) -> "ContractPartitionTable":
        return ContractPartitionTable(self.table)


@dataclass(frozen=True)
class ContractPartitionTable(BaseOperation):
    """Drop the retired original and the trigger that kept it current, once rollback is no longer wanted."""

    table: str
    # the data lives on in the partitioned table: dropping the retired copy loses nothing, breaks no code
    lint_handled = BaseOperation.lint_handled | {"drop-table", "missing-down"}
    plan_handled = frozenset({"drop_table", "drop_function", "drop_trigger"})
    needs, unsupported = _NEEDS, _UNSUPPORTED

    def __post_init__(self):
        check_identifier(self.table, "table")

    def deploy_before(self) -> list[str]:
        return [f"nothing that reads {self.table}_retired (it was kept only for a rollback of the partitioning)"]

    def up(self, d: Dialect) -> list[str]:
        self.require(d)
        n = names(self.table)
        return [f"DROP TRIGGER IF EXISTS {d.quote(n['back'])} ON {d.quote(self.table)}",
                f"DROP FUNCTION IF EXISTS {d.quote(n['back'])}()",
                f"DROP TABLE IF EXISTS {d.quote(n['retired'])}"]

    def down(self, d: Dialect) -> None:
        return None

    def describe(self) -> str:
        return f"ContractPartitionTable {self.table}"

    @property
    def contracts(self) -> tuple:  # type: ignore[override]
        return ("partition", self.table, "*", "*")  # (kind, table, column, other): the whole table


def _mirror(engine: Any, name: str, source: str, target: str, key: str, partition_by: str | None = None) -> list[str]:
    """A trigger on `source` repeating each row change in `target` (same columns, same order). Where
    `target` is partitioned by `partition_by`, the old row is looked for in its own partition only: by
    the key alone, every write of the application would probe every partition's index."""
    q = engine.quote
    delete = f"DELETE FROM {q(target)} WHERE {q(key)} = OLD.{q(key)}"
    if partition_by:  # a NULL partition key is in the default partition, which `=` would not find
        delete = (f"IF OLD.{q(partition_by)} IS NULL THEN {delete}; "
                  f"ELSE {delete} AND {q(partition_by)} = OLD.{q(partition_by)}; END IF")
    body = (f"BEGIN\n  IF TG_OP IN ('UPDATE', 'DELETE') THEN {delete}; END IF;\n"
            f"  IF TG_OP IN ('INSERT', 'UPDATE') THEN INSERT INTO {q(target)} SELECT NEW.*; END IF;\n  RETURN NULL;\nEND")
    return [f"CREATE OR REPLACE FUNCTION {q(name)}() RETURNS trigger LANGUAGE plpgsql AS $shoring$\n{body}\n$shoring$",
            f"DROP TRIGGER IF EXISTS {q(name)} ON {q(source)}",
            f"CREATE TRIGGER {q(name)} AFTER INSERT OR UPDATE OR DELETE ON {q(source)} FOR EACH ROW EXECUTE FUNCTION {q(name)}()"]


def _sequences(engine: Any, table: str) -> list[tuple[str, str]]:
    """(sequence, column) of the sequences owned by the table's columns (serial, identity-less defaults)."""
    return engine.query(
        "SELECT s.relname, a.attname FROM pg_depend dep JOIN pg_class s ON s.oid = dep.objid AND s.relkind = 'S' "
        "JOIN pg_attribute a ON a.attrelid = dep.refobjid AND a.attnum = dep.refobjsubid "
        "WHERE dep.refobjid = to_regclass(%s) AND dep.deptype = 'a'", [engine.quote(table)])


def _relkind(engine: Any, name: str) -> str | None:
    row = engine.query_one("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [engine.quote(name)])
    return row[0] if row else None


@dataclass(frozen=True)
class Partition:
    """prep, fill and swap as one statement's action (see shoring.operations.base.Step)."""

    op: PartitionTable

    # walk_batches reads these
    @property
    def table(self) -> str:
        return self.op.table

    @property
    def key(self) -> str:
        return self.op.key

    @property
    def batch_size(self) -> int:
        return self.op.batch_size

    @property
    def pause(self) -> float:
        return self.op.pause

    @property
    def target_seconds(self) -> float | None:
        return self.op.target_seconds

    def run(self, engine: Any, *, checkpoint: Any = None, say: Callable[[str], None] = lambda s: None,
            own_transactions: bool = True, **options: Any) -> Any:
        from shoring.backfill.run import own_transaction, walk_batches

        if not own_transactions:
            raise ShoringError("PartitionTable copies in batches, each committed: it cannot run inside a transaction "
                               "(remove `Transaction: true` from the migration's header)")
        n, q, t = names(self.table), engine.quote, self.table
        if _relkind(engine, n["retired"]) is not None and _relkind(engine, t) == "p":
            say(f"  {t} is already partitioned (an earlier run swapped it in)")
            return None
        if _relkind(engine, t) != "r":
            raise ShoringError(f"{t} is not a plain table here" + (" (it is partitioned already)" if _relkind(engine, t) == "p" else ""))
        if _relkind(engine, n["intermediate"]) is None:
            with own_transaction(engine):
                self.prep(engine, say)
        else:
            say(f"  {n['intermediate']} exists: resuming the fill")
        inter = q(n["intermediate"])

        def batch(after: str, bound: list, high: Any) -> int:
            rng = f"{after}{q(self.key)} <= %s"
            engine.execute(f"LOCK TABLE {inter} IN SHARE ROW EXCLUSIVE MODE")
            engine.execute(f"DELETE FROM {inter} WHERE {rng}", [*bound, high])
            return engine.execute(f"INSERT INTO {inter} SELECT * FROM {q(t)} WHERE {rng}", [*bound, high])

        result = walk_batches(engine, self, batch, checkpoint=checkpoint, say=say, label=f"copy of {t} into {n['intermediate']}")
        with own_transaction(engine):
            self.swap(engine, say)
        return result

    def prep(self, engine: Any, say: Callable[[str], None]) -> None:
        op, n, q, t = self.op, names(self.table), engine.quote, self.table
        uniques = engine.query(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisunique AND NOT i.indisprimary", [q(t)])
        if uniques:
            raise ShoringError(f"{t} has unique index {uniques[0][0]}, which a partitioned table could enforce only per "
                               f"partition: drop it or make it part of the primary key first")
        pk = [r[0] for r in engine.query(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)", [q(t)])]
        if pk != [op.key]:
            raise ShoringError(f"PartitionTable walks {t} by its primary key: key= must be it ({', '.join(pk) or 'none'}), not {op.key!r}")
        inter = q(n["intermediate"])
        engine.execute(f"CREATE TABLE {inter} (LIKE {q(t)} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE "
                       f"INCLUDING COMMENTS INCLUDING GENERATED) PARTITION BY RANGE ({q(op.column)})")
        unit = op.interval
        bounds = engine.query(
            f"SELECT to_char(g, %s), to_char(g, 'YYYY-MM-DD HH24:MI:SS'), to_char(g + interval '1 {unit}', 'YYYY-MM-DD HH24:MI:SS') "
            f"FROM generate_series("
            f"  date_trunc('{unit}', coalesce((SELECT min({q(op.column)}) FROM {q(t)})::timestamp, now()::timestamp)),"
            f"  date_trunc('{unit}', greatest(coalesce((SELECT max({q(op.column)}) FROM {q(t)})::timestamp, now()::timestamp),"
            f"                              now()::timestamp)) + interval '{int(op.future)} {unit}',"
            f"  interval '1 {unit}') g", [INTERVALS[unit]])
        for suffix, low, high in bounds:
            part = q(f"{t}_p{suffix}")
            engine.execute(f"CREATE TABLE {part} PARTITION OF {inter} FOR VALUES FROM ('{low}') TO ('{high}')")
        engine.execute(f"CREATE TABLE {q(n['default'])} PARTITION OF {inter} DEFAULT")
        for part in [f"{t}_p{suffix}" for suffix, _, _ in bounds] + [n["default"]]:
            engine.execute(f"ALTER TABLE {q(part)} ADD PRIMARY KEY ({q(op.key)})")
        for (definition,) in engine.query(
                "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid = to_regclass(%s) AND NOT i.indisunique",
                [q(t)]):
            # "CREATE INDEX name ON public.t USING ..." -> an index of the same columns on the copy (named by PostgreSQL)
            engine.execute(re.sub(r"^CREATE INDEX \S+ ON \S+", f"CREATE INDEX ON {inter}", definition))
        for statement in _mirror(engine, n["sync"], t, n["intermediate"], op.key, op.column):
            engine.execute(statement)
        say(f"  {n['intermediate']}: {len(bounds)} {unit} partition(s) and a default one; writes to {t} mirrored into it")

    def swap(self, engine: Any, say: Callable[[str], None]) -> None:
        n, q, t = names(self.table), engine.quote, self.table
        engine.execute(f"LOCK TABLE {q(t)}, {q(n['intermediate'])} IN ACCESS EXCLUSIVE MODE")
        sequences = _sequences(engine, t)
        engine.execute(f"DROP TRIGGER IF EXISTS {q(n['sync'])} ON {q(t)}")
        engine.execute(f"DROP FUNCTION IF EXISTS {q(n['sync'])}()")
        engine.execute(f"ALTER TABLE {q(t)} RENAME TO {q(n['retired'])}")
        engine.execute(f"ALTER TABLE {q(n['intermediate'])} RENAME TO {q(t)}")
        for sequence, column in sequences:
            engine.execute(f"ALTER SEQUENCE {q(sequence)} OWNED BY {q(t)}.{q(column)}")
        for statement in _mirror(engine, n["back"], t, n["retired"], self.key):
            engine.execute(statement)
        say(f"  swapped: {t} is partitioned; the original is {n['retired']}, kept current for rollback")


@dataclass(frozen=True)
class Unpartition:
    """Rollback: the original back in place (current, thanks to its trigger), the partitioned copy dropped;
    before the swap, only the copy and the fill trigger are taken away."""

    table: str
    key: str

    def run(self, engine: Any, *, own_transactions: bool = True, say: Callable[[str], None] = lambda s: None,
            **options: Any) -> None:
        from shoring.backfill.run import own_transaction

        n, q, t = names(self.table), engine.quote, self.table
        with own_transaction(engine, own_transactions):
            if _relkind(engine, n["retired"]) == "r" and _relkind(engine, t) == "p":
                engine.execute(f"LOCK TABLE {q(t)}, {q(n['retired'])} IN ACCESS EXCLUSIVE MODE")
                sequences = _sequences(engine, t)
                engine.execute(f"DROP TRIGGER IF EXISTS {q(n['back'])} ON {q(t)}")
                engine.execute(f"DROP FUNCTION IF EXISTS {q(n['back'])}()")
                engine.execute(f"ALTER TABLE {q(t)} RENAME TO {q(n['intermediate'])}")
                engine.execute(f"ALTER TABLE {q(n['retired'])} RENAME TO {q(t)}")
                for sequence, column in sequences:
                    engine.execute(f"ALTER SEQUENCE {q(sequence)} OWNED BY {q(t)}.{q(column)}")
                say(f"  {t} is the original table again")
            elif _relkind(engine, t) == "r":
                engine.execute(f"DROP TRIGGER IF EXISTS {q(n['sync'])} ON {q(t)}")
                engine.execute(f"DROP FUNCTION IF EXISTS {q(n['sync'])}()")
            engine.execute(f"DROP TABLE IF EXISTS {q(n['intermediate'])}")


#: How it is written, for docs/operations.md (each engine's SQL is rendered from it)
EXAMPLES = [PartitionTable("events", "created_at", "month"), ContractPartitionTable("events")]
