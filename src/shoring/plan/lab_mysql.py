"""Calibration copies on MySQL/MariaDB: scratch databases on the target's server, dropped afterwards.

DDL commits at once there, so no transaction can hold the experiment. Each table is copied into two
scratch databases (a tiny copy and a sample), named like `shoring test`'s scratch copies
(`shoring.rehearsal.scratch`) so that one a killed `shoring plan` left behind is dropped by the next
plan or rehearsal on this host: CREATE TABLE ... LIKE (columns and indexes; no foreign keys, no
triggers), then INSERT ... SELECT ... LIMIT at READ COMMITTED, which reads a snapshot and takes no
row locks on the user's table. Each copy has its own connection whose default database is the
copy's, so the migration's own ALTER runs there as written (and takes the algorithm the server picks
for it); when it cannot, a stand-in of the form the analysis says it takes (`shoring.analysis.
facts_mysql`): ALGORITHM=COPY for a copy, an in-place rebuild for a rewrite, an in-place index build.
The copies are dropped in a `finally`, after ending their sessions (a statement cut short by Ctrl-C
would hold their metadata locks).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from shoring.plan.calibrate import REPEAT, TINY_ROWS, Copy, Probe, timed
from shoring.plan.retarget import SeparateCopies

CANNOT = "cannot open a connection that may create a scratch database"

#: stand-ins for each kind of work; the scratch column stands for the column a backfill fills
PROBES = {
    "scan": Probe("SELECT count(*) FROM {t} WHERE {col} IS NULL", runs=REPEAT + 1),
    "index": Probe("ALTER TABLE {t} ADD INDEX shoring_calibration ({cols}), ALGORITHM=INPLACE, LOCK=NONE",
                   after=("ALTER TABLE {t} DROP INDEX shoring_calibration",)),
    "update": Probe("UPDATE {t} SET shoring_calibration = 1",
                    before=("ALTER TABLE {t} ADD COLUMN shoring_calibration INT",),
                    after=("ALTER TABLE {t} DROP COLUMN shoring_calibration",)),
    "copy": Probe("ALTER TABLE {t} FORCE, ALGORITHM=COPY"),
    "rewrite": Probe("ALTER TABLE {t} FORCE, ALGORITHM=INPLACE, LOCK=NONE"),
}


class Lab(SeparateCopies):
    dialect = "mysql"
    probes = PROBES

    def __init__(self, url: Any, live: Any):
        from shoring.engines import connect
        from shoring.rehearsal import scratch_mysql
        from shoring.rehearsal.scratch import owner_is_dead

        self.url = url
        self.admin = connect(url)
        self.admin.scratch_session()
        self.how = "scratch database on the same server, dropped after"
        for stale in scratch_mysql.stale_copies(url):
            if owner_is_dead(stale):
                self.admin.drop_database(stale)

    def close(self) -> None:
        self.admin.close()

    @contextmanager
    def copies(self, table: str, schema_table: Any, sample_rows: int, n: int) -> Iterator[tuple[Copy, Copy]]:
        from shoring.engines import connect
        from shoring.rehearsal.scratch import scratch_name

        made: list[Copy] = []
        try:
            for rows in (TINY_ROWS, sample_rows):
                copy = Copy(None, self.admin.quote(table), database=scratch_name())
                self.admin.create_database(copy.database)
                made.append(copy)
                copy.engine = connect(self.url.with_database(copy.database))
                copy.engine.scratch_session()
                copy.remake = self._filler(copy, table, schema_table, rows)
                copy.remake()
            yield made[0], made[1]
        finally:
            for copy in made:
                if copy.engine is not None:
                    self.admin.terminate_session(copy.engine.session_id())
                    copy.engine.close()
                self.admin.drop_database(copy.database)

    def _filler(self, copy: Copy, table: str, schema_table: Any, rows: int) -> Any:
        """(Re)makes the copy: the table's shape, then up to `rows` of its rows."""
        q = copy.engine.quote
        source = f"{q(self.url.database)}.{q(table)}"
        cols = ", ".join(q(c.name) for c in schema_table.columns if not c.generated)

        def remake() -> None:
            copy.engine.execute(f"DROP TABLE IF EXISTS {copy.name}")
            copy.engine.execute(f"CREATE TABLE {copy.name} LIKE {source}")
            seconds, copied = timed(copy.engine, f"INSERT INTO {copy.name} ({cols}) SELECT {cols} FROM {source} LIMIT {rows}")
            if not copy.rows:
                copy.rows, copy.seconds = copied, seconds

        return remake
