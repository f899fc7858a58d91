"""Locks that depend on the database's schema, not just the statement (PostgreSQL).

Analysis knows what a statement says; the live database knows what it touches besides: the
partitions of a partitioned table (most ALTERs and index builds take the parent's lock on every
partition), the indexes REINDEX TABLE rebuilds, the tables whose foreign keys a DELETE or INSERT
checks (their row-level triggers lock those tables), the tables a materialized view's stored query
reads. Each rule below was read from pg_locks on a real server (tests/plan/test_plan_pg_locks.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from shoring.analysis.model import PG_BLOCKS_READS, PG_BLOCKS_WRITES, AnalyzedStatement, stronger
from shoring.analysis.postgresql import query_sources
from shoring.engines.description import describe

#: operation kinds whose lock on a partitioned table is also taken on every partition
RECURSES_TO_PARTITIONS = frozenset({
    "add_column", "drop_column", "alter_column_type", "set_not_null", "drop_not_null", "set_default",
    "drop_default", "add_constraint", "validate_constraint", "create_index", "update", "delete", "select",
    "rename_column",
})
#: referential action of a foreign key -> what a DELETE (or key UPDATE) on the referenced table takes
#: on the referencing table: a check reads with FOR KEY SHARE, an action writes
FK_ACTION_LOCK = {"NO ACTION": "RowShareLock", "RESTRICT": "RowShareLock", "CASCADE": "RowExclusiveLock",
                  "SET NULL": "RowExclusiveLock", "SET DEFAULT": "RowExclusiveLock"}
#: a row written to the referencing table is checked against the referenced one with FOR KEY SHARE
FK_CHECK_LOCK = "RowShareLock"
INDEXES_SUFFIX = " (its indexes)"


@dataclass
class ForeignKey:
    table: str  # referencing
    columns: tuple[str, ...]
    referenced: str
    referenced_columns: tuple[str, ...] = ()
    on_delete: str = "NO ACTION"
    on_update: str = "NO ACTION"


@dataclass
class SchemaLocks:
    partitions: dict[str, list[str]] = field(default_factory=dict)  # parent -> direct partitions
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    indexes: dict[str, list[str]] = field(default_factory=dict)  # table -> index names
    views: dict[str, str] = field(default_factory=dict)  # (materialized) view -> its query
    materialized: set[str] = field(default_factory=set)  # the views of `views` that store their rows

    @classmethod
    def from_live(cls, live: Any) -> "SchemaLocks":
        out = cls()
        schema = live.schema
        if schema is None or not describe(schema.engine).locks_spread_to_related:
            return out
        out.partitions = {k: list(v) for k, v in live.partitions.items()}
        for name, table in schema.tables.items():
            out.indexes[name] = [i.name for i in table.indexes]
            for con in table.constraints:
                if con.kind == "foreign key":
                    fk = _foreign_key(name, con)
                    if fk is not None:
                        out.foreign_keys.append(fk)
        out.views = {name: v.definition for name, v in schema.views.items()}
        out.materialized = {name for name, v in schema.views.items() if v.materialized}
        return out

    def base_relations(self, view: str, seen: frozenset[str] = frozenset()) -> list[str]:
        """What a query reading a (plain) view really reads: the relations of its query, and theirs
        in turn where they are views too. A materialized view is read like a table."""
        if view not in self.views or view in self.materialized or view in seen:
            return []
        out: list[str] = []
        for src in query_sources(self.views[view]):
            if src not in out:
                out.append(src)
            out.extend(r for r in self.base_relations(src, seen | {view}) if r not in out)
        return out

    def all_partitions(self, parent: str) -> list[str]:
        out: list[str] = []
        for child in self.partitions.get(parent, []):
            out.append(child)
            out.extend(self.all_partitions(child))
        return out




_FK = re.compile(r"FOREIGN KEY \((?P<cols>[^)]*)\) REFERENCES (?P<ref>[^\s(]+)\s*(?:\((?P<refcols>[^)]*)\))?", re.I)
_ON = re.compile(r"ON (?P<event>DELETE|UPDATE) (?P<action>NO ACTION|RESTRICT|CASCADE|SET NULL|SET DEFAULT)", re.I)


def _foreign_key(table: str, con: Any) -> ForeignKey | None:
    m = _FK.search(con.definition)
    if not m:
        return None
    ref = m.group("ref").strip('"')
    ref = ref[len("public."):] if ref.startswith("public.") else ref
    fk = ForeignKey(table, _names(m.group("cols")), ref, _names(m.group("refcols") or ""))
    for on in _ON.finditer(con.definition):
        if on.group("event").upper() == "DELETE":
            fk.on_delete = on.group("action").upper()
        else:
            fk.on_update = on.group("action").upper()
    return fk


def _names(text: str) -> tuple[str, ...]:
    return tuple(c.strip().strip('"') for c in text.split(",") if c.strip())


def refine(st: AnalyzedStatement, known: SchemaLocks) -> list[str]:
    """Add the schema-dependent locks to an analysed PostgreSQL statement; returns notes on what was added."""
    notes: list[str] = []
    added: dict[str, str] = {}

    def lock(rel: str, mode: str) -> None:
        if not rel:
            return
        new = stronger(st.locks.get(rel), mode)
        if new != st.locks.get(rel):
            st.locks[rel] = new
            added[rel] = new

    for op in st.operations:
        if op.new_table:
            continue
        if op.kind in RECURSES_TO_PARTITIONS and op.table in known.partitions and op.table in st.locks:
            parts = known.all_partitions(op.table)
            for p in parts:
                lock(p, st.locks[op.table])
            if parts:
                notes.append(f"takes the same lock on every partition of {op.table}: {', '.join(parts)}")
        # a query is planned with its views expanded: the relations behind them are locked ACCESS SHARE
        # (a new view only records its query: nothing behind the views it names is touched)
        for src in op.get("sources") or () if op.kind in ("select", "insert", "create_table", "update", "delete") else ():
            for base in known.base_relations(src):
                lock(base, "AccessShareLock")
        for src in op.get("sources") or () if op.kind in ("select", "insert", "create_table", "create_view") else ():
            if src in known.partitions and src in st.locks:
                for p in known.all_partitions(src):
                    lock(p, st.locks[src])
        if op.kind == "reindex" and op.table in known.partitions:
            st.transactional = False  # REINDEX of a partitioned table: one transaction per partition
        if op.kind == "reindex" and op.table:
            pseudo = op.table + INDEXES_SUFFIX
            names = known.indexes.get(op.table)
            if pseudo in st.locks and names is not None:
                mode = st.locks.pop(pseudo)
                for name in names:
                    lock(name, mode)
        if op.kind in ("delete", "update", "insert"):
            _foreign_key_locks(op, known, lock)
        if op.kind == "refresh_view" and op.table in known.views:
            for src in query_sources(known.views[op.table]):
                lock(src, "AccessShareLock")
    for op in st.operations:
        if op.new_table:
            continue
        if op.kind in ("add_constraint", "validate_constraint") and not op.get("not_valid") and st.scans:
            for rel, mode in st.locks.items():  # a foreign key's check reads the referenced table too
                if rel != op.table and mode in ("ShareRowExclusiveLock", "RowShareLock") and rel not in st.scans:
                    st.scans.append(rel)
        if op.kind == "refresh_view" and op.table in known.views:
            for src in query_sources(known.views[op.table]):
                if src not in st.scans:
                    st.scans.append(src)
    # a view has no rows of its own: the tables behind it are what gets scanned
    for view in [r for r in st.scans if r in known.views and r not in known.materialized]:
        st.scans.remove(view)
        for base in known.base_relations(view):
            if base not in st.scans and (base not in known.views or base in known.materialized):
                st.scans.append(base)
    # a partitioned table has no storage of its own: its partitions are what gets scanned or rewritten
    for listing in (st.scans, st.rewrites):
        for parent in [r for r in listing if r in known.partitions]:
            listing.remove(parent)
            for p in known.all_partitions(parent):
                if p not in listing and p not in known.partitions:
                    listing.append(p)
    for rel in added:
        if rel not in st.tables and not rel.endswith(")"):
            st.tables.append(rel)
    modes = set(st.locks.values())
    st.blocks_reads = bool(modes & PG_BLOCKS_READS)
    st.blocks_writes = bool(modes & PG_BLOCKS_WRITES)
    return notes


def _foreign_key_locks(op: Any, known: SchemaLocks, lock) -> None:
    set_columns = set(op.get("columns") or ())
    for fk in known.foreign_keys:
        if op.kind in ("delete", "update") and fk.referenced == op.table and fk.table != op.table:
            if op.kind == "delete" or set_columns & set(fk.referenced_columns):
                action = fk.on_delete if op.kind == "delete" else fk.on_update
                lock(fk.table, FK_ACTION_LOCK.get(action, "RowShareLock"))
        if op.kind in ("insert", "update") and fk.table == op.table and fk.referenced != op.table:
            # a row whose key columns are not written (NULL) is not checked
            if (op.kind == "insert" and not set_columns) or set_columns & set(fk.columns):
                lock(fk.referenced, FK_CHECK_LOCK)
