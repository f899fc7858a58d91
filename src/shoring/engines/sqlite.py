"""SQLite through the standard library. One writer at a time; the run lock is an OS file lock."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Sequence

from shoring.dburl import DatabaseURL
from shoring.engines.base import Engine, StatementError, Traits
from shoring.errors import DatabaseError


class SQLiteEngine(Engine):
    name = "sqlite"
    dialect = "sqlite"
    traits = Traits(
        transactional_ddl=True,
        placeholder="?",
        quote_char='"',
        text_type="TEXT",
        timestamp_type="TEXT",
        int_type="INTEGER",
        bigint_type="INTEGER",
        autoincrement_pk="INTEGER PRIMARY KEY AUTOINCREMENT",
    )

    def __init__(self, url: DatabaseURL, *, read_only: bool = False, **_: Any):
        super().__init__(url)
        import sqlite3

        self._sqlite3 = sqlite3
        self.path = url.database
        target = self.path
        #: a read-only command on a database that does not exist yet sees an empty one and creates nothing
        self.missing = False
        if self.path != ":memory:":
            folder = Path(self.path).resolve().parent
            if not folder.is_dir():
                raise DatabaseError(f"cannot open {url.masked()}: folder {folder} does not exist")
            if read_only and not Path(self.path).exists():
                self.missing, target = True, ":memory:"
        try:
            # isolation_level=None: autocommit; the runner issues BEGIN/COMMIT itself. uri=True leaves plain
            # paths alone and lets ATTACH open another file read-only ('file:...?mode=ro').
            self.conn = sqlite3.connect(target, isolation_level=None, timeout=float(url.options.get("timeout", 30)), uri=True)
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open {url.masked()}: {exc}") from None
        self._lock_fd: int | None = None

    def close(self) -> None:
        self.run_lock_release("")
        try:
            self.conn.close()
        except Exception:
            pass

    @property
    def server_version(self) -> str:
        return self._sqlite3.sqlite_version

    def session_id(self) -> str:
        return str(os.getpid())

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        try:
            cur = self.conn.execute(sql, params or ())
        except self._sqlite3.Error as exc:
            raise StatementError(str(exc), code=getattr(exc, "sqlite_errorname", None)) from None
        return cur.rowcount

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        try:
            return self.conn.execute(sql, params or ()).fetchall()
        except self._sqlite3.Error as exc:
            raise StatementError(str(exc), code=getattr(exc, "sqlite_errorname", None)) from None

    def begin(self) -> None:
        # IMMEDIATE takes the write lock now, not at the first write, so a migration never
        # fails half-way on SQLITE_BUSY.
        self.execute("BEGIN IMMEDIATE")
        self.in_transaction = True

    # --- run lock: an exclusive lock on a file beside the database; the OS drops it with the process
    def _lock_path(self) -> str:
        return os.path.abspath(self.path) + ".shoring-lock"

    def run_lock_try(self, name: str) -> bool:
        import fcntl

        if self.path == ":memory:" or self.missing:
            return True
        if self._lock_fd is None:
            self._lock_fd = os.open(self._lock_path(), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def run_lock_wait(self, name: str, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        delay = 0.005
        while True:
            if self.run_lock_try(name):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.1)

    def run_lock_release(self, name: str) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing drops the flock
            self._lock_fd = None

    def terminate_session(self, session: str) -> None:
        pass  # a dead process holds no file lock

    # --- databases ----------------------------------------------------------------------------
    def create_database(self, name: str) -> None:
        raise NotImplementedError("SQLite databases are files; open a new URL instead")

    def drop_database(self, name: str) -> None:
        for suffix in ("", "-journal", "-wal", "-shm", ".shoring-lock"):
            try:
                os.remove(name + suffix)
            except FileNotFoundError:
                pass

    def data_directory(self) -> str | None:
        import os

        return None if self.path == ":memory:" else os.path.dirname(os.path.abspath(self.path))

    def table_exists(self, table: str) -> bool:
        return self.query_one("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [table])[0] > 0

    def trigger_exists(self, name: str, table: str | None = None) -> bool:
        return self.query_one("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name = ?", [name])[0] > 0

    def index_valid(self, name: str, table: str | None = None) -> bool | None:
        row = self.query_one("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = ?", [name])
        return True if row[0] else None

    def column_names(self, table: str) -> list[str]:
        return [r[1] for r in self.query(f"PRAGMA table_info({self.quote(table)})")]
