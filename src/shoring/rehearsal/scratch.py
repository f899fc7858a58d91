"""Scratch copies of the target: made before a rehearsal, dropped after it whatever happens.

Each engine copies in its own module (``scratch_postgresql``, ``scratch_mysql``, ``scratch_sqlite``)
behind ``make(target_url, name, options, say) -> Made``. This module names the copy, drops it on every
way out (return, exception, Ctrl-C, SIGTERM) and, before making a new one, drops copies left behind
by rehearsals whose process died (the name carries host and pid, so only provably dead ones go).
"""

from __future__ import annotations

import hashlib
import importlib
import os
import secrets
import signal
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from shoring.engines.url import DatabaseURL
from shoring.engines.description import describe
from shoring.processes import pid_is_dead

PREFIX = "shoring_scratch_"


@dataclass
class CopyOptions:
    method: str = "auto"  # auto | template | sample (PostgreSQL); others have one way each
    sample_rows: int = 10000  # rows per table when copying by sampling
    history_table: str = "shoring_migrations"


@dataclass
class Made:
    """What an engine module reports back: where the copy is and how it was made."""

    url: DatabaseURL
    method: str
    notes: list[str] = field(default_factory=list)
    drop: Callable[[list[Any]], None] = lambda engines: None  # drops the copy, given the engines still open on it


@dataclass
class Scratch:
    url: DatabaseURL
    method: str
    notes: list[str]
    seconds: float
    _engines: list[Any] = field(default_factory=list, repr=False)

    def connect(self, **options: Any) -> Any:
        """A connection to the copy; closed (and, if busy, ended) when the copy is dropped."""
        from shoring.engines import connect

        engine = connect(self.url, **options)
        self._engines.append(engine)
        return engine

    def describe(self) -> dict[str, Any]:
        return {"method": self.method, "seconds": round(self.seconds, 3), "notes": list(self.notes)}


def database_drop(admin: Any, name: str, *, end_sessions: bool = False) -> Callable[[list[Any]], None]:
    """`Made.drop` for a copy that is a database on the target's server, reached through `admin` (a
    connection not to the copy): closes the engines still on the copy, ending their sessions first
    where DROP DATABASE would wait for them, drops the copy and closes `admin`."""

    def drop(engines: list[Any]) -> None:
        for engine in engines:
            if end_sessions:
                try:
                    admin.terminate_session(engine.session_id())
                except Exception:  # noqa: BLE001 - already gone
                    pass
            engine.close()
        try:
            admin.drop_database(name)
        finally:
            admin.close()

    return drop


def host_tag() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:6]


def scratch_name() -> str:
    return f"{PREFIX}{host_tag()}_{os.getpid()}_{secrets.token_hex(3)}"


def owner_is_dead(name: str) -> bool:
    """True only for a copy made on this host by a process that no longer exists."""
    parts = name[len(PREFIX):].split("_")
    if len(parts) != 3 or parts[0] != host_tag() or not parts[1].isdigit():
        return False
    return pid_is_dead(int(parts[1]))


@contextmanager
def scratch_copy(target: DatabaseURL, options: CopyOptions | None = None,
                 say: Callable[[str], None] = lambda s: None) -> Iterator[Scratch]:
    """A copy of ``target`` for the duration of the block; the target itself is only read."""
    options = options or CopyOptions()
    with _scratch(target, lambda module, name: module.make(target, name, options, say), say) as scratch:
        yield scratch


@contextmanager
def scratch_empty(target: DatabaseURL, say: Callable[[str], None] = lambda s: None) -> Iterator[Scratch]:
    """An empty database on ``target``'s server for the duration of the block (``target`` is not read)."""
    with _scratch(target, lambda module, name: module.empty(target, name), say) as scratch:
        yield scratch


@contextmanager
def _scratch(target: DatabaseURL, make: Callable[[Any, str], Made], say: Callable[[str], None]) -> Iterator[Scratch]:
    """Made by `make`, dropped on every way out; copies of dead processes dropped first."""
    module = importlib.import_module(describe(target.engine).scratch)
    for stale in module.stale_copies(target):
        if owner_is_dead(stale):
            say(f"dropping scratch database {stale} left behind by a process that died")
            module.drop_named(target, stale)
    made: Made | None = None
    scratch: Scratch | None = None
    with _sigterm_as_interrupt():
        try:
            t0 = time.perf_counter()
            made = make(module, scratch_name())
            scratch = Scratch(made.url, made.method, made.notes, time.perf_counter() - t0)
            yield scratch
        finally:
            if made is not None:
                engines = scratch._engines if scratch else []
                made.drop(engines)
                for engine in engines:
                    engine.close()


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """A SIGTERM (CI cancelling the job, a container stopping) unwinds like Ctrl-C, so the copy is dropped."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
