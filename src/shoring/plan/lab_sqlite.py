"""Calibration copies on SQLite: temporary files holding the table's shape and a sample of its rows.

The target file is only read: each copy ATTACHes it read-only (a `mode=ro` URI) and fills itself
with INSERT ... SELECT ... LIMIT. A file rather than memory, with the target's page size and journal
mode, so that page writes and commits cost what they cost on a real file (the temporary folder may
sit on another disk than the target: the copy says where it was). Each timed statement is followed
by its inverse (the probe's `after`), so the next run starts from the same copy; a backfill, whose
inverse is unknown, refills the copy.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from shoring.plan.calibrate import REPEAT, TINY_ROWS, Copy, Probe, timed

CANNOT = "cannot read the SQLite file from a second connection"
SOURCE = "shoring_source"

#: what each kind of work runs on the copy; the scratch column stands for the column a backfill fills
PROBES = {
    "scan": Probe("SELECT count(*) FROM {t} WHERE {col} IS NULL", runs=REPEAT + 1),
    "index": Probe("CREATE INDEX shoring_calibration ON {t} ({cols})", after="DROP INDEX shoring_calibration"),
    "update": Probe("UPDATE {t} SET shoring_calibration = 1",
                    before="ALTER TABLE {t} ADD COLUMN shoring_calibration INTEGER",
                    after="ALTER TABLE {t} DROP COLUMN shoring_calibration"),
    # DROP COLUMN writes every row again (what the analysis calls a rewrite on SQLite)
    "rewrite": Probe("ALTER TABLE {t} DROP COLUMN shoring_calibration",
                     before="ALTER TABLE {t} ADD COLUMN shoring_calibration INTEGER"),
}


class Lab:
    def __init__(self, url: Any, live: Any):
        if url.database == ":memory:" or not Path(url.database).exists():
            raise ValueError("no database file to read")
        self.source = Path(url.database).resolve().as_uri() + "?mode=ro"
        self.folder = Path(tempfile.mkdtemp(prefix="shoring_calibration_"))
        self.how = f"copy in a temporary file in {self.folder.parent}, the target only read"
        self._fill: dict[int, str] = {}

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def probe(self, kind: str, table: Any, columns: tuple[str, ...]) -> Probe | None:
        return PROBES.get(kind)

    @contextmanager
    def copies(self, table: str, schema_table: Any, sample_rows: int, n: int) -> Iterator[tuple[Copy, Copy]]:
        made: list[Copy] = []
        try:
            for suffix, rows in (("tiny", TINY_ROWS), ("sample", sample_rows)):
                made.append(self._copy(self.folder / f"{n}_{suffix}.sqlite", table, schema_table, rows))
            yield made[0], made[1]
        finally:
            for copy in made:
                copy.engine.close()

    def _copy(self, path: Path, table: str, schema_table: Any, rows: int) -> Copy:
        engine = _open(path)
        try:
            engine.execute(f"ATTACH DATABASE ? AS {SOURCE}", [self.source])
            page_size = engine.query_one(f"PRAGMA {SOURCE}.page_size")[0]
            journal = engine.query_one(f"PRAGMA {SOURCE}.journal_mode")[0]
            engine.execute(f"PRAGMA main.page_size = {int(page_size)}")
            engine.execute(f"PRAGMA main.journal_mode = {journal}")
            for (sql,) in engine.query(
                    f"SELECT sql FROM {SOURCE}.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                    "AND type IN ('table', 'index') ORDER BY type = 'index'", [table]):
                engine.execute(sql)
            q = engine.quote
            cols = ", ".join(q(c.name) for c in schema_table.columns if not c.generated)
            fill = f"INSERT INTO main.{q(table)} ({cols}) SELECT {cols} FROM {SOURCE}.{q(table)} LIMIT {int(rows)}"
            seconds, copied = timed(engine, fill)
            self._fill[id(engine)] = fill
            return Copy(engine, q(table), max(copied, 0), seconds)
        except BaseException:
            engine.close()
            raise

    @contextmanager
    def undoing(self, copy: Copy, data: bool) -> Iterator[None]:
        """Probes put the copy back themselves; a backfill's changes are undone by refilling the copy."""
        try:
            yield
        finally:
            if data:
                copy.engine.execute(f"DELETE FROM {copy.name}")
                copy.engine.execute(self._fill[id(copy.engine)])

    def swap(self, sql: str, table: str, copy: Copy, limit: int | None = None) -> str:
        """The statement as it runs on the copy: the same table name in another file, its LIMIT `limit`."""
        from shoring.plan.retarget import retarget

        return retarget(sql, "sqlite", table, None, limit)


def _open(path: Path) -> Any:
    """shoring's SQLite engine on a scratch file, opened with URI filenames on (so ATTACH can open the
    target read-only with `mode=ro`)."""
    from shoring.dburl import parse_url
    from shoring.engines.sqlite import SQLiteEngine

    engine = SQLiteEngine(parse_url(f"sqlite:///{path}"))
    engine.conn.close()
    engine.conn = sqlite3.connect(str(path), uri=True, isolation_level=None)
    return engine
