"""Where a running apply, rollback or backfill reports what it is doing, as structured events: the live view
and the run log listen here. With no listener attached every call is a no-op, so library code can report
freely (the batch loop, the statement runner and the lock watcher all do).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol


class Listener(Protocol):
    def emit(self, kind: str, fields: dict[str, Any]) -> None: ...


_listener: Listener | None = None
_lock = threading.Lock()


def attach(listener: Listener | None) -> None:
    global _listener
    with _lock:
        _listener = listener


def listening() -> bool:
    """Is anyone listening? (Then totals worth a query are fetched, e.g. the rows a backfill will change.)"""
    return _listener is not None


def emit(kind: str, **fields: Any) -> None:
    listener = _listener
    if listener is None:
        return
    try:
        listener.emit(kind, fields)
    except Exception:  # noqa: BLE001 - a display that breaks must never break a migration
        pass
