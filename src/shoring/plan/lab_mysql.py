"""Calibration copies on MySQL/MariaDB: scratch databases on the target's server, dropped afterwards.

DDL commits at once there, so no transaction can hold the experiment. Each table is copied into two
scratch databases (a tiny copy and a sample), named like `shoring test`'s scratch copies
(`shoring.rehearsal.scratch`) so that one a killed `shoring plan` left behind is dropped by the next
plan or rehearsal on this host: CREATE TABLE ... LIKE (columns and indexes; no foreign keys, no
triggers), then INSERT ... SELECT ... LIMIT at READ COMMITTED, which reads a snapshot and takes no
row locks on the user's table. Each kind of work runs the statement form the analysis says the
real one takes (`shoring.analysis.facts_mysql`): ALGORITHM=COPY for a copy, an in-place rebuild
for a rewrite, an in-place index build. The copies are dropped in a `finally`, after ending the
session that worked on them (a statement cut short by Ctrl-C would hold their metadata locks).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from shoring.plan.calibrate import REPEAT, TINY_ROWS, Copy, Probe, timed

CANNOT = "cannot open a connection that may create a scratch database"

#: what each kind of work runs on the copy; the scratch column stands for the column a backfill fills
PROBES = {
    "scan": Probe("SELECT count(*) FROM {t} WHERE {col} IS NULL", runs=REPEAT + 1),
    "index": Probe("ALTER TABLE {t} ADD INDEX shoring_calibration ({cols}), ALGORITHM=INPLACE, LOCK=NONE",
                   after="ALTER TABLE {t} DROP INDEX shoring_calibration"),
    "update": Probe("UPDATE {t} SET shoring_calibration = 1",
                    before="ALTER TABLE {t} ADD COLUMN shoring_calibration INT",
                    after="ALTER TABLE {t} DROP COLUMN shoring_calibration"),
    "copy": Probe("ALTER TABLE {t} FORCE, ALGORITHM=COPY"),
    "rewrite": Probe("ALTER TABLE {t} FORCE, ALGORITHM=INPLACE, LOCK=NONE"),
}
#: the session the copies are made and timed in: snapshot reads, and never a long wait for a lock
SESSION = ("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED", "SET SESSION lock_wait_timeout = 5")


class Lab:
    def __init__(self, url: Any, live: Any):
        from shoring.engines import connect
        from shoring.rehearsal import scratch_mysql
        from shoring.rehearsal.scratch import owner_is_dead

        self.url = url
        self.admin = connect(url)
        self.how = "scratch database on the same server, dropped after"
        self._fill: dict[str, str] = {}
        for stale in scratch_mysql.stale_copies(url):
            if owner_is_dead(stale):
                self.admin.drop_database(stale)

    def close(self) -> None:
        self.admin.close()

    def probe(self, kind: str, table: Any, columns: tuple[str, ...]) -> Probe | None:
        return PROBES.get(kind)

    @contextmanager
    def copies(self, table: str, schema_table: Any, sample_rows: int, n: int) -> Iterator[tuple[Copy, Copy]]:
        from shoring.engines import connect
        from shoring.rehearsal.scratch import scratch_name

        work = connect(self.url)
        databases: list[str] = []
        try:
            for statement in SESSION:
                work.execute(statement)
            q = work.quote
            source = q(table)
            cols = ", ".join(q(c.name) for c in schema_table.columns if not c.generated)
            made = []
            for rows in (TINY_ROWS, sample_rows):
                databases.append(scratch_name())
                self.admin.create_database(databases[-1])
                name = f"{q(databases[-1])}.{q(table)}"
                work.execute(f"CREATE TABLE {name} LIKE {source}")
                self._fill[name] = f"INSERT INTO {name} ({cols}) SELECT {cols} FROM {source} LIMIT {int(rows)}"
                seconds, copied = timed(work, self._fill[name])
                made.append(Copy(work, name, copied, seconds, databases[-1]))
            yield made[0], made[1]
        finally:
            self.admin.terminate_session(work.session_id())
            work.close()
            for database in databases:
                self.admin.drop_database(database)

    @contextmanager
    def undoing(self, copy: Copy, data: bool) -> Iterator[None]:
        """Probes put the copy back themselves; a backfill's changes are undone by refilling the copy."""
        try:
            yield
        finally:
            if data:
                copy.engine.execute(f"TRUNCATE TABLE {copy.name}")
                copy.engine.execute(self._fill[copy.name])

    def swap(self, sql: str, table: str, copy: Copy, limit: int | None = None) -> str:
        """The statement with `table` read from the copy's scratch database, its LIMIT `limit`."""
        from shoring.plan.retarget import retarget

        return retarget(sql, "mysql", table, copy.database, limit)
