"""max_blocking: a statement of ours that keeps another session waiting too long is cancelled and retried."""

from __future__ import annotations

import threading

import pytest
from support import wait_until


def our_alter_is_waiting(project) -> bool:
    with project.connect() as look:
        if project.engine == "postgresql":
            return bool(look.query("SELECT count(*) FROM pg_locks WHERE NOT granted AND mode = 'AccessExclusiveLock' "
                                   "AND relation = 'busy'::regclass")[0][0])
        return bool(look.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = "
                               "'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE%%' AND DB = DATABASE()")[0][0])


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_a_statement_that_blocks_others_too_long_is_cancelled_and_its_retry_succeeds_once_the_blocker_is_gone(project):
    # lock_timeout alone would let the ALTER wait a minute in the queue, every reader stuck behind it
    (project.root / "shoring.toml").write_text(
        f'database = "{project.url}"\nlock_timeout = "60s"\nmax_blocking = "300ms"\nlock_retries = 5\nlock_wait = 30\n')
    project.sql("1", "busy", "CREATE TABLE busy (id INTEGER PRIMARY KEY);\nINSERT INTO busy VALUES (1);", "DROP TABLE busy;")
    assert project.run("apply").code == 0
    project.sql("2", "alter_busy", "ALTER TABLE busy ADD COLUMN note VARCHAR(10);", "ALTER TABLE busy DROP COLUMN note;")

    blocker = project.connect()  # a long transaction that has read the table: the ALTER queues behind it
    blocker.begin()
    blocker.query("SELECT * FROM busy")
    reader_saw: list = []

    def reader():
        """The application: a read that arrives while the ALTER waits, so it queues behind the ALTER."""
        try:
            with project.connect() as app:
                wait_until(lambda: our_alter_is_waiting(project), "the ALTER waits for its lock")
                app.execute("SET statement_timeout = '20s'" if project.engine == "postgresql" else "SET max_statement_time = 20")
                reader_saw.append(app.query("SELECT COUNT(*) FROM busy")[0][0])  # returns once the ALTER is cancelled
        finally:
            blocker.rollback()  # the long transaction ends: the retry can have its lock

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        result = project.run("apply")
    finally:
        thread.join()
        blocker.close()
    assert result.code == 0, result.err
    assert reader_saw == [1], "the reader got through while the migration waited"
    assert "cancelled by shoring: it kept 1 session(s) waiting" in result.out
    assert "longer than max_blocking 0.3s; it will be retried" in result.out
    assert "note" in [c.lower() for c in project.connect().column_names("busy")]
    events = [e for e in project.run("history", "--format", "json").json["events"] if e["version"] == "2"]
    assert [e["event"] for e in events] == ["fail", "apply"]
    assert "cancelled by shoring" in events[0]["detail"]


def test_max_blocking_must_be_a_duration(sqlite_project):
    (sqlite_project.root / "shoring.toml").write_text(f'database = "{sqlite_project.url}"\nmax_blocking = "soon"\n')
    result = sqlite_project.run("status")
    assert result.code == 2 and "max_blocking" in result.err
