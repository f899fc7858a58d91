"""Data fingerprints: per table a row count and a checksum that ignores row order.

Each row's text is hashed to 64 bits and the hashes are summed, so the same rows in any physical
order give the same checksum, a changed, lost or duplicated row gives another. (PostgreSQL uses its
own ``hashtextextended``, three times cheaper than md5; MySQL/MariaDB and SQLite use md5.) Columns
are taken in name order, so a column moved by a rebuild does not count as a data change.
PostgreSQL and MySQL/MariaDB compute it in the server (one aggregate query per table, nothing
transferred); SQLite computes it here, where the data already is.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Iterable

from shoring.engines.description import describe
from shoring.verify.model import Schema, Table

_MOD = 2**64
#: MySQL types whose values are bytes, hashed through HEX() so every byte counts
_MYSQL_BINARY = ("binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob", "bit", "geometry", "point",
                 "linestring", "polygon")


@dataclass(frozen=True)
class TableFingerprint:
    rows: int
    checksum: str  # 16 hex digits

    def to_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "checksum": self.checksum}


@dataclass(frozen=True)
class DataChange:
    table: str
    before: TableFingerprint | None
    after: TableFingerprint | None

    @property
    def message(self) -> str:
        if self.after is None:
            return f"{self.table}: table is gone (had {self.before.rows} row(s))"
        if self.before is None:
            return f"{self.table}: new table with {self.after.rows} row(s)"
        if self.before.rows != self.after.rows:
            return f"{self.table}: {self.before.rows} row(s) before, {self.after.rows} now"
        return f"{self.table}: same {self.after.rows} row(s) but their contents differ"

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "before": self.before.to_dict() if self.before else None,
            "after": self.after.to_dict() if self.after else None,
            "message": self.message,
        }


def qualified(engine: Any, name: str) -> str:
    """Quote a snapshot table name (``schema.table`` outside PostgreSQL's current schema)."""
    if describe(engine.name).schema_qualified_tables and "." in name:
        schema, table = name.split(".", 1)
        return f"{engine.quote(schema)}.{engine.quote(table)}"
    return engine.quote(name)


def table_fingerprint(engine: Any, table: Table, where: str = "", params: list[Any] | None = None) -> TableFingerprint:
    """The table's fingerprint, or of the rows `where` (SQL with %s parameters) selects: a sampled chunk."""
    columns = sorted(table.columns, key=lambda c: c.name)
    source = qualified(engine, table.name) + (f" WHERE {where}" if where else "")
    params = list(params or [])
    checksum = describe(engine.name).row_checksum
    if checksum == "server_hash":
        row = ", ".join(engine.quote(c.name) for c in columns)
        # ONLY: an inheritance child's rows are its own; a partitioned table has none but its partitions'. Asked
        # of the server too: a snapshot from before PartitionTable (verify's "fingerprint(engine, before)")
        # does not know the table is partitioned now, and ONLY would find it emptied
        partitioned = table.option("partition by") or engine.query_one(
            "SELECT relkind = 'p' FROM pg_class WHERE oid = to_regclass(%s)", [qualified(engine, table.name)])[0]
        only = "" if partitioned else "ONLY "
        count, total = engine.query_one(
            f"SELECT count(*), coalesce(sum(hashtextextended(ROW({row})::text, 0)), 0)::text FROM {only}{source}",
            params or None)
        return TableFingerprint(int(count), f"{int(total) % _MOD:016x}")
    if checksum == "server_md5":
        parts = []
        for c in columns:
            base = c.type.split("(")[0].split()[0]
            parts.append(f"HEX({engine.quote(c.name)})" if base in _MYSQL_BINARY else engine.quote(c.name))
        count, total = engine.query_one(
            f"SELECT COUNT(*), COALESCE(SUM(CAST(CONV(SUBSTRING(MD5(JSON_ARRAY({', '.join(parts)})), 1, 15), 16, 10) "
            f"AS UNSIGNED)), 0) FROM {source}", params or None)
        return TableFingerprint(int(count), f"{int(total) % _MOD:016x}")
    cols = ", ".join(engine.quote(c.name) for c in columns) or "NULL"
    count = total = 0
    cursor = engine.conn.execute(engine.sql(f"SELECT {cols} FROM {source}"), params)
    while batch := cursor.fetchmany(5000):
        for values in batch:
            digest = hashlib.md5(repr(values).encode("utf-8", "surrogatepass")).hexdigest()
            total += int(digest[:15], 16)
        count += len(batch)
    return TableFingerprint(count, f"{total % _MOD:016x}")


def fingerprint(engine: Any, schema: Schema, tables: Iterable[str] | None = None) -> dict[str, TableFingerprint]:
    """Fingerprints of the schema's tables (all of them, or the ones named)."""
    names = sorted(schema.tables) if tables is None else [t for t in tables if t in schema.tables]
    return {name: table_fingerprint(engine, schema.tables[name]) for name in names}


def compare_fingerprints(before: dict[str, TableFingerprint], after: dict[str, TableFingerprint],
                         tables: Iterable[str] | None = None) -> list[DataChange]:
    """Tables (of ``tables``, default: every table of ``before``) whose data is not what it was."""
    names = sorted(before) if tables is None else sorted(tables)
    return [DataChange(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]
