"""max_blocking cancels the migration's statements, never shoring's own history writes.

A cancelled history write escaped as a fatal "database error" in the middle of a retry (MariaDB, under
the zero-downtime bench's load): the migration had given way once, and the second cancel landed on the
bookkeeping instead of a batch.
"""

from __future__ import annotations

import threading

import pytest
from support import wait_until

from shoring.engines import StatementError, connect
from shoring.runner.watcher import BlockingWatcher

SLEEP = {"postgresql": "SELECT pg_sleep(%s)", "mysql": "SELECT SLEEP(%s)"}


def hold_a_row_someone_waits_for(url: str, ours, waiter) -> threading.Thread:
    """Our transaction updates a row; the waiter's update of it waits on us."""
    with connect(url) as setup:
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)")
        setup.execute("INSERT INTO t VALUES (1, 0)")
    ours.begin()
    ours.execute("UPDATE t SET v = 1 WHERE id = 1")
    thread = threading.Thread(target=lambda: waiter.execute("UPDATE t SET v = 2 WHERE id = 1"), daemon=True)
    thread.start()
    wait_until(lambda: ours.blocked_by(ours.session_id())[0], "the second session waits on our row")
    return thread


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_a_shielded_statement_is_not_cancelled_and_the_next_one_is(engine_name, db_url):
    said: list[str] = []
    ours, waiter, thread = connect(db_url), connect(db_url), None
    try:  # every session is ended whatever fails, or the database could not be dropped after the test
        thread = hold_a_row_someone_waits_for(db_url, ours, waiter)
        with BlockingWatcher(ours, said.append, 0.2) as watcher:
            with ours.shielded():  # shoring's bookkeeping, while the application waits on our transaction
                ours.query(SLEEP[engine_name], [1])
            assert watcher.cancelled == 0 and not said
            with pytest.raises(StatementError) as refused:  # the migration's own statement: cancelled
                ours.query(SLEEP[engine_name], [30]) if engine_name == "postgresql" else ours.execute(
                    "UPDATE t SET v = 3 WHERE id = (SELECT 1 FROM (SELECT SLEEP(30)) s)")
        assert refused.value.lock_timeout, refused.value.message
        assert "cancelled by shoring" in refused.value.message
        assert watcher.cancelled == 1
    finally:
        ours.rollback()
        if thread is not None:
            thread.join(timeout=30)
        waiter.close()
        ours.close()
