"""SIGKILL mid-migration: `status` tells the truth about what happened, and a second `apply` finishes.

The victim migration's slow statement waits only while the table `gate` is empty, so the test decides
when it is slow: it kills the process while it waits, fills `gate`, and the second run goes straight through.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from support import wait_until

SLOW = {
    "postgresql": "SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM gate) = 0 THEN 120 ELSE 0 END)",
    "mysql": "SELECT SLEEP(IF((SELECT COUNT(*) FROM gate) = 0, 120, 0))",
    # SQLite has no sleep: a recursive count that is long only while gate is empty
    "sqlite": "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < "
    "(CASE WHEN (SELECT count(*) FROM gate) = 0 THEN 2000000000 ELSE 1 END)) SELECT count(*) FROM c",
}




def start_apply(project) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "shoring", "apply"], cwd=project.root,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def slow_statement_running(project) -> bool:
    """The victim is inside its slow statement (seen from the server, not guessed from time)."""
    if project.engine == "postgresql":
        return bool(project.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname = current_database()")[0][0])
    if project.engine == "mysql":
        return bool(project.query("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep' AND DB = DATABASE()")[0][0])
    return False


def setup(project, transactional: bool):
    project.sql("1", "gate", "CREATE TABLE gate (id INTEGER);", "DROP TABLE gate;")
    assert project.run("apply").code == 0
    header = "" if transactional else "-- Transaction: false\n"
    project.sql(
        "2", "victim",
        f"CREATE TABLE before_gate (id INTEGER);\n{SLOW[project.engine]};\nCREATE TABLE after_gate (id INTEGER);",
        "DROP TABLE IF EXISTS after_gate; DROP TABLE IF EXISTS before_gate;",
        header=header,
    )


def kill_during_slow_statement(project, transactional: bool):
    proc = start_apply(project)
    try:
        if project.engine == "sqlite" and transactional:
            # the write transaction has begun once SQLite's rollback journal exists
            journal = project.url.split("sqlite:///", 1)[1] + "-journal"
            wait_until(lambda: os.path.exists(journal) or proc.poll() is not None, "the migration's transaction")
        elif project.engine == "sqlite":
            wait_until(lambda: _statements_done(project) == 1 or proc.poll() is not None, "statement 1 to complete")
        else:
            wait_until(lambda: slow_statement_running(project) or proc.poll() is not None, "the slow statement")
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL


def _statements_done(project):
    try:
        rows = project.query("SELECT statements_done FROM shoring_migrations WHERE version = '2'")
    except Exception:  # noqa: BLE001 - busy while the writer commits; ask again
        return None
    return rows[0][0] if rows else None


def status_of(project, version: str) -> dict:
    result = project.run("status", "--format", "json")
    assert result.code in (0, 1), result.err  # 1: something failed, was interrupted, edited or is missing
    return next(m for m in result.json["migrations"] if m["version"] == version)


def finish(project):
    with project.connect() as engine:
        engine.execute("INSERT INTO gate (id) VALUES (1)")
    result = project.run("apply")
    assert result.code == 0, result.err
    assert status_of(project, "2")["state"] == "applied"
    assert {"before_gate", "after_gate"} <= project.tables()
    return result


@pytest.mark.slow
@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"], indirect=True)  # MySQL has no transactional DDL
def test_kill_mid_transaction_leaves_nothing_and_apply_finishes(project):
    setup(project, transactional=True)
    kill_during_slow_statement(project, transactional=True)
    row = status_of(project, "2")
    assert row["state"] == "pending", row
    assert "before_gate" not in project.tables()
    finish(project)


@pytest.mark.slow
def test_kill_mid_statement_by_statement_is_described_and_resumed(project):
    setup(project, transactional=False)
    kill_during_slow_statement(project, transactional=False)
    row = status_of(project, "2")
    assert row["state"] == "interrupted", row
    assert row["statements_done"] == 1 and row["statements_total"] == 3
    assert "stopped during statement 2 of 3" in row["detail"] and "resumes from statement 2" in row["detail"]
    assert "before_gate" in project.tables() and "after_gate" not in project.tables()
    text = project.run("status").out
    assert "interrupted" in text
    result = finish(project)
    assert "resuming at statement 2 of 3" in result.out
    events = [(e["event"], e["version"]) for e in project.run("history", "--format", "json").json["events"]]
    assert events[-2:] == [("resume", "2"), ("apply", "2")]
