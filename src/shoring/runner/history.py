"""The history table (one row per migration, its current state) and the append-only event log."""

from __future__ import annotations

import getpass
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from shoring import __version__
from shoring.engines import Engine

STATES = ("applied", "failed", "running", "rolled_back", "baseline")
EVENTS = ("apply", "resume", "fail", "rollback", "repair", "baseline", "backup", "restore", "import", "complete", "abort", "cancel")

COLUMNS = (
    "version", "name", "kind", "checksum", "state", "direction", "statements_total", "statements_done",
    "done_checksum", "failed_statement", "failed_sql", "error", "started_at", "finished_at", "duration_ms",
    "applied_by", "host", "pid", "session", "tool_version",
)


@dataclass
class HistoryRow:
    version: str
    name: str
    kind: str
    checksum: str
    state: str
    direction: str | None
    statements_total: int | None
    statements_done: int
    done_checksum: str | None
    failed_statement: int | None
    failed_sql: str | None
    error: str | None
    started_at: Any
    finished_at: Any
    duration_ms: int | None
    applied_by: str | None
    host: str | None
    pid: int | None
    session: str | None
    tool_version: str | None

    @property
    def partial(self) -> bool:
        """Some statements ran outside a transaction and were not undone."""
        return self.state in ("failed", "running") and (self.statements_done or 0) > 0

    def where_failed(self, line: int | None = None) -> str:
        """'at statement 3 of 5 (line 12) while applying: <sql>: <error>'."""
        total = self.statements_total
        at = self.failed_statement or (self.statements_done or 0) + 1
        of = f" of {total}" if total else ""
        where = f" (line {line})" if line else ""
        doing = "rolling back" if self.direction == "down" else "applying"
        sql = f": {shorten(self.failed_sql)}" if self.failed_sql else ""
        err = f": {self.error}" if self.error else ""
        if self.kind == "python":
            return f"in {'down' if self.direction == 'down' else 'up'}(ctx) while {doing}{err}"
        return f"at statement {at}{of}{where} while {doing}{sql}{err}"


def shorten(sql: str | None, width: int = 120) -> str:
    text = " ".join((sql or "").split())
    return text if len(text) <= width else text[: width - 3] + "..."


def as_utc(value: datetime) -> datetime:
    """Timestamps are written in UTC; MySQL hands them back without a zone, PostgreSQL in the session's."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def iso_utc(value: object, timespec: str = "auto") -> object:
    """A history timestamp as ISO 8601 in UTC, one form on every engine (SQLite keeps them as text):
    `2026-12-02T13:48:54.086368+00:00`, or with timespec="seconds" `2026-12-02T13:48:54Z` for people."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return value
    text = as_utc(value).isoformat(timespec=timespec)
    return text.replace("+00:00", "Z") if timespec == "seconds" else text


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def who() -> str:
    try:
        return getpass.getuser()
    except Exception:
        return str(os.getuid())


class History:
    def __init__(self, engine: Engine, table: str = "shoring_migrations"):
        self.engine = engine
        self.table = table
        self.events_table = f"{table}_events"
        self._t = engine.quote(table)
        self._e = engine.quote(self.events_table)
        self._who = who()
        self._host = socket.gethostname()

    # --- schema -------------------------------------------------------------------------------
    def exists(self) -> bool:
        return self.engine.table_exists(self.table)

    def ensure(self) -> None:
        """Create the tables if missing (called under the run lock, so never raced)."""
        if self.exists() and self.engine.table_exists(self.events_table):
            return
        tr = self.engine.traits
        ts, text, int_ = tr.timestamp_type, tr.text_type, tr.int_type
        self.engine.execute(
            f"""CREATE TABLE IF NOT EXISTS {self._t} (
                version VARCHAR(64) NOT NULL PRIMARY KEY,
                name VARCHAR(255) NOT NULL,
                kind VARCHAR(16) NOT NULL,
                checksum VARCHAR(64) NOT NULL,
                state VARCHAR(16) NOT NULL,
                direction VARCHAR(8),
                statements_total {int_},
                statements_done {int_} NOT NULL DEFAULT 0,
                done_checksum VARCHAR(64),
                failed_statement {int_},
                failed_sql {text},
                error {text},
                started_at {ts},
                finished_at {ts},
                duration_ms {tr.bigint_type},
                applied_by VARCHAR(255),
                host VARCHAR(255),
                pid {int_},
                session VARCHAR(64),
                tool_version VARCHAR(32)
            )"""
        )
        self.engine.execute(
            f"""CREATE TABLE IF NOT EXISTS {self._e} (
                id {tr.autoincrement_pk},
                version VARCHAR(64) NOT NULL,
                event VARCHAR(16) NOT NULL,
                at {ts} NOT NULL,
                checksum VARCHAR(64),
                duration_ms {tr.bigint_type},
                applied_by VARCHAR(255),
                host VARCHAR(255),
                tool_version VARCHAR(32),
                detail {text}
            )"""
        )

    # --- reading ------------------------------------------------------------------------------
    def rows(self) -> dict[str, HistoryRow]:
        with self.engine.shielded():
            if not self.exists():
                return {}
            result = self.engine.query(f"SELECT {', '.join(COLUMNS)} FROM {self._t}")
        return {str(r[0]): HistoryRow(*r) for r in result}

    def events(self, limit: int | None = None) -> list[dict[str, Any]]:
        if not self.engine.table_exists(self.events_table):
            return []
        cols = ("id", "version", "event", "at", "checksum", "duration_ms", "applied_by", "host", "tool_version", "detail")
        sql = f"SELECT {', '.join(cols)} FROM {self._e} ORDER BY id"
        with self.engine.shielded():
            rows = self.engine.query(sql)
        if limit:
            rows = rows[-limit:]
        return [dict(zip(cols, r)) for r in rows]

    # --- writing ------------------------------------------------------------------------------
    def _ts(self, value: datetime) -> Any:
        return self.engine.description.timestamp_value(value)

    def put(self, row: dict[str, Any]) -> None:
        """Replace the row of row['version']."""
        with self.engine.shielded():
            self.engine.execute_batch(self.put_statements(row))

    def put_statements(self, row: dict[str, Any]) -> list[tuple[str, list[Any]]]:
        """Delete + insert (portable, and inside the caller's transaction when there is one)."""
        full = {
            "direction": None, "statements_total": None, "statements_done": 0, "done_checksum": None,
            "failed_statement": None, "failed_sql": None, "error": None, "started_at": None, "finished_at": None,
            "duration_ms": None, "applied_by": self._who, "host": self._host, "pid": os.getpid(),
            "session": None, "tool_version": __version__,
        } | row
        for key in ("started_at", "finished_at"):
            if isinstance(full[key], datetime):
                full[key] = self._ts(full[key])
        return [
            (self.engine.sql(f"DELETE FROM {self._t} WHERE version = %s"), [full["version"]]),
            (
                self.engine.sql(f"INSERT INTO {self._t} ({', '.join(COLUMNS)}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"),
                [full[c] for c in COLUMNS],
            ),
        ]

    def update(self, version: str, **values: Any) -> None:
        for key in ("started_at", "finished_at"):
            if isinstance(values.get(key), datetime):
                values[key] = self._ts(values[key])
        sets = ", ".join(f"{k} = %s" for k in values)
        with self.engine.shielded():
            self.engine.execute(self.engine.sql(f"UPDATE {self._t} SET {sets} WHERE version = %s"), [*values.values(), version])

    def delete(self, version: str) -> None:
        with self.engine.shielded():
            self.engine.execute(self.engine.sql(f"DELETE FROM {self._t} WHERE version = %s"), [version])

    def event(self, version: str, event: str, **details: Any) -> None:
        with self.engine.shielded():
            self.engine.execute(*self.event_statement(version, event, **details))

    def event_statement(self, version: str, event: str, *, checksum: str | None = None, duration_ms: int | None = None,
                        detail: str | None = None) -> tuple[str, list[Any]]:
        return (
            self.engine.sql(
                f"INSERT INTO {self._e} (version, event, at, checksum, duration_ms, applied_by, host, tool_version, detail)"
                " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)"
            ),
            [version, event, self._ts(now_utc()), checksum, duration_ms, self._who, self._host, __version__, detail],
        )
