"""What the engine conformance tests share besides fixtures: a call run on a second thread."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

#: one table every test may use: portable SQL, the same on the three engines
ITEMS = "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(40))"


class Background:
    """Run one call on a thread (a second session blocks there while the test looks at it)."""

    def __init__(self, call: Callable[[], Any]):
        self._result: Any = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(call,), daemon=True)
        self._thread.start()

    def _run(self, call: Callable[[], Any]) -> None:
        try:
            self._result = call()
        except BaseException as exc:  # noqa: BLE001 - handed to the test by result()
            self._error = exc

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def result(self, timeout: float = 30.0) -> Any:
        """The call's value, or its exception raised here; fails when it has not ended within `timeout`."""
        self._thread.join(timeout)
        assert not self._thread.is_alive(), f"the background call has not ended after {timeout}s"
        if self._error is not None:
            raise self._error
        return self._result


#: A trigger that lower-cases `name` on insert, per engine: the one piece of setup SQL with no portable
#: spelling (PostgreSQL runs a function, MariaDB a statement, SQLite a block). {table} and {trigger} are quoted.
TRIGGER_SQL = {
    "postgresql": [("CREATE FUNCTION conformance_lower() RETURNS trigger LANGUAGE plpgsql AS "
                    "$$BEGIN NEW.name := lower(NEW.name); RETURN NEW; END$$"),
                   "CREATE TRIGGER {trigger} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION conformance_lower()"],
    "mysql": ["CREATE TRIGGER {trigger} BEFORE INSERT ON {table} FOR EACH ROW SET NEW.name = LOWER(NEW.name)"],
    "sqlite": [("CREATE TRIGGER {trigger} AFTER INSERT ON {table} BEGIN "
                "UPDATE {table} SET name = lower(NEW.name) WHERE rowid = NEW.rowid; END")],
}


def create_trigger(engine, table: str, trigger: str) -> None:
    for sql in TRIGGER_SQL[engine.name]:
        engine.execute(sql.format(table=engine.quote(table), trigger=engine.quote(trigger)))
