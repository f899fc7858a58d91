"""Calibration copies on PostgreSQL: scratch tables inside a transaction that is always rolled back.

The scratch table is a regular one where the user may create tables (so WAL is written as for the
real table) and a temporary one otherwise (no WAL: faster than the real thing, and said so). Every
timed statement runs under a savepoint rolled back after it, so each run starts from the same copy.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Iterator

from shoring.plan.calibrate import REPEAT, TINY_ROWS, Copy, Probe, timed

CANNOT = "cannot open a second connection"

#: what each kind of work runs on the copy
PROBES = {
    "scan": Probe("SELECT count(*) FROM {t} WHERE {col} IS NULL", runs=REPEAT + 1),
    "index": Probe("CREATE INDEX ON {t} ({cols})"),
    "update": Probe("UPDATE {t} SET {col} = {col}"),
    # a volatile default makes PostgreSQL write every row into a new file and rebuild every index
    "rewrite": Probe("ALTER TABLE {t} ADD COLUMN shoring_calibration int DEFAULT (random() * 0)::int"),
}


class Lab:
    def __init__(self, url: Any, live: Any):
        from shoring.engines import connect

        self.engine = connect(url)
        self.how = "scratch table, rolled back"

    def close(self) -> None:
        self.engine.close()

    def probe(self, kind: str, table: Any, columns: tuple[str, ...]) -> Probe | None:
        return PROBES.get(kind)

    def statement_probe(self, statement: str, table: str) -> Probe | None:
        """None: the stand-ins above measure within a factor of 2 here (bench/plan_estimates.py)."""
        return None

    @contextmanager
    def copies(self, table: str, schema_table: Any, sample_rows: int, n: int) -> Iterator[tuple[Copy, Copy]]:
        engine = self.engine
        source = ".".join(engine.quote(p) for p in table.split("."))
        cols = ", ".join(engine.quote(c.name) for c in schema_table.columns if not c.generated)
        overriding = " OVERRIDING SYSTEM VALUE" if any(c.identity == "always" for c in schema_table.columns) else ""
        engine.execute("BEGIN")
        try:
            engine.execute("SET LOCAL lock_timeout = '1s'")
            engine.execute("SET LOCAL statement_timeout = '120s'")
            made = []
            for suffix, rows in (("_0", TINY_ROWS), ("", sample_rows)):
                name = self._create(source, f"shoring_calibration_{os.getpid()}_{n}{suffix}")
                fill = f"INSERT INTO {name} ({cols}){overriding} SELECT {cols} FROM {source} LIMIT {rows}"
                seconds, copied = timed(engine, fill)
                made.append(Copy(engine, name, copied or 0, seconds))
            yield made[0], made[1]
        finally:
            engine.execute("ROLLBACK")

    def _create(self, source: str, name: str) -> str:
        """A copy of the table's shape (columns, defaults, indexes), regular if allowed, else temporary."""
        engine = self.engine
        engine.execute("SAVEPOINT shoring_calibration")
        try:
            engine.execute(f"CREATE TABLE {engine.quote(name)} (LIKE {source} INCLUDING ALL)")
            engine.execute("RELEASE SAVEPOINT shoring_calibration")
            return engine.quote(name)
        except Exception:  # noqa: BLE001 - no CREATE privilege here: a temporary table has no WAL
            engine.execute("ROLLBACK TO SAVEPOINT shoring_calibration")
        engine.execute(f"CREATE TEMPORARY TABLE {engine.quote(name)} (LIKE {source} INCLUDING ALL)")
        self.how = "temporary table: no WAL, so real runs may take longer"
        return engine.quote(name)

    @contextmanager
    def undoing(self, copy: Copy, data: bool) -> Iterator[None]:
        """Whatever the block does to the copy is rolled back after it."""
        self.engine.execute("SAVEPOINT shoring_measure")
        try:
            yield
        finally:
            self.engine.execute("ROLLBACK TO SAVEPOINT shoring_measure")

    def swap(self, sql: str, table: str, copy: Copy, limit: int | None = None) -> str:
        """The statement with `table` replaced by the copy (and its LIMIT by `limit`), via the parser."""
        from pglast import parse_sql
        from pglast.stream import RawStream
        from pglast.visitors import Visitor

        schema, _, name = table.rpartition(".")
        target = copy.name.strip('"')
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
