"""The objects analysis hands out: operations, their facts, and analysed statements."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from operator import attrgetter
from typing import Any

#: PostgreSQL table lock modes, weakest first, spelled as `pg_locks.mode` spells them.
PG_LOCK_ORDER: tuple[str, ...] = (
    "AccessShareLock",
    "RowShareLock",
    "RowExclusiveLock",
    "ShareUpdateExclusiveLock",
    "ShareLock",
    "ShareRowExclusiveLock",
    "ExclusiveLock",
    "AccessExclusiveLock",
)
#: MySQL/MariaDB: the LOCK clause levels (and "ROW" for DML, which locks rows, not the table).
MYSQL_LOCK_ORDER: tuple[str, ...] = ("ROW", "NONE", "SHARED", "EXCLUSIVE")
#: UNKNOWN: the change depends on a definition analysis has not seen (no live schema): anything from
#: INSTANT to COPY. Only a known COPY is worse.
MYSQL_ALGORITHM_ORDER: tuple[str, ...] = ("INSTANT", "NOCOPY", "INPLACE", "UNKNOWN", "COPY")
#: SQLite locks the whole database file; RESERVED is the one-writer lock, EXCLUSIVE also shuts out readers.
SQLITE_LOCK_ORDER: tuple[str, ...] = ("SHARED", "RESERVED", "EXCLUSIVE")
#: SQLite's locks are per database, so they are reported under this relation name.
SQLITE_DATABASE = "<database>"

_RANK = {mode: i for order in (PG_LOCK_ORDER, MYSQL_LOCK_ORDER, SQLITE_LOCK_ORDER) for i, mode in enumerate(order)}
PG_BLOCKS_WRITES = frozenset(PG_LOCK_ORDER[PG_LOCK_ORDER.index("ShareLock"):])
PG_BLOCKS_READS = frozenset({"AccessExclusiveLock"})


def stronger(a: str | None, b: str | None) -> str | None:
    """The stronger of two lock modes of the same engine."""
    if a is None:
        return b
    if b is None:
        return a
    return a if _RANK.get(a, -1) >= _RANK.get(b, -1) else b


@dataclass(slots=True)
class ColumnSpec:
    """A column definition as written in CREATE TABLE or ADD COLUMN."""

    name: str
    type: str  # normalised: "int4", "varchar(20)", "enum('a','b')", ...
    not_null: bool = False
    default: str | None = None  # the expression's SQL text, None without a default
    default_kind: str = "none"  # none | constant | stable | volatile | expression (MySQL `(expr)`)
    generated: str | None = None  # "stored" | "virtual"
    identity: bool = False
    serial: bool = False  # serial/bigserial/smallserial (PostgreSQL) or AUTO_INCREMENT (MySQL)
    primary_key: bool = False
    unique: bool = False
    references: str | None = None  # inline REFERENCES table
    check: bool = False
    enum_values: tuple[str, ...] | None = None  # MySQL ENUM/SET members
    default_sql: str | None = None  # the default written out in full, where the reader can (see default_text)
    default_node: Any = None  # PostgreSQL: the default's parse tree, deparsed on demand
    charset: str | None = None  # MySQL: CHARACTER SET written on the column, or the live column's

    def __reduce__(self):
        return ColumnSpec, _column_fields(self)  # pickles in half the time of the slots default

    def copy(self) -> "ColumnSpec":
        """A copy the catalog may change (dataclasses.replace costs ten times more, once per column)."""
        return ColumnSpec(*_column_fields(self))

    def default_text(self) -> str | None:
        """The default expression as SQL (PostgreSQL defaults are deparsed only when asked for)."""
        if self.default_sql is None and self.default_node is not None:
            from shoring.analysis.postgresql import deparse, is_simple

            # a call without arguments or a constant reads the same as its hint: skip the deparser
            self.default_sql = self.default if is_simple(self.default_node) else (deparse(self.default_node) or self.default)
        return self.default_sql or self.default


_column_fields = attrgetter(*(f.name for f in fields(ColumnSpec)))


@dataclass(slots=True)
class Operation:
    """One thing a statement does. `kind` comes from the vocabulary in `shoring.analysis.operations`."""

    kind: str
    table: str | None = None
    column: str | None = None
    name: str | None = None  # index, constraint, type, schema or setting name
    attrs: dict[str, Any] = field(default_factory=dict)
    offset: int | None = None  # where in the statement's SQL this operation is written
    new_table: bool = False  # the table was created earlier in the same migration

    def get(self, key: str, default: Any = None) -> Any:
        return self.attrs.get(key, default)


@dataclass(slots=True)
class Effect:
    """The facts of one operation on one engine and server version (see the facts_* tables)."""

    locks: dict[str, str] = field(default_factory=dict)  # relation -> lock mode
    rewrites: tuple[str, ...] = ()
    scans: tuple[str, ...] = ()
    transactional: bool = True  # may run inside a transaction block
    backward_compatible: bool = True  # code written for the old schema keeps working
    destructive: bool = False  # data is lost
    online_ddl: tuple[str, str] | None = None  # MySQL/MariaDB (ALGORITHM, LOCK)
    supported: bool = True  # False: the server rejects this form (e.g. SQLite ALTER COLUMN)
    note: str = ""


@dataclass(slots=True)
class AnalyzedStatement:
    """A statement of a migration with what it does and what that costs while it runs.

    `locks` map each relation to the strongest mode taken (PostgreSQL modes as `pg_locks.mode`
    writes them; MySQL/MariaDB LOCK levels; SQLite database locks under "<database>").
    """

    index: int  # 1-based within its section
    line: int  # 1-based line of the statement in its file
    column: int
    sql: str
    section: str = "up"
    leading: str = ""  # comments just above the statement (suppressions live there)
    operations: list[Operation] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)  # one per operation
    tables: list[str] = field(default_factory=list)
    locks: dict[str, str] = field(default_factory=dict)
    rewrites: list[str] = field(default_factory=list)
    scans: list[str] = field(default_factory=list)
    blocks_reads: bool = False
    blocks_writes: bool = False
    backward_compatible: bool = True
    destructive: bool = False
    transactional: bool = True  # may run inside a transaction block
    in_transaction: bool = False  # runs inside a transaction block with its neighbours
    transaction: int | None = None  # which block (statements sharing it commit together)
    online_ddl: dict[str, str] | None = None
    error: str | None = None  # the parser's message when the statement cannot be read
    error_offset: int | None = None
    notes: list[str] = field(default_factory=list)
    action: Any = None  # what the runner runs in place of this statement (a backfill's batches, a table copy, ...)

    @property
    def operation(self) -> str:
        """One name for the statement: its only operation's kind, or e.g. "alter_table" for several."""
        if self.error:
            return "unparsed"
        kinds = [op.kind for op in self.operations]
        if not kinds:
            return "empty"
        if len(set(kinds)) == 1:
            return kinds[0]
        return "alter_table" if all(op.table == self.operations[0].table for op in self.operations) else "multiple"

    def position(self, offset: int | None) -> tuple[int, int]:
        """File (line, column) of a character offset inside this statement."""
        if not offset or offset <= 0:
            return self.line, self.column
        head = self.sql[:offset]
        newlines = head.count("\n")
        if not newlines:
            return self.line, self.column + offset
        return self.line + newlines, offset - head.rfind("\n")

    def to_dict(self) -> dict[str, Any]:
        """The per-statement object of the `shoring plan --format json` contract (without estimates)."""
        out: dict[str, Any] = {
            "index": self.index,
            "line": self.line,
            "sql": self.sql,
            "operation": self.operation,
            "operations": [
                {"kind": op.kind, "table": op.table, "column": op.column, "name": op.name, "new_table": op.new_table}
                for op in self.operations
            ],
            "tables": list(self.tables),
            "locks": dict(self.locks),
            "rewrites": list(self.rewrites),
            "scans": list(self.scans),
            "blocks_reads": self.blocks_reads,
            "blocks_writes": self.blocks_writes,
            "backward_compatible": self.backward_compatible,
            "destructive": self.destructive,
            "transactional": self.transactional,
        }
        if self.online_ddl is not None:
            out["online_ddl"] = dict(self.online_ddl)
        if self.error:
            out["error"] = self.error
        if self.notes:
            out["notes"] = list(self.notes)
        return out
