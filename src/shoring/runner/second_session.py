"""A daemon thread that looks at our session from a connection of its own while a run lasts.

The progress monitor and the max_blocking watcher both need one: the session running the migration is
busy, so only another can ask the server what it is doing. SQLite has no second session to ask from.
"""

from __future__ import annotations

import threading
from typing import Any, Callable


class SecondSession:
    name = "shoring-second-session"
    connect_at_start = False  # True: connect on entry; False: only once the loop first asks (quick runs pay nothing)

    def __init__(self, engine: Any, say: Callable[[str], None], setting: float | None):
        self.engine = engine
        self.say = say
        self._setting = setting
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def __enter__(self) -> "SecondSession":
        if not self._setting or self.engine.description.opens_a_file:
            return self
        self._session = self.engine.session_id()
        if self.connect_at_start:
            self.connection()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        if self._conn is not None and (self._thread is None or not self._thread.is_alive()):
            self._conn.close()

    def connection(self) -> Any:
        if self._conn is None:
            from shoring.engines import connect

            self._conn = connect(self.engine.url)
        return self._conn

    def _loop(self) -> None:
        raise NotImplementedError
