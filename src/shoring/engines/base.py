"""The one protocol every database speaks to the rest of shoring.

Only this package knows how one database differs from another; where it can, it says so in data
(``shoring.engines.description``) rather than in branches scattered through the runner.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Sequence

from shoring.engines.description import Description

if TYPE_CHECKING:
    from shoring.engines.url import DatabaseURL

#: A % and what follows it, in the user's SQL sent with parameters: %s, %%, or a lone % (refused).
_PERCENT = re.compile(r"%(.|$)", re.S)


_DML = re.compile(r"^\s*(?:\(\s*)?(INSERT|UPDATE|DELETE|REPLACE|SELECT|WITH)\b", re.I)


class StatementError(Exception):
    """A statement the database refused; message is the server's own words, one line."""

    def __init__(self, message: str, *, code: str | None = None, lock_timeout: bool = False):
        super().__init__(message)
        self.message = message
        self.code = code
        self.lock_timeout = lock_timeout


@dataclass(frozen=True)
class Activity:
    """What one session is doing now, as the server tells another session."""

    seconds: float | None  # how long its current statement has been running
    query: str | None
    waiting_for: str | None = None  # "a lock", "a metadata lock", ... when it waits
    blockers: tuple["LockHolder", ...] = ()  # the sessions it waits for, where the server says
    progress: str | None = None  # "building index: 45% of blocks", where the server measures it


@dataclass(frozen=True)
class LockHolder:
    session: str
    application: str | None  # what the holder says it is (host and pid where known)
    query: str | None
    seconds: float | None
    state: str | None = None  # "idle in transaction", "active", ... where the server says
    relation: str | None = None  # the table it holds a lock on


def owner_tag() -> str:
    """How this process names itself to the database, so a stale run lock can be traced to a dead pid."""
    return f"shoring pid={os.getpid()} host={socket.gethostname()}"


def parse_owner_tag(tag: str | None) -> tuple[str | None, int | None]:
    if not tag or "pid=" not in tag:
        return None, None
    parts = dict(p.split("=", 1) for p in tag.split() if "=" in p)
    try:
        return parts.get("host"), int(parts.get("pid", ""))
    except ValueError:
        return parts.get("host"), None


def process_is_dead(tag: str | None) -> bool:
    """True only when the tag names a process on this host that no longer exists."""
    from shoring.processes import pid_is_dead

    host, pid = parse_owner_tag(tag)
    return host == socket.gethostname() and bool(pid) and pid_is_dead(pid)


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for PostgreSQL advisory locks."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


class Engine:
    """A live connection to one database, in autocommit mode unless a transaction is begun."""

    name: ClassVar[str]
    dialect: ClassVar[str]
    #: everything that makes this engine differ, as data (``traits`` is its older name, still read)
    description: ClassVar[Description]
    traits: ClassVar[Description]

    def __init__(self, url: DatabaseURL):
        self.url = url
        self.in_transaction = False
        self.cancel_gate = threading.Lock()  # the watcher cancels only under it, and only while nothing is shielded
        self.shielded_depth = 0

    # --- connection ---------------------------------------------------------------------------
    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def server_version(self) -> str:
        raise NotImplementedError

    @property
    def is_mariadb(self) -> bool:
        return False

    def session_id(self) -> str:
        raise NotImplementedError

    # --- statements ---------------------------------------------------------------------------
    def execute(self, sql: str, params: Sequence[Any] | None = None) -> int:
        """Run one statement; returns the affected row count (or -1)."""
        raise NotImplementedError

    def query(self, sql: str, params: Sequence[Any] | None = None) -> list[tuple]:
        raise NotImplementedError

    def execute_batch(self, items: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        """Run several statements; drivers that can pipeline them send them in one round trip."""
        for sql, params in items:
            self.execute(sql, params)

    def commit_with(self, items: Sequence[tuple[str, Sequence[Any] | None]]) -> None:
        """Run the last statements of a transaction and commit it."""
        self.execute_batch(items)
        self.commit()

    def query_one(self, sql: str, params: Sequence[Any] | None = None) -> tuple | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def begin(self) -> None:
        self.execute("BEGIN")
        self.in_transaction = True

    def commit(self) -> None:
        self.execute("COMMIT")
        self.in_transaction = False

    def rollback(self) -> None:
        try:
            if self.alive():
                self.execute("ROLLBACK")
        finally:
            self.in_transaction = False

    def alive(self) -> bool:
        """Is the connection still usable? (After a lost connection the server has rolled back for us.)"""
        return True

    def sql(self, text: str) -> str:
        """Write queries with %s; this turns them into the driver's placeholder."""
        return text if self.traits.placeholder == "%s" else text.replace("%s", self.traits.placeholder)

    def user_sql(self, text: str, params: Sequence[Any] | None) -> str:
        """The user's SQL (ctx.execute, the test fixture) for the driver, one rule on every engine: with
        parameters, each is %s and a literal % is %% (DB-API's format style, which psycopg and PyMySQL
        read); without, the SQL goes as written. SQLite's driver reads ?, so shoring translates, and
        refuses a lone % there with a StatementError as psycopg and PyMySQL do, so a query tested on SQLite
        runs elsewhere and fails alike."""
        if params is None or self.traits.placeholder == "%s":
            return text

        def one(m: "re.Match[str]") -> str:
            if m.group(1) == "%":
                return "%"
            if m.group(1) == "s":
                return self.traits.placeholder
            raise StatementError(f"a literal % in SQL run with parameters is written %% (at {m.group(0)!r}); "
                                 f"parameters are %s, on every engine")

        return _PERCENT.sub(one, text)

    def quote(self, identifier: str) -> str:
        return self.description.quote(identifier)

    def statement_is_transactional(self, sql: str) -> bool:
        """Whether this statement can commit atomically with a history update in statement-by-statement mode.

        Only plain DML: DDL commits implicitly on MySQL, and some PostgreSQL statements
        (CREATE INDEX CONCURRENTLY, VACUUM) refuse to run inside a transaction block.
        """
        return bool(_DML.match(sql))

    def durable_checkpoint(self) -> None:
        """Make every commit so far durable (engines that relax durability for speed flush here)."""

    # --- guards -------------------------------------------------------------------------------
    def set_timeouts(self, lock_timeout_s: float | None, statement_timeout_s: float | None) -> None:
        """Bound how long one statement may wait for a lock (the lock-queue pitfall) and run."""

    def limit_parallel_workers(self, workers: int) -> None:
        """Cap the helper processes one statement of this session may start. Where the server builds an
        index or scans a table with several processes (only PostgreSQL does), each takes a CPU the
        application was using: a migration's builds, copies and checks should take one at most."""

    # --- run lock -----------------------------------------------------------------------------
    def run_lock_try(self, name: str) -> bool:
        raise NotImplementedError

    def run_lock_wait(self, name: str, seconds: float) -> bool:
        raise NotImplementedError

    def run_lock_release(self, name: str) -> None:
        raise NotImplementedError

    def activity(self, session: str) -> Activity | None:
        """What `session` is doing (asked from another connection, while a migration runs); None: idle."""
        return None

    def table_lock_holders(self, tables: Sequence[str]) -> list[LockHolder]:
        """Other sessions holding locks on these tables: who a statement that timed out waited for."""
        return []

    def run_lock_holder(self, name: str) -> LockHolder | None:
        return None

    def terminate_session(self, session: str) -> None:
        raise NotImplementedError

    #: The run's shoring.backfill.throttle.Throttle while an apply runs batches on this connection.
    throttle: Any = None

    #: Set by the max_blocking watcher just before it cancels this connection's statement: the error
    #: that statement then raises carries it and counts as a lock timeout (retried with backoff).
    cancel_reason: str | None = None

    def take_cancel_reason(self) -> str | None:
        reason, self.cancel_reason = self.cancel_reason, None
        return reason

    @contextmanager
    def shielded(self):
        """Shoring's own bookkeeping (the history, its events) runs here, where the max_blocking watcher
        does not cancel: a cancelled history write escaped as a fatal error and left the record unwritten."""
        with self.cancel_gate:
            self.shielded_depth += 1
        try:
            yield
        finally:
            with self.cancel_gate:
                self.shielded_depth -= 1

    def blocked_by(self, session: str) -> tuple[int, float]:
        """(sessions waiting on a lock this session holds or queues ahead for, the longest wait in seconds)."""
        return 0, 0.0

    def cancel_statement(self, session: str) -> None:
        """Cancel the statement that session is running (the session and its transaction stay)."""

    # --- databases (tests, scratch copies) ------------------------------------------------------
    def create_database(self, name: str) -> None:
        raise NotImplementedError

    def drop_database(self, name: str) -> None:
        raise NotImplementedError

    def table_exists(self, table: str) -> bool:
        raise NotImplementedError

    #: how the engine refreshes a table's planner statistics (after a rewrite)
    ANALYZE: ClassVar[str] = "ANALYZE {table}"

    def analyze(self, table: str) -> None:
        self.query(self.ANALYZE.format(table=self.quote(table)))

    # --- read-only sessions (plan, lint --live, drift) ---------------------------------------------
    def read_only_session(self) -> None:
        """Make the session refuse writes, and never queue behind a migration's lock for long."""

    def explain_rows(self, sql: str) -> int | None:
        """Rows the server's planner expects a statement to touch, without running it; None if it cannot say."""
        return None

    def analysis_settings(self) -> dict[str, str]:
        """Session settings the analysers read, as the server has them now."""
        return {}

    def columns_without_statistics(self, table: str, columns: list[str]) -> list[str]:
        """Columns the planner has no statistics for: its estimates about them are guesses."""
        return []

    def tool_environment(self) -> dict[str, str]:
        """Connection details for the engine's command-line tools (pg_dump, mysqldump, sqlite3), the way
        each reads them, on top of this process's environment."""
        url = self.url
        return dict(os.environ, SHORING_DATABASE_URL=url.raw or url.masked())

    # --- preflight --------------------------------------------------------------------------------
    def replication_lag(self) -> tuple[int, float | None] | None:
        """(replicas seen, worst lag in seconds or None when unmeasured); None: the engine has no replication."""
        return None

    def data_directory(self) -> str | None:
        """Where the server keeps its files, when it says (free disk for a rewrite is read there)."""
        return None

    def invalid_indexes(self) -> list[str]:
        """Indexes a failed online build left behind (only PostgreSQL has such a state)."""
        return []

    def column_names(self, table: str) -> list[str]:
        raise NotImplementedError

    def trigger_exists(self, name: str, table: str | None = None) -> bool:
        """Is there a trigger `name` (on `table` where trigger names are per table), in the current schema?"""
        raise NotImplementedError

    def index_valid(self, name: str, table: str | None = None) -> bool | None:
        """Does index `name` (of `table`, where index names are per table) exist: True if usable, False if
        a failed online build left it INVALID (PostgreSQL), None if there is no such index."""
        raise NotImplementedError
