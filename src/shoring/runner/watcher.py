"""The seed's "monitor closely", acted on: a statement of ours that keeps other sessions waiting
longer than `max_blocking` is cancelled from a second connection, said, and retried later.

A lock_timeout bounds how long our DDL waits for its lock; this bounds how long the application
waits for ours: an index build without CONCURRENTLY, a batch holding rows others update, an ALTER
queued behind a long transaction where the engine cannot time out under a second (MariaDB). The
cancelled statement fails as a lock timeout does, so the runner retries it with backoff (a backfill
resumes from its checkpoint). SQLite has no second session to look from, and is not watched.
"""

from __future__ import annotations

import time
from typing import Any, Callable

from shoring import progress
from shoring.runner.second_session import SecondSession


class BlockingWatcher(SecondSession):
    name = "shoring-max-blocking"
    connect_at_start = True  # the first look must come within a quarter of the limit

    def __init__(self, engine: Any, say: Callable[[str], None], limit: float | None):
        super().__init__(engine, say, limit)
        self.limit = limit
        self.cancelled = 0

    def _loop(self) -> None:
        every = min(0.1, self.limit / 4)  # a look costs one small query; the limit is met within a quarter of itself
        cancelled_at = 0.0
        seen = 0
        while not self._stop.wait(every):
            try:
                throttle = self.engine.throttle
                during = throttle.batches_done if throttle is not None else 0
                waiting, longest = self._conn.blocked_by(self._session)
                if self.engine.cancel_reason is not None and not waiting and time.monotonic() - cancelled_at > 1.0:
                    # the statement ended before the cancel reached it; while a cancelled statement still
                    # rolls back (seconds, for a big batch on MariaDB) the sessions it held still wait
                    self.engine.cancel_reason = None
                if waiting and throttle is not None:
                    throttle.waited_on(during)  # the batches slow down (shoring.backfill.throttle)
                if waiting != seen:  # the run log tells when the application started and stopped waiting on us
                    seen = waiting
                    progress.emit("waiters", waiting=waiting, longest=round(longest, 3))
                if waiting and longest > self.limit and not self._stop.is_set() and self.engine.cancel_reason is None:
                    reason = (f"cancelled by shoring: it kept {waiting} session(s) waiting {longest:.1f}s, "
                              f"longer than max_blocking {self.limit:g}s")
                    with self.engine.cancel_gate:  # never shoring's history write: that one must land
                        if self.engine.shielded_depth:
                            continue
                        self.engine.cancel_reason = reason
                        cancelled_at = time.monotonic()
                        self._conn.cancel_statement(self._session)
                    self.cancelled += 1
                    self.say(f"  {reason}; it will be retried")
            except Exception:  # noqa: BLE001 - a failed look is skipped; watching never fails the apply
                continue
