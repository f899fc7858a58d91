"""The read-only side plan, lint --live and drift use: a session that refuses writes, row estimates,
the settings the analysers read, planner statistics, and the environment of the engine's own tools."""

from __future__ import annotations

import pytest

from shoring.engines import StatementError


def test_a_read_only_session_reads_and_refuses_writes(items, open_engine):
    reader = open_engine()
    reader.read_only_session()
    assert reader.query("SELECT count(*) FROM items") == [(2,)]
    with pytest.raises(StatementError):
        reader.execute("INSERT INTO items (id, name) VALUES (3, 'three')")
    assert items.query("SELECT count(*) FROM items") == [(2,)]


def test_row_estimates_for_reads_and_writes(items):
    items.analyze("items")
    for sql in ("SELECT * FROM items", "UPDATE items SET name = 'x' WHERE id >= 1", "DELETE FROM items"):
        rows = items.explain_rows(sql)
        if items.description.estimates_rows:
            assert isinstance(rows, int) and rows >= 0, sql  # the planner's estimate
        else:
            assert rows == 2, sql  # no estimates kept: the rows are counted
    assert items.query("SELECT count(*) FROM items") == [(2,)]  # nothing ran


def test_settings_statistics_and_tool_environment(items):
    settings = items.analysis_settings()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in settings.items())
    missing = items.columns_without_statistics("items", ["id", "name"])
    assert set(missing) <= {"id", "name"}
    items.analyze("items")
    assert items.columns_without_statistics("items", ["id", "name"]) == []
    assert items.columns_without_statistics("items", []) == []
    env = items.tool_environment()
    assert env["SHORING_DATABASE_URL"] and all(isinstance(v, str) for v in env.values())


def test_the_reason_for_a_cancel_is_taken_once(engine):
    assert engine.take_cancel_reason() is None
    engine.cancel_reason = "kept 2 sessions waiting"
    assert engine.take_cancel_reason() == "kept 2 sessions waiting"
    assert engine.take_cancel_reason() is None
    assert engine.throttle is None  # set only while an apply runs batches on the connection
