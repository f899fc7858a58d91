"""The concurrent probe: what an application doing a simple read or write would live through.

Each attempt runs on its own connection in a transaction that is always rolled back: a read is
``SELECT * FROM t LIMIT 1``, a write deletes one row (``ctid`` of the first one), which takes the
table's RowExclusiveLock and that row's lock like any UPDATE or DELETE would. ``lock_timeout`` is
kept below ``deadlock_timeout``, so a probe gives up before it could ever be part of a deadlock
with the migration; whether and how long it was kept waiting is recorded either way.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from shoring.engines import StatementError
from shoring.rehearsal.observe import ProbeResult

#: below PostgreSQL's default deadlock_timeout (1 s): the probe always gives up first
PROBE_LOCK_TIMEOUT_MS = 200
_LOCK_NOT_AVAILABLE = "55P03"
KINDS = ("read", "write")


def probe_sql(kind: str, table_sql: str, only: bool) -> str:
    source = f"ONLY {table_sql}" if only else table_sql
    if kind == "read":
        return f"SELECT * FROM {source} LIMIT 1"
    return f"DELETE FROM {source} WHERE ctid = (SELECT ctid FROM {source} LIMIT 1)"


@dataclass
class Attempt:
    table: str
    kind: str
    started: float = 0.0
    ended: float | None = None
    pid: int | None = None
    waited: bool = False  # seen waiting for a lock, or gave up waiting
    timed_out: bool = False
    error: str | None = None
    done: threading.Event = field(default_factory=threading.Event)
    followed: bool = False  # a watcher already started the next attempt after this one


class ProbePool:
    """Connections for probe attempts, opened on first use and reused."""

    def __init__(self, connect: Callable[[], Any]):
        self._connect = connect
        self._idle: list[Any] = []
        self._all: list[Any] = []
        self._lock = threading.Lock()

    def get(self) -> Any:
        with self._lock:
            if self._idle:
                return self._idle.pop()
        engine = self._connect()
        engine.execute(f"SET lock_timeout = {PROBE_LOCK_TIMEOUT_MS}")
        engine.execute("SET statement_timeout = '120s'")
        engine.execute("SET application_name = 'shoring rehearsal probe'")
        with self._lock:
            self._all.append(engine)
        return engine

    def put(self, engine: Any) -> None:
        with self._lock:
            self._idle.append(engine)

    def close(self) -> None:
        with self._lock:
            engines, self._all, self._idle = self._all, [], []
        for engine in engines:
            engine.close()


def run_attempt(pool: ProbePool, attempt: Attempt, sql: str) -> None:
    """One read or write, in a transaction that is rolled back; fills in the attempt."""
    engine = pool.get()
    attempt.pid = int(engine.session_id())
    attempt.started = time.perf_counter()
    try:
        engine.begin()
        try:
            engine.query(sql)
        finally:
            engine.rollback()
    except StatementError as exc:
        if exc.code == _LOCK_NOT_AVAILABLE:
            attempt.waited = attempt.timed_out = True
        elif exc.code != "23503":  # a write refused by a foreign key still got its locks: not the probe's problem
            attempt.error = exc.message
    except Exception as exc:  # noqa: BLE001 - a broken probe must never break the rehearsal
        attempt.error = f"{type(exc).__name__}: {exc}"
    finally:
        attempt.ended = time.perf_counter()
        pool.put(engine)
        attempt.done.set()


def start_attempt(pool: ProbePool, table: str, table_sql: str, kind: str, only: bool) -> Attempt:
    attempt = Attempt(table=table, kind=kind, started=time.perf_counter())
    threading.Thread(target=run_attempt, args=(pool, attempt, probe_sql(kind, table_sql, only)), daemon=True).start()
    return attempt


def summarise(attempts: list[Attempt], held_for: float | None) -> dict[str, dict[str, ProbeResult]]:
    """Per table and kind: blocked or not, and for how long an application would have waited.

    An attempt that gave up after ``PROBE_LOCK_TIMEOUT_MS`` would have waited as long as the
    statement's locks were held (``held_for``: from its start to the end of its transaction).
    """
    out: dict[str, dict[str, ProbeResult]] = {}
    for a in attempts:
        result = out.setdefault(a.table, {}).setdefault(a.kind, ProbeResult())
        result.attempts += 1
        if a.error and not result.error:
            result.error = a.error
        if not a.waited:
            continue
        result.blocked = True
        measured = (a.ended or a.started) - a.started
        # it arrived after the statement took its locks, so it cannot have waited longer than they were held
        waited = measured if held_for is None else (held_for if a.timed_out else min(measured, held_for))
        result.seconds = max(result.seconds, waited) if held_for is not None else result.seconds + max(0.0, waited)
    return out
