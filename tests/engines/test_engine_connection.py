"""Connecting, running statements and transactions: the same answers from every engine."""

from __future__ import annotations

import re

import pytest

from shoring.engines.url import parse_url
from shoring.engines import StatementError, connect


def test_a_connection_says_what_it_is(engine, open_engine, db_url):
    assert engine.name == parse_url(db_url).engine == engine.dialect == engine.description.name
    assert re.match(r"\d+\.\d+", engine.server_version)
    assert isinstance(engine.is_mariadb, bool)
    assert engine.session_id() and isinstance(engine.session_id(), str)
    assert engine.alive() and not engine.in_transaction
    other = open_engine()
    if not engine.description.opens_a_file:
        assert other.session_id() != engine.session_id()


def test_closing_ends_the_connection_and_twice_is_harmless(db_url):
    with connect(db_url) as engine:
        assert engine.query("SELECT 1") == [(1,)]
    assert not engine.alive()
    with pytest.raises(StatementError):
        engine.query("SELECT 1")
    engine.close()
    engine.rollback()  # after the connection is gone there is nothing to roll back, and no error


def test_statements_rows_and_parameters(items):
    engine = items
    assert engine.query(engine.sql("SELECT name FROM items WHERE id = %s"), [2]) == [("two",)]
    assert engine.query_one(engine.sql("SELECT name FROM items WHERE id = %s"), [3]) is None
    assert engine.query_one("SELECT count(*) FROM items") == (2,)
    assert engine.execute(engine.sql("UPDATE items SET name = %s WHERE id >= %s"), ["x", 1]) == 2
    assert engine.query("UPDATE items SET name = 'y' WHERE id = 1") == []  # no result set: no rows
    engine.execute_batch([(engine.sql("INSERT INTO items (id, name) VALUES (%s, %s)"), [3, "three"]),
                          ("DELETE FROM items WHERE id = 1", None)])
    assert engine.query("SELECT id FROM items ORDER BY id") == [(2,), (3,)]


def test_the_users_sql_reads_percent_s_on_every_engine(engine):
    """ctx.execute's rule: with parameters each is %s and a literal % is %%; without, SQL goes as written."""
    text = "SELECT %s, '50%%'"
    assert engine.query(engine.user_sql(text, [7]), [7]) == [(7, "50%")]
    assert engine.query(engine.user_sql("SELECT '50%'", None)) == [("50%",)]
    with pytest.raises(StatementError):  # a lone % with parameters is refused alike, whoever refuses it
        engine.query(engine.user_sql("SELECT %s, '50%'", [7]), [7])


def test_a_refused_statement_says_why_in_one_line(items):
    with pytest.raises(StatementError) as refused:
        items.execute("INSERT INTO items (id, name) VALUES (1, 'again')")
    assert refused.value.message and "\n" not in refused.value.message
    assert not refused.value.lock_timeout
    assert items.query("SELECT 1") == [(1,)]  # the connection goes on


def test_commit_keeps_and_rollback_discards(items, open_engine):
    engine, other = items, open_engine()
    engine.begin()
    assert engine.in_transaction
    engine.execute("INSERT INTO items (id, name) VALUES (3, 'three')")
    engine.rollback()
    assert not engine.in_transaction
    assert other.query_one("SELECT count(*) FROM items") == (2,)
    engine.begin()
    engine.execute("INSERT INTO items (id, name) VALUES (3, 'three')")
    engine.commit()
    engine.begin()
    engine.commit_with([(engine.sql("INSERT INTO items (id, name) VALUES (%s, %s)"), [4, "four"])])
    assert not engine.in_transaction
    engine.durable_checkpoint()
    assert other.query("SELECT id FROM items ORDER BY id") == [(1,), (2,), (3,), (4,)]


def test_a_session_ended_by_the_server_fails_its_next_statement_and_is_not_alive(items, open_engine):
    """terminate_session from another connection: the victim's next statement raises StatementError (not a
    driver exception), alive() then says False and rollback() is quiet. SQLite has no server to end it."""
    victim, admin = items, open_engine()
    session = victim.session_id()
    victim.begin()
    victim.execute("INSERT INTO items (id, name) VALUES (3, 'three')")
    admin.terminate_session(session)
    if victim.description.opens_a_file:
        assert victim.alive()
        victim.rollback()
        return
    with pytest.raises(StatementError):
        victim.query("SELECT 1")
    assert not victim.alive()
    victim.rollback()
    assert admin.query_one("SELECT count(*) FROM items") == (2,)  # the server rolled it back
    admin.terminate_session(session)  # a session already gone: harmless
