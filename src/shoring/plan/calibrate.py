"""A short calibration on the target: how fast this server rewrites, indexes, scans and updates this table.

For each table the plan does size-dependent work on, a sample of its own rows (up to
`sample_rows`) is copied into a scratch table with the same columns and indexes, inside a
transaction that is always rolled back: nothing is left behind and the user's tables are only read.
The scratch table is a regular one where the user may create tables (so WAL is written as for the
real table) and a temporary one otherwise (no WAL: faster than the real thing, and said so). Each
kind of work the plan needs is timed on the copy and turned into microseconds per row.

Only PostgreSQL is calibrated here; other engines use learned or assumed rates.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any, Callable

from shoring.plan.rates import Rate

#: kinds calibrated by timing one statement on the copy; the rest borrow a measured kind
BORROW = {"backfill": "update", "delete": "update"}
#: tables smaller than this are not worth measuring: any rate gives "< 1 second"
MIN_ROWS = 5000


@dataclass(frozen=True)
class Need:
    kind: str
    table: str
    columns: tuple[str, ...] = ()


def calibrate(url: Any, live: Any, needs: set[Need], sample_rows: int = 20000,
              say: Callable[[str], None] = lambda s: None) -> tuple[dict[tuple[str, str, tuple[str, ...]], Rate], list[str]]:
    """({(kind, table, columns): Rate}, notes). Never raises: a failed calibration is a note."""
    if live.name != "postgresql" or not needs:
        return {}, []
    from shoring.engines import connect

    notes: list[str] = []
    out: dict[tuple[str, str, tuple[str, ...]], Rate] = {}
    try:
        engine = connect(url)
    except Exception as exc:  # noqa: BLE001
        return {}, [f"calibration skipped: cannot open a second connection ({exc})"]
    try:
        by_table: dict[str, list[Need]] = {}
        for need in sorted(needs, key=lambda n: (n.table, n.kind, n.columns)):
            by_table.setdefault(need.table, []).append(need)
        for i, (table, table_needs) in enumerate(by_table.items()):
            say(f"calibrating on a sample of {table} ...")
            try:
                rates, note = _calibrate_table(engine, live, table, table_needs, sample_rows, i)
            except Exception as exc:  # noqa: BLE001 - any failure: fall back to other sources
                rates, note = {}, f"calibration on {table} failed: {' '.join(str(exc).split())[:200]}"
            out.update(rates)
            if note:
                notes.append(note)
    finally:
        engine.close()
    return out, notes


def _quoted_table(engine: Any, table: str) -> str:
    return ".".join(engine.quote(p) for p in table.split("."))


def _calibrate_table(engine: Any, live: Any, table: str, needs: list[Need], sample_rows: int, n: int
                     ) -> tuple[dict[tuple[str, str, tuple[str, ...]], Rate], str]:
    schema_table = live.schema.tables.get(table)
    if schema_table is None:
        return {}, ""
    source = _quoted_table(engine, table)
    insertable = [c.name for c in schema_table.columns if not c.generated]
    cols = ", ".join(engine.quote(c) for c in insertable)
    overriding = " OVERRIDING SYSTEM VALUE" if any(c.identity == "always" for c in schema_table.columns) else ""
    name = f"shoring_calibration_{os.getpid()}_{n}"
    out: dict[tuple[str, str, tuple[str, ...]], Rate] = {}
    engine.execute("BEGIN")
    try:
        engine.execute("SET LOCAL lock_timeout = '1s'")
        engine.execute("SET LOCAL statement_timeout = '120s'")
        scratch, how = _create_scratch(engine, source, name)
        t0 = time.perf_counter()
        copied = engine.execute(
            f"INSERT INTO {scratch} ({cols}){overriding} SELECT {cols} FROM {source} LIMIT {int(sample_rows)}")
        copy_seconds = time.perf_counter() - t0
        if copied is None or copied < 100:
            return {}, f"calibration on {table} skipped: only {copied} rows to sample"
        detail = f"measured on a {copied:,}-row sample of {table} ({how})"
        out[("insert", table, ())] = Rate(copy_seconds * 1e6 / copied, "calibration", detail)
        measured: dict[str, float] = {}
        for need in sorted(needs, key=lambda x: _ORDER.index(BORROW.get(x.kind, x.kind)) if BORROW.get(x.kind, x.kind) in _ORDER else 99):
            kind = BORROW.get(need.kind, need.kind)
            key = (kind, need.columns if kind == "index" else ())
            if key not in measured:
                seconds = _time_kind(engine, scratch, schema_table, kind, need.columns)
                if seconds is None:
                    continue
                measured[key] = seconds
            rate = Rate(measured[key] * 1e6 / copied, "calibration", detail)
            out[(need.kind, table, need.columns)] = rate
            out[(kind, table, need.columns if kind == "index" else ())] = rate
        return out, ""
    finally:
        engine.execute("ROLLBACK")


_ORDER = ("scan", "index", "update", "rewrite")


def _create_scratch(engine: Any, source: str, name: str) -> tuple[str, str]:
    """A copy of the table's shape (columns, defaults, indexes), regular if allowed, else temporary."""
    engine.execute("SAVEPOINT shoring_calibration")
    try:
        engine.execute(f"CREATE TABLE {engine.quote(name)} (LIKE {source} INCLUDING ALL)")
        engine.execute("RELEASE SAVEPOINT shoring_calibration")
        return engine.quote(name), "scratch table, rolled back"
    except Exception:  # noqa: BLE001 - no CREATE privilege here: a temporary table has no WAL
        engine.execute("ROLLBACK TO SAVEPOINT shoring_calibration")
    engine.execute(f"CREATE TEMPORARY TABLE {engine.quote(name)} (LIKE {source} INCLUDING ALL)")
    return engine.quote(name), "temporary table: no WAL, so real runs may take longer"


def _time_kind(engine: Any, scratch: str, table: Any, kind: str, columns: tuple[str, ...]) -> float | None:
    names = [c.name for c in table.columns]
    indexed = {c for i in table.indexes for c in i.columns}
    plain = [c.name for c in table.columns if c.name not in indexed and not c.generated]
    first = (plain or [c.name for c in table.columns if not c.generated] or names)[0]
    if kind == "scan":
        sql = f"SELECT count(*) FROM {scratch} WHERE {engine.quote(first)} IS NULL"
        return min(_timed(engine, sql) for _ in range(3))
    if kind == "index":
        use = [c for c in columns if c in names] or [table.primary_key[0] if table.primary_key else first]
        return _savepointed(engine, f"CREATE INDEX ON {scratch} ({', '.join(engine.quote(c) for c in use)})")
    if kind == "update":
        col = engine.quote(first)
        return _savepointed(engine, f"UPDATE {scratch} SET {col} = {col}")
    if kind == "rewrite":
        # a volatile default makes PostgreSQL write every row into a new file and rebuild every index
        return _savepointed(engine, f"ALTER TABLE {scratch} ADD COLUMN shoring_calibration int DEFAULT (random() * 0)::int")
    return None


def _timed(engine: Any, sql: str) -> float:
    t0 = time.perf_counter()
    engine.execute(sql)
    return time.perf_counter() - t0


def _savepointed(engine: Any, sql: str) -> float | None:
    """Time a statement and undo it, so the next measurement starts from the same copy."""
    engine.execute("SAVEPOINT shoring_measure")
    try:
        return _timed(engine, sql)
    except Exception:  # noqa: BLE001 - e.g. a column type without a default btree operator class
        return None
    finally:
        engine.execute("ROLLBACK TO SAVEPOINT shoring_measure")
