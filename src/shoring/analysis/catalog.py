"""The schema as the migrations built it so far, replayed from their operations.

Facts depend on what already exists: whether a table was created earlier in the same migration
(nobody else can be using it yet), a column's type before a type change (is it a safe widening?),
whether a validated `CHECK (c IS NOT NULL)` lets SET NOT NULL skip its scan, a MySQL enum's members
before they are redefined. Analysis replays each migration's up section into this catalog, in order;
a down section is replayed into a `copy()`, so that the catalog stays the state after up.
Only what the migrations say is known; a table they never created is "unknown", never "empty".
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

from shoring.analysis.model import ColumnSpec, Operation


@dataclass
class Check:
    name: str | None
    columns: frozenset[str]
    not_null_of: str | None  # CHECK (c IS NOT NULL) names c
    valid: bool


@dataclass
class Table:
    name: str
    created_in: str | None  # migration key that created it
    known: bool = True  # False: a table the migrations never created; only what they did to it is known
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    indexes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> columns (leading first)
    foreign_keys: list[tuple[str | None, tuple[str, ...], str | None]] = field(default_factory=list)
    # MySQL-family, from a live schema (None/False: not known): the default character set a column
    # redefined without CHARACTER SET gets, and index kinds that change what an ALTER can do online
    charset: str | None = None
    fulltext: bool = False  # has a FULLTEXT index
    indexed_virtual: frozenset[str] = frozenset()  # virtual generated columns that an index covers

    def copy(self) -> "Table":
        """A copy that shares nothing the replay changes (columns, checks, index and key lists)."""
        return Table(self.name, self.created_in, self.known, {n: c.copy() for n, c in self.columns.items()},
                     [Check(c.name, c.columns, c.not_null_of, c.valid) for c in self.checks],
                     dict(self.indexes), list(self.foreign_keys), self.charset, self.fulltext, self.indexed_virtual)


@dataclass
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)
    index_table: dict[str, str] = field(default_factory=dict)  # index name -> table
    enums: dict[str, list[str]] = field(default_factory=dict)  # PostgreSQL enum type -> labels
    current: str | None = None  # key of the migration being analysed
    added: set[tuple[str, str]] = field(default_factory=set)  # (table, column) the current migration added
    # copy-on-write bookkeeping (see copy()): not part of what the catalog says, never pickled
    shared: set[str] = field(default_factory=set, compare=False, repr=False)  # tables a copy may also hold
    family: list = field(default_factory=list, compare=False, repr=False)  # weak references to copies of one another
    settings: dict[str, str] = field(default_factory=dict)  # the server's session defaults, where read (PostgreSQL TimeZone)
    complete: bool = False  # every table and index is known (a live schema): what is not here does not exist

    def begin(self, key: str) -> None:
        self.current = key
        self.added = set()

    def copy(self) -> "Catalog":
        """A catalog to replay into (a down section, a probe) while this one stays as it is, and the
        other way round. Tables are shared until one side changes them while the other still
        exists, so a copy costs little even after a long history of migrations."""
        if not self.family:
            self.family.append(weakref.ref(self))
        self.shared = set(self.tables)
        other = Catalog(dict(self.tables), dict(self.index_table), {k: list(v) for k, v in self.enums.items()},
                        self.current, set(self.added), set(self.shared), self.family, dict(self.settings), self.complete)
        self.family.append(weakref.ref(other))
        return other

    def own(self, name: str | None) -> Table | None:
        """The table, to change: copied first if another catalog of its family may hold it."""
        t = self.tables.get(name) if name else None
        if t is not None and name in self.shared:
            self.shared.discard(name)
            if self._not_alone():
                t = self.tables[name] = t.copy()
        return t

    def _not_alone(self) -> bool:
        self.family[:] = [ref for ref in self.family if ref() is not None]
        if len(self.family) > 1:
            return True
        self.shared.clear()  # every copy is gone: nothing is shared any more
        return False

    def put(self, table: Table) -> None:
        """Add (or replace) a table this catalog owns."""
        self.tables[table.name] = table
        self.shared.discard(table.name)

    def __getstate__(self) -> dict:
        # another process (parallel lint) gets its own tables: nothing is shared with it
        return {k: v for k, v in self.__dict__.items() if k not in ("shared", "family")}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, shared=set(), family=[])

    def table(self, name: str | None) -> Table | None:
        return self.tables.get(name) if name else None

    def table_or_stub(self, name: str | None) -> Table | None:
        """The table to change, or an empty stand-in that records what later migrations do to a
        pre-existing one."""
        if not name:
            return None
        t = self.own(name)
        if t is None:
            t = Table(name=name, created_in=None, known=False)
            self.put(t)
        return t

    def is_new(self, name: str | None) -> bool:
        """Created earlier in the migration being analysed: nothing else uses it yet."""
        t = self.tables.get(name) if name else None  # self.table(name), inlined: rules ask for every lock
        return t is not None and self.current is not None and t.created_in == self.current

    def column(self, table: str | None, column: str | None) -> ColumnSpec | None:
        t = self.table(table)
        return t.columns.get(column) if t and column else None

    def has_valid_not_null_check(self, table: str | None, column: str | None) -> bool:
        t = self.table(table)
        return bool(t) and any(c.valid and c.not_null_of == column for c in t.checks)

    def checks_on(self, table: str | None, column: str | None) -> list[Check]:
        t = self.table(table)
        return [c for c in t.checks if column in c.columns] if t else []

    def has_index_on(self, table: str | None, columns: tuple[str, ...]) -> bool:
        """An index (or primary key/unique) whose leading columns are `columns`."""
        t = self.table(table)
        n = len(columns)
        return bool(t) and any(cols[:n] == columns for cols in t.indexes.values())

    # --- replay -----------------------------------------------------------------------------

    def apply(self, op: Operation) -> None:
        handler = _APPLY.get(op.kind)
        if handler is not None:
            handler(self, op)


def _create_table(cat: Catalog, op: Operation) -> None:
    if op.get("if_not_exists") and op.table in cat.tables:
        return
    t = Table(name=op.table, created_in=cat.current)
    for spec in op.get("columns") or ():
        cat.added.add((op.table, spec.name))
        t.columns[spec.name] = spec.copy()  # replaying later changes must not edit the operation
        if spec.primary_key or spec.unique:
            t.indexes[f"{op.table}_{spec.name}_key"] = (spec.name,)
    for con in op.get("constraints") or ():
        _add_constraint_to(t, con)
    cat.put(t)


def _add_constraint_to(t: Table, con: dict) -> None:
    kind = con.get("constraint")
    cols = tuple(con.get("columns") or ())
    if kind == "check":
        t.checks.append(Check(con.get("name"), frozenset(cols), con.get("not_null_of"), not con.get("not_valid")))
    elif kind in ("primary_key", "unique") and cols:
        t.indexes[con.get("name") or f"{t.name}_{'_'.join(cols)}_key"] = cols
        if kind == "primary_key":
            for c in cols:
                if c in t.columns:
                    t.columns[c].not_null = True
    elif kind == "foreign_key":
        t.foreign_keys.append((con.get("name"), cols, con.get("references")))


def _drop_table(cat: Catalog, op: Operation) -> None:
    t = cat.tables.pop(op.table, None)
    cat.shared.discard(op.table)
    if t:
        for name in t.indexes:
            cat.index_table.pop(name, None)


def _rename_table(cat: Catalog, op: Operation) -> None:
    t = cat.own(op.table)
    new = op.get("new_name")
    if t is not None:
        del cat.tables[op.table]
    if t and new:
        t.name = new
        cat.put(t)
        for name, table in list(cat.index_table.items()):
            if table == op.table:
                cat.index_table[name] = new


def _add_column(cat: Catalog, op: Operation) -> None:
    t = cat.table_or_stub(op.table)
    spec = op.get("spec")
    if spec is not None:
        cat.added.add((op.table, spec.name))
    if t is not None and spec is not None:
        t.columns[spec.name] = spec.copy()
        if spec.check:
            t.checks.append(Check(None, frozenset({spec.name}), None, True))


def _drop_column(cat: Catalog, op: Operation) -> None:
    """The column goes, and with it the checks, foreign keys and indexes that use it (MySQL/MariaDB
    keep an index without the column while it has other columns left)."""
    t = cat.own(op.table)
    if t is None:
        return
    c = op.column
    t.columns.pop(c, None)
    t.checks = [k for k in t.checks if c not in k.columns]
    t.foreign_keys = [fk for fk in t.foreign_keys if c not in fk[1]]
    for name, cols in list(t.indexes.items()):
        if c not in cols:
            continue
        rest = tuple(x for x in cols if x != c) if op.get("shrinks_indexes") else ()
        if rest:
            t.indexes[name] = rest
        else:
            del t.indexes[name]
            if cat.index_table.get(name) == t.name:
                del cat.index_table[name]


def _rename_column(cat: Catalog, op: Operation) -> None:
    t = cat.own(op.table)
    new = op.get("new_name")
    if (op.table, op.column) in cat.added and new:
        cat.added.add((op.table, new))
    if t is not None and op.column in t.columns and new:
        spec = t.columns.pop(op.column)
        spec.name = new
        t.columns[new] = spec


def _column(cat: Catalog, op: Operation) -> ColumnSpec | None:
    """The column `op` changes, in a table this catalog owns."""
    t = cat.own(op.table) if op.column else None
    return t.columns.get(op.column) if t is not None else None


def _alter_type(cat: Catalog, op: Operation) -> None:
    col = _column(cat, op)
    if col is not None and op.get("type"):
        col.type = op.get("type")
        spec = op.get("spec")
        if spec is not None and spec.enum_values is not None:
            col.enum_values = spec.enum_values


def _set_not_null(cat: Catalog, op: Operation) -> None:
    col = _column(cat, op)
    if col is not None:
        col.not_null = True


def _drop_not_null(cat: Catalog, op: Operation) -> None:
    col = _column(cat, op)
    if col is not None:
        col.not_null = False


def _add_constraint(cat: Catalog, op: Operation) -> None:
    t = cat.table_or_stub(op.table)
    if t is not None:
        _add_constraint_to(t, {**op.attrs, "name": op.name})


def _validate(cat: Catalog, op: Operation) -> None:
    t = cat.own(op.table)
    if t is not None:
        for c in t.checks:
            if c.name == op.name:
                c.valid = True


def _drop_constraint(cat: Catalog, op: Operation) -> None:
    t = cat.own(op.table)
    if t is not None:
        t.checks = [c for c in t.checks if c.name != op.name]
        t.foreign_keys = [fk for fk in t.foreign_keys if fk[0] != op.name]
        t.indexes.pop(op.name, None)


def _create_index(cat: Catalog, op: Operation) -> None:
    t = cat.table_or_stub(op.table)
    name = op.name or f"{op.table}_{'_'.join(op.get('columns') or ())}_idx"
    cat.index_table[name] = op.table
    if t is not None:
        t.indexes[name] = tuple(op.get("columns") or ())


def _drop_index(cat: Catalog, op: Operation) -> None:
    table = cat.index_table.pop(op.name, None) or op.table
    t = cat.own(table)
    if t is not None:
        t.indexes.pop(op.name, None)


def _create_type(cat: Catalog, op: Operation) -> None:
    if op.get("enum_values") is not None:
        cat.enums[op.name] = list(op.get("enum_values"))


def _add_enum_value(cat: Catalog, op: Operation) -> None:
    labels = cat.enums.get(op.name)
    value = op.get("value")
    if labels is None or value in labels:
        return
    anchor = op.get("before") or op.get("after")
    if anchor in labels:
        i = labels.index(anchor) + (1 if op.get("after") else 0)
        labels.insert(i, value)
    else:
        labels.append(value)


_APPLY = {
    "create_table": _create_table,
    "drop_table": _drop_table,
    "rename_table": _rename_table,
    "add_column": _add_column,
    "drop_column": _drop_column,
    "rename_column": _rename_column,
    "alter_column_type": _alter_type,
    "set_not_null": _set_not_null,
    "drop_not_null": _drop_not_null,
    "add_constraint": _add_constraint,
    "validate_constraint": _validate,
    "drop_constraint": _drop_constraint,
    "create_index": _create_index,
    "drop_index": _drop_index,
    "create_type": _create_type,
    "add_enum_value": _add_enum_value,
}

#: operation kinds that change the catalog when replayed
CHANGING_KINDS = frozenset(_APPLY)
