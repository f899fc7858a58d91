"""The lock queue: a migration never waits longer than lock_timeout, and is retried with backoff."""

from __future__ import annotations

import threading
import time
from datetime import datetime

import pytest


def configure(project, retries: int) -> None:
    (project.root / "shoring.toml").write_text(
        f'database = "{project.url}"\nlock_timeout = "200ms"\nlock_retries = {retries}\nlock_wait = 30\n'
    )


def hold_table_lock(project):
    engine = project.connect()
    engine.begin()
    if project.engine == "postgresql":
        engine.execute("LOCK TABLE busy IN ACCESS SHARE MODE")  # a long read: conflicts with ALTER's ACCESS EXCLUSIVE
    else:
        engine.query("SELECT * FROM busy")  # holds a shared metadata lock until commit
    return engine


def busy_with_an_alter_pending(project, retries: int):
    """Table busy applied, an ALTER of it pending, and an open transaction holding it: returned."""
    configure(project, retries=retries)
    project.sql("1", "busy", "CREATE TABLE busy (id INTEGER);", "DROP TABLE busy;")
    assert project.run("apply").code == 0
    project.sql("2", "alter_busy", "ALTER TABLE busy ADD COLUMN note VARCHAR(10);", "ALTER TABLE busy DROP COLUMN note;")
    return hold_table_lock(project)


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_gives_up_after_retries_and_says_why(project):
    holder = busy_with_an_alter_pending(project, retries=1)
    try:
        result = project.run("apply")
        holder_session = holder.session_id()
    finally:
        holder.rollback()
        holder.close()
    assert result.code == 1
    assert "gave up after 2 attempts" in result.err and "retrying" in result.out
    # and who to blame: the open transaction holding the table, as the history records it too
    assert f"held by session {holder_session}" in result.err and "idle in transaction" in result.err
    assert f"session {holder_session}" in project.run("status", "--format", "json").json["migrations"][1]["detail"]
    assert "note" not in [c.lower() for c in project.connect().column_names("busy")]
    assert project.run("apply").code == 0, "once the lock is free the migration goes through"


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_retry_succeeds_once_the_blocker_finishes(project):
    holder = busy_with_an_alter_pending(project, retries=5)

    def release_after_first_failure():
        deadline = time.monotonic() + 30
        with project.connect() as watcher:
            while time.monotonic() < deadline:
                if watcher.query("SELECT count(*) FROM shoring_migrations_events WHERE event = 'fail'")[0][0]:
                    break
                time.sleep(0.02)
        holder.rollback()

    releaser = threading.Thread(target=release_after_first_failure)
    releaser.start()
    try:
        result = project.run("apply")
    finally:
        releaser.join()
        holder.close()
    assert result.code == 0, result.err
    assert "retrying" in result.out
    assert "note" in [c.lower() for c in project.connect().column_names("busy")]
    events = [e["event"] for e in project.run("history", "--format", "json").json["events"] if e["version"] == "2"]
    assert events[0] == "fail" and events[-1] == "apply"



@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_the_first_retry_waits_before_queueing_again(project):
    """Each attempt that gave way had held the application's queries behind it: the first retry comes a
    second later at the earliest, not at once (two stalls back to back, seen under load on MariaDB)."""
    holder = busy_with_an_alter_pending(project, retries=1)
    try:
        result = project.run("apply")
    finally:
        holder.rollback()
        holder.close()
    assert result.code == 1
    waits = [float(line.split("retrying in ")[1].split("s")[0]) for line in result.out.splitlines() if "retrying in " in line]
    assert len(waits) == 1 and waits[0] >= 1.0, result.out
    failures = [e["at"] for e in project.run("history", "--format", "json").json["events"]
                if e["version"] == "2" and e["event"] == "fail"]
    assert len(failures) == 2, failures
    first, second = (datetime.fromisoformat(at) for at in failures)
    assert abs((second - first).total_seconds()) >= 1.0, failures  # the attempts, a second apart at least
