"""The schema as shoring left it, stored in the database after each apply and rollback: what `shoring drift`
compares the live schema with, so a change made by hand (outside shoring) is found.

One row per run in ``<history_table>_schemas`` (the snapshot as JSON); the newest ``KEEP`` are kept.
"""

from __future__ import annotations

import json
from typing import Any

from shoring.runner.history import as_utc, now_utc

KEEP = 20


def table_name(history_table: str) -> str:
    return f"{history_table}_schemas"


def record(engine: Any, history_table: str, version: str, event: str) -> None:
    """Snapshot the schema now and store it (under the run lock, after the run's last change)."""
    from shoring import verify

    schema = verify.snapshot(engine, history_table=history_table)
    t = engine.quote(table_name(history_table))
    tr = engine.traits
    engine.execute(f"CREATE TABLE IF NOT EXISTS {t} (id {tr.autoincrement_pk}, version VARCHAR(64) NOT NULL, "
                   f"event VARCHAR(16) NOT NULL, at {tr.timestamp_type} NOT NULL, snapshot {tr.long_text_type} NOT NULL)")
    at = now_utc()
    stamp = tr.timestamp_value(at)
    engine.execute(engine.sql(f"INSERT INTO {t} (version, event, at, snapshot) VALUES (%s, %s, %s, %s)"),
                   [version, event, stamp, json.dumps(schema.to_dict(), sort_keys=True, default=str)])
    oldest_kept = engine.query(f"SELECT id FROM {t} ORDER BY id DESC LIMIT 1 OFFSET {KEEP - 1}")
    if oldest_kept:
        engine.execute(engine.sql(f"DELETE FROM {t} WHERE id < %s"), [oldest_kept[0][0]])


def latest(engine: Any, history_table: str) -> tuple[dict[str, Any], Any] | None:
    """({version, event, at}, Schema) of the newest recorded snapshot, or None when none was recorded."""
    from shoring.verify import Schema

    name = table_name(history_table)
    if not engine.table_exists(name):
        return None
    row = engine.query_one(f"SELECT version, event, at, snapshot FROM {engine.quote(name)} ORDER BY id DESC LIMIT 1")
    if row is None:
        return None
    at = row[2]
    at = as_utc(at).isoformat(timespec="seconds") if hasattr(at, "isoformat") else str(at)
    return {"version": row[0], "event": row[1], "at": at}, Schema.from_dict(json.loads(row[3]))


def record_quietly(session: Any, version: str, event: str) -> None:
    """Record, saying (never raising) when it cannot: the run itself already succeeded or failed on its own."""
    from shoring.engines import StatementError

    if not session.engine.alive():
        return
    try:
        record(session.engine, session.settings.history_table, version, event)
    except StatementError as exc:
        session.say(f"warning: could not record the schema for `shoring drift`: {exc.message}")
