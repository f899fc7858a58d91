"""What every runner operation shares: settings, the engine, the history, the migrations, the run lock."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from shoring.config import Settings, require_url
from shoring.engines import Engine, connect, parse_url
from shoring.engines.base import LockHolder, process_is_dead
from shoring.errors import ShoringError
from shoring.migrations import MigrationSet, load_migrations
from shoring.runner.history import History

Say = Callable[[str], None]


@dataclass
class Session:
    settings: Settings
    engine: Engine
    migrations: MigrationSet
    say: Say = field(default=lambda text: None)

    def __post_init__(self) -> None:
        self.history = History(self.engine, self.settings.history_table)
        self._locked = False

    @property
    def lock_name(self) -> str:
        return self.settings.history_table

    # --- the run lock ---------------------------------------------------------------------------
    def lock(self) -> None:
        """Take the run lock, breaking it only when its holder is a dead process on this host."""
        engine, name = self.engine, self.lock_name
        if not engine.run_lock_try(name):
            holder = engine.run_lock_holder(name)
            if holder and self._holder_is_dead(holder):
                self.say(f"run lock held by session {holder.session} of a process that no longer exists; ending that session")
                engine.terminate_session(holder.session)
            elif holder:
                self.say(f"waiting for the run lock: {describe_holder(holder)}")
            if not engine.run_lock_wait(name, self.settings.lock_wait):
                holder = engine.run_lock_holder(name)
                who = f" ({describe_holder(holder)})" if holder else ""
                raise ShoringError(
                    f"another shoring run holds the migration lock on {engine.url.masked()}{who}; "
                    f"gave up after {self.settings.lock_wait:g}s (setting lock_wait)"
                )
        self._locked = True

    def unlock(self) -> None:
        if self._locked:
            try:
                if self.engine.alive():  # a lost connection took its lock with it
                    self.engine.run_lock_release(self.lock_name)
            finally:
                self._locked = False

    def _holder_is_dead(self, holder: LockHolder) -> bool:
        if holder.application and process_is_dead(holder.application):
            return True
        # MySQL/MariaDB sessions carry no name; the history row of the migration it was running does.
        for row in self.history.rows().values():
            if row.state == "running" and row.session == holder.session:
                return process_is_dead(f"shoring pid={row.pid} host={row.host}")
        return False

    def lock_is_free(self) -> bool:
        """For status: is no live process running migrations right now?

        A lock whose holder is a dead process counts as free: its work was interrupted, whatever
        its orphaned database session is still doing (the next apply ends that session).
        """
        if self._locked:
            return True
        if self.engine.run_lock_try(self.lock_name):
            self.engine.run_lock_release(self.lock_name)
            return True
        holder = self.engine.run_lock_holder(self.lock_name)
        return bool(holder and self._holder_is_dead(holder))

    def apply_timeouts(self) -> None:
        """The limits every statement of a run keeps to: its lock wait, its time, the CPUs it may take."""
        self.engine.set_timeouts(
            self.settings.lock_timeout_seconds,
            self.settings.statement_timeout_seconds,
        )
        self.engine.limit_parallel_workers(self.settings.parallel_workers)


@contextmanager
def open_session(settings: Settings, say: Say | None = None, *, need_migrations: bool = True,
                 **engine_options: Any) -> Iterator[Session]:
    """Load migrations first (bad files, or no migrations folder, fail before any connection, so no
    SQLite file is made), then connect. `need_migrations=False`: commands that read only the database.
    Here, not in the CLI, because the fleet opens one session per target too."""
    url = parse_url(require_url(settings))
    migrations = load_migrations(settings.migrations_dir, must_exist=need_migrations)
    engine = connect(url, **engine_options)
    try:
        yield Session(settings=settings, engine=engine, migrations=migrations, say=say or (lambda s: None))
    finally:
        engine.close()


def describe_holder(holder: LockHolder) -> str:
    parts = [f"session {holder.session}"]
    if holder.application:
        parts.append(holder.application)
    if holder.query:
        parts.append(f"running {' '.join(holder.query.split())[:80]!r}")
    if holder.seconds is not None:
        parts.append(f"for {holder.seconds:.0f}s")
    return ", ".join(parts)
