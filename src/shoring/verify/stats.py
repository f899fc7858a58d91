"""Row counts and sizes per table: what `plan` scales its estimates with and `test --scale` multiplies.

Estimates come from the engine's statistics (cheap on any table size); ``exact=True`` counts rows,
which reads every table in full. PostgreSQL reports -1 tuples for a table never analysed; such a
table is counted exactly when it is small enough by size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def table_stats(engine: Any, schema: Schema, *, exact: bool = False) -> dict[str, TableStats]:
    reader = _READERS[engine.name]
    out = reader(engine, schema, exact)
    return {name: out[name] for name in sorted(schema.tables) if name in out}


def _count(engine: Any, name: str) -> int:
    return int(engine.query_one(f"SELECT count(*) FROM {qualified(engine, name)}")[0])


def _postgresql(engine: Any, schema: Schema, exact: bool) -> dict[str, TableStats]:
    out = {}
    for name in schema.tables:
        oid_text = qualified(engine, name)
        reltuples, size = engine.query_one(
            "SELECT c.reltuples, pg_total_relation_size(c.oid) FROM pg_class c WHERE c.oid = to_regclass(%s)", [oid_text]
        )
        if exact or reltuples < 0 and size < _COUNT_BELOW_BYTES:
            out[name] = TableStats(_count(engine, name), int(size), True)
        else:
            out[name] = TableStats(max(int(reltuples), 0) if reltuples >= 0 else None, int(size), False)
    return out


def _mysql(engine: Any, schema: Schema, exact: bool) -> dict[str, TableStats]:
    rows = engine.query(
        "SELECT TABLE_NAME, TABLE_ROWS, DATA_LENGTH + INDEX_LENGTH FROM information_schema.TABLES "
        "WHERE TABLE_SCHEMA = DATABASE()"
    )
    out = {}
    for name, estimate, size in rows:
        if name not in schema.tables:
            continue
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
