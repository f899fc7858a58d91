"""SQLite through the standard library. One writer at a time; the run lock is an OS file lock."""

from __future__ import annotations

import math
import os
import time
from pathlib import Path
from typing import Any, Sequence

from shoring.engines.base import Engine, StatementError
from shoring.engines.description import SQLITE
from shoring.engines.url import DatabaseURL
from shoring.errors import DatabaseError


class SQLiteEngine(Engine):
    description = traits = SQLITE
    name = dialect = SQLITE.name

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
            # check_same_thread=False: an Engine may be handed to another thread, as the server engines' may
            # (Python's sqlite3 serialises calls on one connection).
            self.conn = sqlite3.connect(target, isolation_level=None, timeout=self._busy_default(), uri=True,
                                        check_same_thread=False)
            self.conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise DatabaseError(f"cannot open {url.masked()}: {exc}") from None
        self._lock_fd: int | None = None
        self._statement_timeout: float | None = None
        self._deadline = math.inf  # when statement_timeout interrupts the running statement

    def _busy_default(self) -> float:
        """How long a statement waits for another connection's write lock unless set_timeouts says."""
        return float(self.url.options.get("timeout", 30))

    def close(self) -> None:
        self.run_lock_release("")
        try:
            self.conn.close()
        except Exception:
            pass

    def alive(self) -> bool:
        """False once closed, as on the server engines (a closed sqlite3 connection refuses every call)."""
        try:
            _ = self.conn.total_changes
        except self._sqlite3.ProgrammingError:
            return False
        return True

    @property
    def server_version(self) -> str:
        return self._sqlite3.sqlite_version

    def session_id(self) -> str:
        return str(os.getpid())

    def _error(self, exc: BaseException) -> StatementError:
        """SQLITE_BUSY is a lock wait that gave up (the busy timeout is the lock timeout); SQLITE_INTERRUPT
        here is the statement timeout."""
        code = getattr(exc, "sqlite_errorname", None)
        message = str(exc)
        if code == "SQLITE_INTERRUPT" and self._statement_timeout:
            message += f" (ran longer than statement_timeout {self._statement_timeout:g}s)"
        return StatementError(message, code=code, lock_timeout=code == "SQLITE_BUSY")

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        try:
            self._start_clock()
            return self.conn.execute(sql, params or ()).rowcount
        except self._sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            self._deadline = math.inf

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        try:
            self._start_clock()
            return self.conn.execute(sql, params or ()).fetchall()
        except self._sqlite3.Error as exc:
            raise self._error(exc) from None
        finally:
            self._deadline = math.inf

    def _start_clock(self) -> None:
        """statement_timeout counts from here; outside execute() and query() nothing is interrupted."""
        if self._statement_timeout:
            self._deadline = time.monotonic() + self._statement_timeout

    def set_timeouts(self, lock_timeout_s: float | None, statement_timeout_s: float | None) -> None:
        """lock_timeout bounds the wait for another connection's write lock (SQLite's busy timeout; without
        one, the URL's `timeout`, 30 s by default); statement_timeout interrupts a statement running longer,
        checked every few thousand VM steps. Both were ignored here: a migration waited 30 s for a lock."""
        busy = lock_timeout_s if lock_timeout_s else self._busy_default()
        self.conn.execute(f"PRAGMA busy_timeout = {int(busy * 1000)}")
        self._statement_timeout = statement_timeout_s or None
        self._watch_statement_time()

    def _watch_statement_time(self) -> None:
        self.conn.set_progress_handler(self._over_time if self._statement_timeout else None, 5000)

    def _over_time(self) -> bool:
        return time.monotonic() > self._deadline

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
        """A new empty database file (an empty file is an empty SQLite database), refused when it is there
        already, as a server refuses a name it has: SQLite's databases are files, `name` is its path."""
        try:
            with open(name, "x"):
                pass
        except OSError as exc:
            raise StatementError(f"cannot create database {name}: {exc.strerror}") from None

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

    # --- read-only sessions (plan, lint --live, drift) ---------------------------------------------
    #: how long counting the rows of one statement may take before its rows are "unknown"
    COUNT_SECONDS = 0.5

    def read_only_session(self) -> None:
        self.execute("PRAGMA query_only = ON")

    def explain_rows(self, sql: str) -> int | None:
        """SQLite's planner keeps no row estimates: the rows a statement matches, counted within
        `COUNT_SECONDS` (None when counting them would take longer)."""
        from shoring.engines.shapes import matching_select

        select = matching_select(sql, self.description.sqlglot_dialect)
        deadline = time.perf_counter() + self.COUNT_SECONDS
        self.conn.set_progress_handler(lambda: time.perf_counter() > deadline, 10000)
        try:
            return int(self.query_one(f"SELECT count(*) FROM ({select})")[0])
        finally:
            self._watch_statement_time()  # statement_timeout's handler again, if one is set
