"""The seed's "monitor progress (for long-running migrations)": while a statement runs long, say
what it is doing, from a second connection: still running, waiting for whose lock, how far along.

Nothing is said for statements shorter than `progress_every` (10 s by default), so a quick apply
stays quiet. SQLite has no other session to ask from, and is not watched.
"""

from __future__ import annotations

import re
import time
from typing import Any, Callable

from shoring import progress
from shoring.engines.base import Activity
from shoring.runner.blockers import describe
from shoring.runner.history import shorten
from shoring.runner.second_session import SecondSession


#: seconds between the lock watcher's looks while a live view listens
LIVE_SAMPLE = 1.0


def percent_of(text: str | None) -> float | None:
    """'building index: 45% of blocks' -> 45.0 (what the server measured), for the live view's bar."""
    m = re.search(r"(\d+(?:\.\d+)?)%", text or "")
    return float(m.group(1)) if m else None


class ProgressMonitor(SecondSession):
    name = "shoring-progress"

    def __init__(self, engine: Any, say: Callable[[str], None], every: float | None):
        super().__init__(engine, say, every)
        self.every = every

    def _loop(self) -> None:
        # the live view samples every second (lock waits, index builds); the lines are said every `every`
        tick = min(self.every, LIVE_SAMPLE) if progress.listening() else self.every
        said = time.monotonic()
        while not self._stop.wait(tick):
            try:  # connected only once an apply runs long: quick ones pay nothing
                watcher = self.connection()
            except Exception:  # noqa: BLE001 - watching is a help, never a reason to fail the apply
                return
            try:
                activity = watcher.activity(self._session)
            except Exception:  # noqa: BLE001 - a failed look is skipped, the next one may work
                continue
            if activity is None or self._stop.is_set():
                continue
            progress.emit("activity", seconds=activity.seconds, query=shorten(activity.query, 200),
                          waiting_for=activity.waiting_for, blockers=[describe(b) for b in activity.blockers[:3]],
                          progress=activity.progress, percent=percent_of(activity.progress))
            if (activity.seconds or 0) >= self.every and time.monotonic() - said >= self.every - tick / 2:
                said = time.monotonic()
                self.say(report(activity))


def report(activity: Activity) -> str:
    """'  still running after 12s: CREATE INDEX ...; building an index, building index: 45% of blocks'."""
    text = f"  still running after {activity.seconds or 0:.0f}s: {shorten(activity.query, 80)}"
    if activity.waiting_for:
        text += f"; waiting for {activity.waiting_for}"
        if activity.blockers:
            text += " held by " + "; ".join(describe(b) for b in activity.blockers[:3])
    if activity.progress:
        text += f"; {activity.progress}"
    return text
