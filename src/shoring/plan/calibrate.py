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
#: rows of the tiny copy that measures the fixed cost of each kind of work, and the smallest sample
TINY_ROWS = 100
MIN_SAMPLE = 1000
#: each measurement is the best of this many runs: a first run pays for cold caches
REPEAT = 2


@dataclass(frozen=True)
class Need:
    kind: str
    table: str
    columns: tuple[str, ...] = ()
    loop_sql: str = ""  # a batched backfill's UPDATE/DELETE (PL/pgSQL variables already replaced)
    remaining_sql: str = ""  # the query that finds the rows it still has to change
    batches: int = 0  # how many batches it takes on the real table


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
    out: dict[tuple[str, str, tuple[str, ...]], Rate] = {}
    engine.execute("BEGIN")
    try:
        engine.execute("SET LOCAL lock_timeout = '1s'")
        engine.execute("SET LOCAL statement_timeout = '120s'")
        # two copies of the table's shape: a tiny one times what any run costs whatever the size
        # (catalog work, file creation), the sample times what each row adds
        tiny, how = _create_scratch(engine, source, f"shoring_calibration_{os.getpid()}_{n}_0")
        scratch, _ = _create_scratch(engine, source, f"shoring_calibration_{os.getpid()}_{n}")
        small = engine.execute(f"INSERT INTO {tiny} ({cols}){overriding} SELECT {cols} FROM {source} LIMIT {TINY_ROWS}")
        t0 = time.perf_counter()
        copied = engine.execute(
            f"INSERT INTO {scratch} ({cols}){overriding} SELECT {cols} FROM {source} LIMIT {int(sample_rows)}")
        copy_seconds = time.perf_counter() - t0
        if copied is None or copied < MIN_SAMPLE:
            return {}, f"calibration on {table} skipped: only {copied} rows to sample"
        detail = f"measured on a {copied:,}-row sample of {table} ({how})"
        out[("insert", table, ())] = Rate(copy_seconds * 1e6 / copied, "calibration", detail)
        measured: dict[tuple[str, tuple[str, ...]], float] = {}
        for need in sorted(needs, key=lambda x: _ORDER.index(BORROW.get(x.kind, x.kind)) if BORROW.get(x.kind, x.kind) in _ORDER else 99):
            if need.kind == "backfill" and need.loop_sql:
                # the loop on the tiny copy (batches of a row or two) costs what any batch costs;
                # on the sample, as many batches again, what its rows and re-reads add
                fixed = _time_backfill(engine, tiny, table, need)
                runs = [_time_backfill(engine, scratch, table, need) for _ in range(REPEAT)]
                loop = min((r for r in runs if r is not None), default=None, key=lambda r: r[0])
                if loop is not None and fixed is not None:
                    seconds, rows, batches, size = loop
                    per_batch = fixed[0] / fixed[2]
                    per_row = max(seconds - per_batch * batches, seconds / 5) / rows
                    out[("backfill", table, ())] = Rate(
                        per_row * 1e6, "calibration",
                        f"the loop itself run on a {copied:,}-row sample of {table} in {batches} batches of {size} "
                        f"rows, as many as on the real table, {per_batch * 1000:.1f} ms a batch ({how})",
                        whole_loop=True, per_batch=per_batch)
                    continue
            kind = BORROW.get(need.kind, need.kind)
            key = (kind, need.columns if kind == "index" else ())
            if key not in measured:
                fixed = _time_kind(engine, tiny, schema_table, kind, need.columns)  # also warms the caches
                big = _time_kind(engine, scratch, schema_table, kind, need.columns)
                if big is None or fixed is None:
                    continue
                # never let noise make the per-row cost vanish: at least a fifth of the sample's time
                measured[key] = max(big - fixed, big / 5) / max(copied - small, 1)
            rate = Rate(measured[key] * 1e6, "calibration", detail)
            for k in ((need.kind, table, need.columns), (kind, table, need.columns if kind == "index" else ())):
                if k not in out or not out[k].whole_loop:  # a measured loop beats a borrowed rate
                    out[k] = rate
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
        return min(_timed(engine, sql) for _ in range(REPEAT + 1))
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


def _time_backfill(engine: Any, scratch: str, table: str, need: Need) -> tuple[float, int, int, int] | None:
    """Run a batched backfill on the sample, batch size scaled so it takes as many batches as on the
    real table (each batch may re-read what earlier ones did: the batch count shapes the cost).
    (seconds, rows changed, batches, batch size) or None when it cannot run on the copy."""
    try:
        count = f"SELECT count(*) FROM ({_swap(need.remaining_sql, table, scratch)}) AS remaining"
        matching = engine.query_one(count)[0] if need.remaining_sql else None
    except Exception:  # noqa: BLE001 - a column the plan adds: the copy does not have it
        return None
    if not matching or need.batches < 1:
        return None
    size = max(1, -(-matching // max(need.batches - 1, 1)))
    try:
        statement = _swap(need.loop_sql, table, scratch, size)
    except Exception:  # noqa: BLE001
        return None
    engine.execute("SAVEPOINT shoring_measure")
    rows = batches = 0
    try:
        t0 = time.perf_counter()
        while batches <= need.batches * 2 + 10:  # a loop that never ends on the copy is no measure
            batches += 1
            done = engine.execute(statement)
            if not done or done < 0:
                break
            rows += done
        seconds = time.perf_counter() - t0
    except Exception:  # noqa: BLE001
        return None
    finally:
        engine.execute("ROLLBACK TO SAVEPOINT shoring_measure")
    return (seconds, rows, batches, size) if rows else None


def _swap(sql: str, table: str, scratch: str, limit: int | None = None) -> str:
    """The statement with `table` replaced by the scratch copy (and its LIMIT by `limit`), via the parser."""
    from pglast import parse_sql
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    schema, _, name = table.rpartition(".")
    target = scratch.strip('"')
    stmt = parse_sql(sql)[0].stmt
    new_limit = parse_sql(f"SELECT {int(limit)}")[0].stmt.targetList[0].val if limit is not None else None

    class Swap(Visitor):
        def visit_RangeVar(self, parent, node):  # noqa: N802 - pglast's naming
            if node.relname == name and (node.schemaname or "") in (schema, "public" if not schema else schema, ""):
                node.relname = target
                node.schemaname = None

        def visit_SelectStmt(self, parent, node):  # noqa: N802
            if new_limit is not None and node.limitCount is not None:
                node.limitCount = new_limit

    Swap()(stmt)
    return RawStream()(stmt)


def _timed(engine: Any, sql: str) -> float:
    t0 = time.perf_counter()
    engine.execute(sql)
    return time.perf_counter() - t0


def _savepointed(engine: Any, sql: str) -> float | None:
    """Best time of a statement run REPEAT times, each undone so the next starts from the same copy."""
    best = None
    for _ in range(REPEAT):
        engine.execute("SAVEPOINT shoring_measure")
        try:
            took = _timed(engine, sql)
        except Exception:  # noqa: BLE001 - e.g. a column type without a default btree operator class
            return None
        finally:
            engine.execute("ROLLBACK TO SAVEPOINT shoring_measure")
        best = took if best is None else min(best, took)
    return best
