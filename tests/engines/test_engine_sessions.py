"""Guards and the view from a second session: lock and statement timeouts take effect, and a session
blocked behind another is seen (what it runs, what it waits for, who holds the lock, who waits behind
it), cancelled with a reason, on every engine whose server can tell one session about another."""

from __future__ import annotations

import time

import pytest
from conftest import wait_until

from shoring.engines import StatementError

from .engine_suite import Background

#: a statement that waits for the lock an open transaction holds on the table, on every engine
ALTER = "ALTER TABLE items ADD COLUMN extra INTEGER"
#: a table of 1000 numbers, and a count over its cube that runs for many seconds on every engine
NUMBERS = ["CREATE TABLE numbers (i INTEGER)",
           "INSERT INTO numbers (i) VALUES " + ", ".join(f"({i})" for i in range(1000))]
SLOW = "SELECT count(*) FROM numbers a, numbers b, numbers c WHERE a.i + b.i > c.i"
#: ten million joined rows: some tenths of a second even on a fast machine (a million took 0.04 s on
#: CI), so many times CAP, and it finishes only once the cap is lifted
LONGER_THAN_CAP = "SELECT count(*) FROM numbers a, numbers b, numbers c WHERE a.i + b.i > 3 AND c.i < 10"
CAP = 0.05


def hold_items(engine):
    """An application session in the middle of a transaction that wrote to items."""
    engine.begin()
    engine.execute("INSERT INTO items (id, name) VALUES (10, 'held')")


def test_lock_timeout_gives_up_and_says_it_was_a_lock(items, open_engine):
    holder, migration = items, open_engine()
    hold_items(holder)
    migration.set_timeouts(1, None)
    started = time.monotonic()
    with pytest.raises(StatementError) as waited:
        migration.execute(ALTER)
    assert waited.value.lock_timeout
    assert 0.5 <= time.monotonic() - started < 10
    holder.rollback()
    migration.execute(ALTER)  # once the holder is gone the same statement runs
    assert "extra" in migration.column_names("items")


def test_statement_timeout_ends_a_long_statement_and_none_lifts_it(engine):
    for sql in NUMBERS:
        engine.execute(sql)
    engine.set_timeouts(None, CAP)
    started = time.monotonic()
    with pytest.raises(StatementError) as capped:
        engine.query(SLOW)
    assert not capped.value.lock_timeout
    assert time.monotonic() - started < 10
    assert engine.query("SELECT 1") == [(1,)]  # the session goes on
    engine.set_timeouts(None, None)  # the latest call wins: no cap
    started = time.monotonic()
    assert engine.query(LONGER_THAN_CAP) == [(9999900,)]
    assert time.monotonic() - started > CAP, "the statement was too quick to show the cap was lifted"


def test_a_blocked_session_is_seen_with_its_holder_and_its_waiters(items, open_engine):
    """The application (holder) has an open transaction on items; our migration's ALTER waits behind it
    and an application read queues behind the ALTER. A third session sees all of it."""
    holder, migration, reader, observer = items, open_engine(), open_engine(), open_engine()
    hold_items(holder)
    migration.cancel_reason = None
    altering = Background(lambda: migration.execute(ALTER))
    if observer.description.opens_a_file:
        # the engine says it sees nothing, and says so the same way every time
        assert observer.activity(migration.session_id()) is None
        assert observer.table_lock_holders(["items"]) == []
        assert observer.blocked_by(migration.session_id()) == (0, 0.0)
        observer.cancel_statement(migration.session_id())
        holder.rollback()
        altering.result()
        return
    seen = wait_until(lambda: (a := observer.activity(migration.session_id())) and a.waiting_for and a,
                      "the ALTER to be seen waiting for its lock")
    assert "ALTER TABLE" in seen.query and seen.seconds is not None and seen.seconds >= 0
    assert all(b.session == holder.session_id() for b in seen.blockers)
    holders = observer.table_lock_holders(["items"])
    mine = [h for h in holders if h.session == holder.session_id()]
    assert mine and mine[0].state == "idle in transaction"
    assert observer.session_id() not in {h.session for h in holders}
    assert observer.activity(holder.session_id()) is None  # idle in its transaction: doing nothing now

    reading = Background(lambda: reader.query("SELECT count(*) FROM items"))
    count, longest = wait_until(lambda: (b := observer.blocked_by(migration.session_id()))[0] and b,
                                "the read queued behind the ALTER to be counted")
    assert count == 1 and longest >= 0

    migration.cancel_reason = "cancelled by the conformance test"
    observer.cancel_statement(migration.session_id())
    with pytest.raises(StatementError) as cancelled:
        altering.result()
    assert cancelled.value.lock_timeout  # retried as a lock timeout is
    assert "cancelled by the conformance test" in cancelled.value.message
    assert reading.result() == [(2,)]  # the read ran once the ALTER left the queue
    assert migration.query("SELECT 1") == [(1,)]  # cancelling ended the statement, not the session
    holder.rollback()
    assert observer.blocked_by(migration.session_id()) == (0, 0.0)


def test_a_cap_on_parallel_workers_leaves_index_builds_working(engine):
    """Every engine takes the cap (PostgreSQL in max_parallel_maintenance_workers and its per-query twin; the others
    build an index in one process anyway) and still builds the index."""
    engine.execute("CREATE TABLE capped (id INTEGER, name VARCHAR(20))")
    engine.limit_parallel_workers(0)
    engine.execute("CREATE INDEX capped_name ON capped (name)")
    assert engine.index_valid("capped_name", "capped")
