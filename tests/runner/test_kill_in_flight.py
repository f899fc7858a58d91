"""A statement in flight when its process died: done or not, the catalog tells, and the next run acts on it.

The client dies after sending a statement the server still finishes (MariaDB goes on with an ALTER after
its client is gone), or right after the statement and before its history row (SHORING_KILL_AT, see
shoring.faults). On PostgreSQL a transactional statement commits with its history row, so there is no
such moment; CREATE INDEX CONCURRENTLY cannot, and its index is what the catalog shows.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from support import wait_until

ALTER_WAITING = ("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = DATABASE() "
                 "AND STATE = 'Waiting for table metadata lock' AND INFO LIKE 'ALTER TABLE items%'")
HAS_TITLE = {
    "mysql": "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'items' AND COLUMN_NAME = 'title'",
    "postgresql": "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'items' AND column_name = 'title'",
}


def shoring(project, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shoring", *args], cwd=project.root, env={**os.environ, **(env or {})},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def items(project, up: str, header: str = "", down: str = "DROP TABLE IF EXISTS after_title;\nALTER TABLE items DROP COLUMN title;") -> None:
    project.sql("1", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(20));\n"
                              "INSERT INTO items (id, name) VALUES (1, 'a'), (2, 'b');", "DROP TABLE items;")
    assert project.run("apply").code == 0
    project.sql("2", "title", up, down, header=header)


def status_of(project) -> dict:
    return project.run("status", "--format", "json").json["migrations"][1]


def applied_after(project) -> str:
    again = project.run("apply")
    assert again.code == 0, again.err  # not: Duplicate column name 'title'
    assert status_of(project)["state"] == "applied"
    assert "after_title" in project.tables()
    return again.out


@pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)
def test_an_alter_the_server_finished_after_its_client_died_is_recorded_and_the_run_resumes_after_it(project):
    toml = project.root / "shoring.toml"
    toml.write_text(toml.read_text() + 'lock_timeout = "60s"\n')  # the ALTER waits for the test's transaction
    items(project, "ALTER TABLE items ADD COLUMN title VARCHAR(20);\nCREATE TABLE after_title (id INTEGER);")
    with project.connect() as holder:
        holder.begin()
        holder.query("SELECT * FROM items")  # the ALTER waits for this transaction's metadata lock
        proc = shoring(project, "apply")
        try:
            wait_until(lambda: project.query(ALTER_WAITING)[0][0] or proc.poll() is not None, "the ALTER to wait")
            assert proc.poll() is None, proc.communicate()
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        holder.commit()  # the orphaned session goes on and finishes the ALTER
    wait_until(lambda: project.query(HAS_TITLE["mysql"])[0][0], "the orphaned ALTER to finish")
    mig = status_of(project)
    assert mig["state"] == "interrupted" and mig["statements_done"] == 0, mig
    assert "statement 1 completed on the server" in mig["detail"], mig["detail"]
    out = applied_after(project)
    assert "statement 1 of 2 had completed on the server" in out and "resuming at statement 2 of 2" in out
    events = [e["event"] for e in project.run("history", "--format", "json").json["events"] if e["version"] == "2"]
    assert events == ["resume", "apply"]


@pytest.mark.parametrize("engine_name", ["mysql", "postgresql"], indirect=True)
def test_a_kill_between_a_statement_and_its_history_row_is_recorded_or_undone(project):
    items(project, "ALTER TABLE items ADD COLUMN title VARCHAR(20);\nCREATE TABLE after_title (id INTEGER);",
          header="-- Transaction: false\n")
    killed = shoring(project, "apply", env={"SHORING_KILL_AT": "statement-done:2/up/1"})
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL
    mig = status_of(project)
    assert mig["state"] == "interrupted" and mig["statements_done"] == 0, mig
    if project.engine == "postgresql":  # the ALTER and its history row commit together: neither did
        assert project.query(HAS_TITLE["postgresql"]) == [(0,)]
        assert "may or may not have completed" in mig["detail"] and "completed on the server" not in mig["detail"]
        assert "resuming" not in applied_after(project)
    else:  # MariaDB commits the ALTER at once: the catalog shows it
        assert project.query(HAS_TITLE["mysql"]) == [(1,)]
        assert "statement 1 completed on the server" in mig["detail"]
        assert "resuming at statement 2 of 2" in applied_after(project)


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_an_index_built_concurrently_before_the_kill_is_recorded_not_built_again(project):
    items(project, "CREATE INDEX CONCURRENTLY items_name ON items (name);\nCREATE TABLE after_title (id INTEGER);",
          header="-- Transaction: false\n", down="DROP TABLE IF EXISTS after_title;\nDROP INDEX CONCURRENTLY IF EXISTS items_name;")
    killed = shoring(project, "apply", env={"SHORING_KILL_AT": "statement-done:2/up/1"})
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL
    assert project.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 'items_name'::regclass") == [(True,)]
    assert "statement 1 completed on the server" in status_of(project)["detail"]
    assert "resuming at statement 2 of 2" in applied_after(project)


@pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)
def test_repair_does_not_clear_a_run_whose_statement_completed_on_the_server(project):
    items(project, "ALTER TABLE items ADD COLUMN title VARCHAR(20);\nCREATE TABLE after_title (id INTEGER);")
    killed = shoring(project, "apply", env={"SHORING_KILL_AT": "statement-done:2/up/1"})
    killed.communicate()
    repaired = project.run("repair")
    assert repaired.code == 0, repaired.err
    assert "left as is" in repaired.out and "statement 1 completed on the server" in repaired.out, repaired.out
    assert status_of(project)["state"] == "interrupted"  # not "pending", which would run the ALTER again
    assert "resuming at statement 2 of 2" in applied_after(project)


@pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)
def test_a_trigger_created_before_the_kill_is_recorded_not_created_again(project):
    """MariaDB commits CREATE TRIGGER at once; a run killed before its history row re-ran it and failed with
    'Trigger ... already exists' (found by bench/chaos.py, seed 1212, trial 30)."""
    items(project, "CREATE TRIGGER items_name_upper BEFORE INSERT ON items FOR EACH ROW SET NEW.name = UPPER(NEW.name);\n"
                   "CREATE TABLE after_title (id INTEGER);",
          header="-- Transaction: false\n", down="DROP TABLE IF EXISTS after_title;\nDROP TRIGGER IF EXISTS items_name_upper;")
    killed = shoring(project, "apply", env={"SHORING_KILL_AT": "statement-done:2/up/1"})
    killed.communicate()
    assert killed.returncode == -signal.SIGKILL
    assert "statement 1 completed on the server all the same (trigger items_name_upper exists)" in status_of(project)["detail"]
    assert "resuming at statement 2 of 2" in applied_after(project)
    project.query("INSERT INTO items (id, name) VALUES (3, 'c')")
    assert project.query("SELECT name FROM items WHERE id = 3") == [("C",)]


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_an_add_column_whose_connection_the_server_ends_before_its_history_row_leaves_nothing_half_done(project):
    """The server ends the runner's connection right after ADD COLUMN ran and before its history row was
    written (the process held at that boundary meanwhile): the column and its history row commit together
    on PostgreSQL, so neither is there, status says so, and the re-run applies it once."""
    from shoring.faults import STOPPED

    items(project, "ALTER TABLE items ADD COLUMN title VARCHAR(20);\nCREATE TABLE after_title (id INTEGER);",
          header="-- Transaction: false\n")
    held = shoring(project, "apply", "--yes", env={"SHORING_TEST_STOP_AT": "statement-done:2/up/1",
                                                   "SHORING_TEST_STOP_MODE": "block"})
    assert held.stderr.readline().startswith(STOPPED)  # the ALTER ran; its history row is not written yet
    database = project.query("SELECT current_database()")[0][0]
    ended = project.query("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                          "WHERE datname = %s AND pid <> pg_backend_pid()", [database])
    assert ended[0][0] >= 1
    held.send_signal(signal.SIGUSR1)
    held.communicate(timeout=60)
    assert held.returncode not in (0, -signal.SIGKILL)
    assert project.query(HAS_TITLE["postgresql"]) == [(0,)]
    mig = status_of(project)
    assert mig["state"] != "applied" and mig["statements_done"] == 0, mig
    applied_after(project)  # not: column "title" of relation "items" already exists
    assert project.query(HAS_TITLE["postgresql"]) == [(1,)]
