"""CREATE INDEX CONCURRENTLY on PostgreSQL beside other runners, failures and kills.

CONCURRENTLY waits for every transaction whose snapshot is older than its own: a runner waiting for the
run lock must hold none, or the build waits for the waiter that waits for it. An index a failed or killed
build left INVALID is dropped and built again, never accepted by IF NOT EXISTS.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from support import wait_until

pytestmark = pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)

#: a statement that runs until the test fills `gate` (each round of the loop reads afresh)
UNTIL_GATE = "DO $$ BEGIN WHILE NOT EXISTS (SELECT 1 FROM gate) LOOP PERFORM pg_sleep(0.01); END LOOP; END $$;"
VALID = "SELECT indisvalid FROM pg_index WHERE indexrelid = to_regclass('items_name')"


def shoring(project, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shoring", *args], cwd=project.root,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def setup(project, up: str, config: str = "") -> None:
    toml = project.root / "shoring.toml"
    toml.write_text(toml.read_text() + "lock_retries = 0\n" + config)
    project.sql("1", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT);\nCREATE TABLE gate (id INTEGER);\n"
                              "INSERT INTO items SELECT g, 'n' || g FROM generate_series(1, 1000) g;", "DROP TABLE gate; DROP TABLE items;")
    assert project.run("apply").code == 0
    project.sql("2", "index", up, "DROP INDEX CONCURRENTLY IF EXISTS items_name;", header="-- Transaction: false\n")


def backend_of(project, proc) -> str:
    return (f"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'shoring pid={proc.pid} host={os.uname().nodename}'"
            " AND datname = current_database()")


def state(project) -> str:
    return project.run("status", "--format", "json").json["migrations"][1]["state"]


def test_an_index_built_concurrently_does_not_wait_for_the_runners_waiting_for_the_run_lock(project):
    setup(project, f"{UNTIL_GATE}\nCREATE INDEX CONCURRENTLY items_name ON items (name);")
    first = shoring(project, "apply")
    second = None
    try:
        wait_until(lambda: project.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'DO $$%%' AND state = 'active' "
                                         "AND datname = current_database()")[0][0] or first.poll() is not None, "the first run")
        assert first.poll() is None, first.communicate()
        second = shoring(project, "apply")
        said = ""
        while "waiting for the run lock" not in said:  # said just before it starts waiting
            line = second.stdout.readline()
            assert line, said + second.communicate()[1]
            said += line
        # it is waiting now: in pg_advisory_lock (which holds a snapshot), or between two tries of it
        wait_until(lambda: project.query(backend_of(project, second) + " AND query LIKE '%%advisory_lock%%' AND "
                                         "(wait_event = 'advisory' OR query LIKE '%%try_advisory%%')")[0][0], "the second run to wait")
        with project.connect() as engine:
            engine.execute("INSERT INTO gate VALUES (1)")  # the first run goes on to CREATE INDEX CONCURRENTLY
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err  # not: canceling statement due to lock timeout
        _, err = second.communicate(timeout=60)
        assert second.returncode == 0, err
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    assert project.query(VALID) == [(True,)]
    assert state(project) == "applied"


def test_an_invalid_index_left_by_a_failed_build_is_built_again_not_accepted_by_if_not_exists(project):
    setup(project, "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS items_name ON items (name);")
    project.query("UPDATE items SET name = 'n1' WHERE id = 2")
    failed = project.run("apply")
    assert failed.code == 1 and "could not create unique index" in failed.err, failed.err
    assert project.query(VALID) == [(False,)]
    project.query("UPDATE items SET name = 'n2' WHERE id = 2")  # the data fixed
    again = project.run("apply")
    assert again.code == 0, again.err
    assert "index items_name is INVALID" in again.out
    assert project.query(VALID) == [(True,)]
    assert state(project) == "applied"
    assert project.run("verify").code == 0


def test_an_invalid_index_left_by_a_killed_build_is_built_again(project):
    setup(project, "CREATE INDEX CONCURRENTLY items_name ON items (name);")
    with project.connect() as holder:
        holder.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        holder.query("SELECT count(*) FROM items")  # an older snapshot the build waits for
        proc = shoring(project, "apply")
        try:
            wait_until(lambda: project.query("SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'virtualxid' "
                                             "AND query LIKE 'CREATE INDEX CONCURRENTLY%%'")[0][0] or proc.poll() is not None,
                       "the build to wait for the old snapshot")
            assert proc.poll() is None, proc.communicate()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        # its backend notices the client is gone (client_connection_check_interval) and gives up the build
        wait_until(lambda: not project.query(backend_of(project, proc))[0][0], "the killed run's backend to end")
        holder.execute("COMMIT")
    assert project.query(VALID) == [(False,)]
    again = project.run("apply")
    assert again.code == 0, again.err
    assert "index items_name is INVALID" in again.out
    assert project.query(VALID) == [(True,)]
    assert state(project) == "applied"
