"""Throttling that reacts (gh-ost's idea): a batch loop backs off while the application suffers.

Between batches the loop asks `wait()`: while the user's `throttle_query` returns a true first
value, or a PostgreSQL standby replays more than `max_lag` behind, it pauses (said once, and again
every PROGRESS seconds) and resumes when the check clears. The max_blocking watcher, looking from its
second connection, tells it when sessions waited on us (`saw_waiters`): after such a batch the next
ones are halved and the pause between them doubled (back to what was asked once nobody waits). The
look is not made inside the batch, which would hold its row locks one round trip longer.
"""

from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from shoring import progress

#: How often a paused loop checks again, and how often it says it is still paused (seconds).
POLL, PROGRESS = 0.2, 10.0
#: A batch loop that keeps the application waiting shrinks its batches to no less than this.
MIN_BATCH = 10

#: Engines whose primary measures its replicas' lag (engine.replication_lag): PostgreSQL's
#: pg_stat_replication. A MariaDB/MySQL primary does not know how far its replicas are behind.
_LAG_MEASURED = {"postgresql"}


@dataclass
class Throttle:
    """One per run: set on the engine that runs the batches (`engine.throttle`), read by walk_batches."""

    query: str | None = None  # the user's check: pause while its first value is true
    max_lag: float | None = None  # seconds a replica may fall behind
    say: Callable[[str], None] = lambda s: None
    paused_seconds: float = 0.0
    pauses: int = 0
    saw_waiters: bool = False  # set by the max_blocking watcher: a session waited on a lock of ours
    batches_done: int = 0  # counted by after_batch, so that a look begun during one batch is not held against the next
    _slowdown: int = field(default=0, repr=False)  # how many halvings the waiting sessions asked for
    _deepest_said: int = field(default=0, repr=False)
    _recovery_said: float = field(default=-PROGRESS, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # the watcher's thread and the loop's

    @property
    def active(self) -> bool:
        return bool(self.query or self.max_lag)

    def why_pause(self, engine: Any) -> str | None:
        if self.query:
            row = engine.query_one(self.query)
            if row and row[0] and str(row[0]).lower() not in ("0", "f", "false"):
                return "throttle_query says so"
        if self.max_lag and engine.name in _LAG_MEASURED:
            lag = (engine.replication_lag() or (0, None))[1] or 0.0
            if lag > self.max_lag:
                return f"a replica is {lag:.1f}s behind (max_lag {self.max_lag:g}s)"
        return None

    def wait(self, engine: Any, label: str) -> None:
        """Between batches (no transaction open): pause while a check says the application suffers."""
        if not self.active:
            return
        why = self.why_pause(engine)
        if why is None:
            return
        started = shown = time.monotonic()
        self.pauses += 1
        progress.emit("throttle", label=label, paused=True, why=why)
        self.say(f"  {label}: paused: {why}")
        while why is not None:
            time.sleep(POLL)  # pacing a poll of the server, not synchronisation
            why = self.why_pause(engine)
            if why is not None and time.monotonic() - shown >= PROGRESS:
                shown = time.monotonic()
                self.say(f"  {label}: still paused after {shown - started:.0f}s: {why}")
        waited = time.monotonic() - started
        progress.emit("throttle", label=label, paused=False, waited=waited)
        self.paused_seconds += waited
        self.say(f"  {label}: resumed after {waited:.1f}s")

    def waited_on(self, during: int) -> None:
        """The watcher saw sessions waiting on us in a look begun when `during` batches were done: it
        counts against the batch running then, not against the next one if that batch ended meanwhile."""
        with self._lock:
            if during == self.batches_done:
                self.saw_waiters = True

    def after_batch(self, size: int, pause: float, label: str = "batches") -> None:
        """After each batch of `size` rows and `pause` seconds asked: did anyone wait on us meanwhile?
        Slow down (and say so); else recover a step (and say when back to what was asked)."""
        with self._lock:
            self.batches_done += 1
            waited, self.saw_waiters = self.saw_waiters, False
        before = self._slowdown
        self._slowdown = min(self._slowdown + 1, 6) if waited else max(self._slowdown - 1, 0)
        # said when it slows down further than before in this run, and when back to what was asked at most
        # every PROGRESS seconds: a table whose every batch keeps someone waiting would say it hundreds of times
        if self._slowdown > max(before, self._deepest_said):
            self._deepest_said = self._slowdown
            self.say(f"  {label}: sessions waited on our rows: batches of {self.batch_size(size):,} rows, "
                     f"pausing {self.pause(pause):g}s")
        elif before and not self._slowdown and time.monotonic() - self._recovery_said >= PROGRESS:
            self._recovery_said = time.monotonic()
            self.say(f"  {label}: nobody waits any more: batches of {size:,} rows again")

    def batch_size(self, size: int) -> int:
        return max(MIN_BATCH, size >> self._slowdown) if self._slowdown else size

    def pause(self, pause: float) -> float:
        return max(pause, 0.05) * (2 ** self._slowdown) if self._slowdown else pause


@contextmanager
def throttled(engine: Any, query: str | None, max_lag: float | None, say: Callable[[str], None]) -> Iterator[Throttle]:
    """The run's throttle on `engine` for the duration of the block (taken off again after)."""
    throttle = Throttle(query=query, max_lag=max_lag, say=say)
    engine.throttle = throttle
    try:
        yield throttle
    finally:
        engine.throttle = None
