"""Calibration copies on SQLite: temporary files holding the table's shape and a sample of its rows.

The target file is only read: each copy ATTACHes it read-only (a `mode=ro` URI) and fills itself
with INSERT ... SELECT ... LIMIT. A file rather than memory, with the target's page size and journal
mode, so that page writes and commits cost what they cost on a real file (the temporary folder may
sit on another disk than the target: the copy says where it was). The table keeps its name in the
copy, so the migration's own statement runs there as written; stand-ins are followed by their
inverse (the probe's `after`), and anything else is undone by making the copy again.
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from shoring.plan.calibrate import REPEAT, TINY_ROWS, Copy, Probe, timed
from shoring.plan.retarget import SeparateCopies

CANNOT = "cannot read the SQLite file from a second connection"
SOURCE = "shoring_source"

#: stand-ins for each kind of work; the scratch column stands for the column a backfill fills
PROBES = {
    "scan": Probe("SELECT count(*) FROM {t} WHERE {col} IS NULL", runs=REPEAT + 1),
    "index": Probe("CREATE INDEX shoring_calibration ON {t} ({cols})", after=("DROP INDEX shoring_calibration",)),
    "update": Probe("UPDATE {t} SET shoring_calibration = 1",
                    before=("ALTER TABLE {t} ADD COLUMN shoring_calibration INTEGER",),
                    after=("ALTER TABLE {t} DROP COLUMN shoring_calibration",)),
    # DROP COLUMN writes every row again (what the analysis calls a rewrite on SQLite): of a column
    # that holds values, as a column worth dropping does
    "rewrite": Probe("ALTER TABLE {t} DROP COLUMN shoring_calibration",
                     before=("ALTER TABLE {t} ADD COLUMN shoring_calibration INTEGER",
                             "UPDATE {t} SET shoring_calibration = 1")),
}


class Lab(SeparateCopies):
    dialect = "sqlite"
    probes = PROBES

    def __init__(self, url: Any, live: Any):
        if url.database == ":memory:" or not Path(url.database).exists():
            raise ValueError("no database file to read")
        self.source = Path(url.database).resolve().as_uri() + "?mode=ro"
        self.folder = Path(tempfile.mkdtemp(prefix="shoring_calibration_"))
        self.how = f"copy in a temporary file in {self.folder.parent}, the target only read"

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    @contextmanager
    def copies(self, table: str, schema_table: Any, sample_rows: int, n: int) -> Iterator[tuple[Copy, Copy]]:
        made: list[Copy] = []
        try:
            for suffix, rows in (("tiny", TINY_ROWS), ("sample", sample_rows)):
                engine = _open(self.folder / f"{n}_{suffix}.sqlite")
                copy = Copy(engine, engine.quote(table))
                made.append(copy)
                copy.engine.execute(f"ATTACH DATABASE ? AS {SOURCE}", [self.source])
                page_size = copy.engine.query_one(f"PRAGMA {SOURCE}.page_size")[0]
                journal = copy.engine.query_one(f"PRAGMA {SOURCE}.journal_mode")[0]
                copy.engine.execute(f"PRAGMA main.page_size = {int(page_size)}")
                copy.engine.execute(f"PRAGMA main.journal_mode = {journal}")
                copy.remake = _filler(copy, table, schema_table, rows)
                copy.remake()
            yield made[0], made[1]
        finally:
            for copy in made:
                copy.engine.close()


def _filler(copy: Copy, table: str, schema_table: Any, rows: int) -> Any:
    """(Re)makes the copy: the table and its indexes as the target's schema writes them, then up to
    `rows` of its rows."""
    engine = copy.engine
    q = engine.quote
    cols = ", ".join(q(c.name) for c in schema_table.columns if not c.generated)

    def remake() -> None:
        engine.execute(f"DROP TABLE IF EXISTS main.{copy.name}")
        for (sql,) in engine.query(
                f"SELECT sql FROM {SOURCE}.sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL "
                "AND type IN ('table', 'index') ORDER BY type = 'index'", [table]):
            engine.execute(sql)
        seconds, copied = timed(engine, f"INSERT INTO main.{copy.name} ({cols}) SELECT {cols} FROM {SOURCE}.{copy.name} "
                                        f"LIMIT {int(rows)}")
        if not copy.rows:
            copy.rows, copy.seconds = max(copied, 0), seconds

    return remake


def _open(path: Path) -> Any:
    """shoring's SQLite engine on a scratch file (its URI filenames let ATTACH open the target `mode=ro`)."""
    from shoring.engines.url import parse_url
    from shoring.engines.sqlite import SQLiteEngine

    return SQLiteEngine(parse_url(f"sqlite:///{path}"))
