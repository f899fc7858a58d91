"""Row counts and sizes per table: what `plan` scales its estimates with and `test --scale` multiplies.

Estimates come from the engine's statistics (cheap on any table size); ``exact=True`` counts rows,
which reads every table in full. PostgreSQL reports -1 tuples for a table never analysed; such a
table is counted exactly when it is small enough by size.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable

from shoring.verify.fingerprint import qualified
from shoring.verify.model import Schema

#: below this size a PostgreSQL table without statistics is simply counted
_COUNT_BELOW_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class TableStats:
    rows: int | None
    bytes: int | None  # table + indexes + TOAST where the engine tells
    exact: bool  # rows is a count, not an estimate

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "bytes": self.bytes, "exact": self.exact}


def table_stats(engine: Any, schema: Schema, *, exact: bool = False, only: Iterable[str] | None = None) -> dict[str, TableStats]:
    """`only`: the tables wanted, when not all of them (a table without statistics may be counted)."""
    if only is not None:
        wanted = set(only)
        schema = replace(schema, tables={n: t for n, t in schema.tables.items() if n in wanted})
    reader = _READERS[engine.name]
    out = reader(engine, schema, exact)
    return {name: out[name] for name in sorted(schema.tables) if name in out}


def _count(engine: Any, name: str) -> int:
    return int(engine.query_one(f"SELECT count(*) FROM {qualified(engine, name)}")[0])


def _postgresql(engine: Any, schema: Schema, exact: bool) -> dict[str, TableStats]:
    out = {}
    for name in schema.tables:
        oid_text = qualified(engine, name)
        # a partitioned table has no rows nor size of its own (reltuples -1, 0 bytes): its leaves have them,
        # and -1 as long as any leaf was never analysed. Without that sum, it passed as small and was counted.
        reltuples, size = engine.query_one(
            "SELECT CASE WHEN c.relkind <> 'p' THEN c.reltuples WHEN bool_and(l.reltuples >= 0) THEN sum(l.reltuples) ELSE -1 END, "
            "CASE WHEN c.relkind <> 'p' THEN pg_total_relation_size(c.oid) ELSE COALESCE(sum(pg_total_relation_size(l.oid)), 0) END "
            "FROM pg_class c LEFT JOIN pg_partition_tree(c.oid) t ON c.relkind = 'p' AND t.isleaf "
            "LEFT JOIN pg_class l ON l.oid = t.relid WHERE c.oid = to_regclass(%s) GROUP BY c.oid, c.relkind, c.reltuples",
            [oid_text]
        )
        if exact or reltuples < 0 and size < _COUNT_BELOW_BYTES:
            out[name] = TableStats(_count(engine, name), int(size), True)
        else:
            out[name] = TableStats(max(int(reltuples), 0) if reltuples >= 0 else None, int(size), False)
    return out


#: No InnoDB row takes fewer bytes than this: a size below rows x this is statistics not yet recomputed.
_MIN_ROW_BYTES = 16


def _tablespace_sizes(engine: Any) -> dict[str, int]:
    """table -> bytes its InnoDB file takes now (file-per-table), which stale statistics do not change."""
    for view in ("INNODB_SYS_TABLESPACES", "INNODB_TABLESPACES"):  # MariaDB, MySQL 8
        try:
            found = engine.query(f"SELECT NAME, ALLOCATED_SIZE FROM information_schema.{view} WHERE NAME LIKE CONCAT(DATABASE(), '/%')")
        except Exception:  # noqa: BLE001 - the view differs between MariaDB and MySQL
            continue
        return {str(n).split("/", 1)[1].lower(): int(size) for n, size in found if size is not None}
    return {}


def _mysql(engine: Any, schema: Schema, exact: bool) -> dict[str, TableStats]:
    rows = engine.query(
        "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE()"
    )
    files: dict[str, int] | None = None
    out = {}
    for name, estimate, size in rows:
        if name not in schema.tables:
            continue
        if estimate and size is not None and size < int(estimate) * _MIN_ROW_BYTES:
            # MariaDB/MySQL recompute DATA_LENGTH only with the statistics (a table just loaded may read
            # "~300k rows, 16.0 kB"): the table's file says how big it is now
            files = _tablespace_sizes(engine) if files is None else files
            size = files.get(str(name).lower(), size)
        if exact:
            out[name] = TableStats(_count(engine, name), int(size) if size is not None else None, True)
        else:
            out[name] = TableStats(int(estimate) if estimate is not None else None, int(size) if size is not None else None, False)
    return out


def _sqlite(engine: Any, schema: Schema, exact: bool) -> dict[str, TableStats]:
    sizes: dict[str, int] = {}
    try:  # the dbstat table exists only when SQLite was built with it
        for name, size in engine.query("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
            sizes[name] = int(size)
    except Exception:  # noqa: BLE001 - no dbstat: sizes unknown
        sizes = {}
    out = {}
    for name, table in schema.tables.items():
        total = sizes.get(name)
        if total is not None:
            total += sum(sizes.get(i.name, 0) for i in table.indexes)
        out[name] = TableStats(_count(engine, name), total, True)  # counting is what SQLite has
    return out


_READERS = {"postgresql": _postgresql, "mysql": _mysql, "sqlite": _sqlite}
