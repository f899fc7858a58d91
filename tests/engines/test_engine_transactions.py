"""Transactional DDL as each engine states it (traits.transactional_ddl), and which statements the runner
may commit together with a history row: the same answers on every engine."""

from __future__ import annotations

import pytest


def test_ddl_in_a_rolled_back_transaction_goes_only_where_ddl_is_transactional(items):
    engine = items
    engine.begin()
    engine.execute("INSERT INTO items (id, name) VALUES (3, 'three')")
    engine.execute("CREATE TABLE made_in_a_transaction (id INTEGER)")
    engine.rollback()
    kept = engine.table_exists("made_in_a_transaction")
    rows = engine.query_one("SELECT count(*) FROM items")[0]
    if engine.traits.transactional_ddl:
        assert (kept, rows) == (False, 2)  # all of it rolled back
    else:
        assert (kept, rows) == (True, 3)  # the DDL committed itself and the insert before it


@pytest.mark.parametrize(("sql", "transactional"), [
    ("INSERT INTO items (id) VALUES (1)", True),
    ("  update items SET name = 'x'", True),
    ("DELETE FROM items", True),
    ("WITH x AS (SELECT 1) SELECT * FROM x", True),
    ("(SELECT 1)", True),
    ("CREATE TABLE t (id INTEGER)", False),
    ("ALTER TABLE items ADD COLUMN c INTEGER", False),
    ("CREATE INDEX i ON items (name)", False),
    ("DROP TABLE items", False),
])
def test_only_plain_dml_commits_with_the_history_row(engine, sql, transactional):
    assert engine.statement_is_transactional(sql) is transactional
