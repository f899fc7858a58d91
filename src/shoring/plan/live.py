"""The target database as the plan sees it: its schema as an analysis catalog, its table sizes.

The database is only read. The schema comes from `shoring.verify.snapshot` (the server's own
deparsers) and is turned into the same `Catalog` that replaying migrations builds, with types
normalised by the same parsers that read migrations, so "varchar(10)" in the database and
"VARCHAR(20)" in a migration compare as the analysis expects.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from shoring.analysis.catalog import Catalog, Check, Table
from shoring.analysis.model import ColumnSpec
from shoring.engines.description import describe
from shoring.plan.model import TableVolume

#: key the live schema is replayed under: nothing in it is "new" to any migration
LIVE = "<database>"


@dataclass
class LiveDatabase:
    """What was read from the target: engine, version, schema, sizes, and the open connection."""

    engine: Any  # shoring.engines.Engine, read-only session
    schema: Any  # shoring.verify.Schema
    stats: dict[str, Any]  # table -> shoring.verify.TableStats
    history_table: str = "shoring_migrations"
    partitions: dict[str, list[str]] = field(default_factory=dict)  # partitioned table -> its partitions
    notes: list[str] = field(default_factory=list)
    counted_seconds: float = 0.0  # spent counting rows (SQLite)

    @property
    def name(self) -> str:
        return self.engine.name

    @property
    def server_version(self) -> str:
        return self.engine.server_version

    def volume(self, table: str) -> TableVolume | None:
        if table in self.partitions:  # no storage of its own: the sum of its partitions
            parts = [self.volume(p) for p in self.partitions[table]]
            if not parts or any(v is None or v.rows is None for v in parts):
                return TableVolume(None, None, "unknown")
            return TableVolume(sum(v.rows for v in parts), sum(v.bytes or 0 for v in parts),
                               "statistics of its partitions")
        st = self.stats.get(table)
        if st is None:
            return None
        source = "count" if st.exact else "statistics" if st.rows is not None else "unknown"
        return TableVolume(st.rows, st.bytes, source)

    def catalog(self) -> Catalog:
        cat = catalog_from_schema(self.schema)
        cat.complete = True
        cat.settings.update(self.engine.analysis_settings())
        return cat

    def explain_rows(self, sql: str) -> int | None:
        """The planner's row estimate for a statement (SQLite's count), without running it; None if it cannot say.
        SQLite counts stop once they took `COUNT_BUDGET` seconds in all: a plan stays quick."""
        if not self.engine.description.estimates_rows and self.counted_seconds > COUNT_BUDGET:
            return None
        t0 = time.perf_counter()
        try:
            return explain_rows(self.engine, sql)
        finally:
            self.counted_seconds += time.perf_counter() - t0

    @property
    def rows_source(self) -> str:
        """How `explain_rows` knows: SQLite's planner keeps no row estimates, so its rows are counted."""
        return "planner estimate" if self.engine.description.estimates_rows else "counted"

    def columns_without_statistics(self, table: str, columns: list[str]) -> list[str]:
        """Columns the planner has no statistics for: its estimates about them are guesses."""
        return self.engine.columns_without_statistics(table, columns)


def open_live(engine: Any, history_table: str = "shoring_migrations") -> LiveDatabase:
    """Read schema and sizes through an engine whose session was made read-only (see `read_only_session`)."""
    from shoring import verify

    schema = verify.snapshot(engine, history_table=history_table)
    stats = verify.table_stats(engine, schema)
    partitions: dict[str, list[str]] = {}
    for name, table in schema.tables.items():
        if table.partition_of:
            partitions.setdefault(table.partition_of, []).append(name)
    return LiveDatabase(engine=engine, schema=schema, stats=stats, history_table=history_table, partitions=partitions)


def read_only_session(engine: Any) -> None:
    """Make the session refuse writes, and never queue behind a migration's lock for long."""
    engine.read_only_session()


# --- schema -> catalog ----------------------------------------------------------------------------

def _charset_of(collation: str | None) -> str | None:
    """utf8mb4_general_ci -> utf8mb4 (MySQL names a collation after its character set)."""
    return collation.split("_")[0].lower() if collation else None


def catalog_from_schema(schema: Any) -> Catalog:
    cat = Catalog()
    normalise = _TYPE_NORMALISERS[schema.engine]
    innodb = describe(schema.engine).online_ddl_catalog
    types = normalise([c.type for t in schema.tables.values() for c in t.columns])
    for tname, table in schema.tables.items():
        t = Table(name=tname, created_in=LIVE)
        if innodb:
            t.charset = _charset_of(dict(table.options).get("collation"))
            t.fulltext = any(idx.definition.startswith("fulltext") for idx in table.indexes)
            virtual = {c.name for c in table.columns if (c.generated or "").startswith("virtual")}
            t.indexed_virtual = frozenset(c for idx in table.indexes for c in idx.columns if c in virtual)
        for col in table.columns:
            spec = ColumnSpec(name=col.name, type=types.get(col.type, col.type.lower()), not_null=not col.nullable,
                              default=col.default, default_kind="constant" if col.default is not None else "none")
            if col.identity in ("always", "by default"):
                spec.identity = True
            if col.identity in ("auto_increment", "autoincrement"):
                spec.serial = True
            if innodb:
                spec.charset = _charset_of(col.collation) or t.charset
                if (col.generated or "").startswith("virtual"):
                    spec.generated = "virtual"
            if innodb and spec.type.startswith(("enum(", "set(")):
                spec.enum_values = _enum_members(spec.type)
            t.columns[col.name] = spec
        for con in table.constraints:
            cols = tuple(con.columns)
            if con.kind in ("primary key", "unique"):
                t.indexes[con.name] = cols
                if con.kind == "primary key":
                    for c in cols:
                        if c in t.columns:
                            t.columns[c].not_null = True
            elif con.kind == "foreign key":
                t.foreign_keys.append((con.name, cols, _referenced(con.definition)))
            elif con.kind == "check":
                t.checks.append(Check(con.name, frozenset(cols or _columns_of_check(schema.engine, con.definition)),
                                      _not_null_of(schema.engine, con.definition), con.validated))
        for idx in table.indexes:
            t.indexes.setdefault(idx.name, tuple(idx.columns))
            cat.index_table[idx.name] = tname
        for name in t.indexes:
            cat.index_table.setdefault(name, tname)
        cat.tables[tname] = t
    for name, enum in getattr(schema, "enums", {}).items():
        cat.enums[name] = list(enum.labels)
    return cat


def _enum_members(type_text: str) -> tuple[str, ...]:
    inner = type_text[type_text.index("(") + 1: type_text.rindex(")")]
    members, cur, quoted = [], [], False
    i = 0
    while i < len(inner):
        ch = inner[i]
        if ch == "'":
            if quoted and i + 1 < len(inner) and inner[i + 1] == "'":
                cur.append("'")
                i += 2
                continue
            quoted = not quoted
        elif ch == "," and not quoted:
            members.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
    members.append("".join(cur))
    return tuple(m.strip() for m in members)


def _referenced(definition: str) -> str | None:
    import re

    m = re.search(r"references\s+([^\s(]+)", definition, re.I)
    if not m:
        return None
    name = m.group(1).strip('"`')
    return name[len("public."):] if name.startswith("public.") else name


def _pg_types(types: list[str]) -> dict[str, str]:
    """format_type() spellings -> the analysis spelling ("character varying(10)" -> "varchar(10)")."""
    from pglast import parser

    from shoring.analysis.postgresql import type_name

    out: dict[str, str] = {}
    for typ in dict.fromkeys(types):
        try:
            tree = json.loads(parser.parse_sql_json(f"SELECT NULL::{typ}"))
            target = tree["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
            out[typ] = type_name(target["TypeCast"]["typeName"])
        except Exception:  # noqa: BLE001 - an exotic type: keep the server's spelling
            out[typ] = typ.lower()
    return out


def _sqlglot_types(dialect: str):
    def normalise(types: list[str]) -> dict[str, str]:
        from sqlglot import exp

        out: dict[str, str] = {}
        for typ in dict.fromkeys(types):
            try:
                out[typ] = exp.DataType.build(typ, dialect=dialect).sql(dialect=dialect).lower().replace(" ", "")
            except Exception:  # noqa: BLE001 - a type sqlglot does not know: keep the server's spelling
                out[typ] = typ.lower().replace(" ", "")
        return out

    return normalise


_TYPE_NORMALISERS = {"postgresql": _pg_types, "mysql": _sqlglot_types("mysql"), "sqlite": _sqlglot_types("sqlite")}


def _not_null_of(engine: str, definition: str) -> str | None:
    """`CHECK ((email IS NOT NULL))` -> "email" (the proof PostgreSQL 12+ uses to skip SET NOT NULL's scan)."""
    if not describe(engine).reads_check_definitions or not definition.upper().startswith("CHECK"):
        return None
    from shoring.analysis.postgresql import ParseProblem, parse

    try:
        ops = parse(f"ALTER TABLE shoring_probe ADD CONSTRAINT shoring_probe {definition}")
    except ParseProblem:
        return None
    return ops[0].get("not_null_of") if ops else None


def _columns_of_check(engine: str, definition: str) -> tuple[str, ...]:
    if not describe(engine).reads_check_definitions:
        return ()
    from shoring.analysis.postgresql import ParseProblem, parse

    try:
        ops = parse(f"ALTER TABLE shoring_probe ADD CONSTRAINT shoring_probe {definition}")
    except ParseProblem:
        return ()
    return tuple(ops[0].get("columns") or ()) if ops else ()


# --- planner estimates ------------------------------------------------------------------------------

#: how long counting the rows of all SQLite statements of a plan may take before their rows are "unknown"
COUNT_BUDGET = 5.0


def explain_rows(engine: Any, sql: str) -> int | None:
    """Rows the server's planner expects a statement to touch (EXPLAIN, never executed); on SQLite,
    whose planner keeps no row estimates, the rows it matches counted within `SQLiteEngine.COUNT_SECONDS`."""
    try:
        return engine.explain_rows(sql)
    except Exception:  # noqa: BLE001 - a column the plan adds, a syntax the planner cannot take: unknown
        return None
