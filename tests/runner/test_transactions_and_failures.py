"""Failures: transactional engines leave nothing behind; MariaDB/MySQL records the exact statement and resumes."""

from __future__ import annotations

from test_drift_baseline_repair import status_rows
from test_apply_rollback import states

BROKEN = """CREATE TABLE a (id INTEGER);
INSERT INTO a (id) VALUES (1);
CREATE TABLE b (id INTEGER);
INSERT INTO no_such_table (id) VALUES (1);
CREATE TABLE c (id INTEGER);"""


def test_failed_migration_in_transaction_leaves_nothing(project):
    if project.engine == "mysql":
        return  # MySQL/MariaDB commit DDL at once: covered by test_mysql_failure_names_statement_and_resumes
    project.sql("1", "broken", BROKEN, "DROP TABLE c; DROP TABLE b; DROP TABLE a;")
    result = project.run("apply")
    assert result.code == 1
    assert "failed at statement 4 of 5 (line 5)" in result.err
    assert "no_such_table" in result.err and "nothing of it is applied" in result.err
    assert not {"a", "b", "c"} & project.tables()
    row = status_rows(project)["1"]
    assert row["state"] == "failed" and "at statement 4 of 5 (line 5) while applying" in row["detail"] and "nothing was left applied" in row["detail"]
    # fix the file, apply again: it runs whole
    project.sql("1", "broken", BROKEN.replace("no_such_table", "a"), "DROP TABLE c; DROP TABLE b; DROP TABLE a;")
    assert project.run("apply").code == 0
    assert {"a", "b", "c"} <= project.tables()
    assert project.query("SELECT count(*) FROM a")[0][0] == 2


def test_mysql_failure_names_statement_and_resumes(mysql_project):
    project = mysql_project
    path = project.sql("1", "broken", BROKEN, "DROP TABLE IF EXISTS c; DROP TABLE IF EXISTS b; DROP TABLE IF EXISTS a;")
    result = project.run("apply")
    assert result.code == 1
    assert "failed at statement 4 of 5 (line 5): INSERT INTO no_such_table" in result.err
    assert "Statements 1-3 ran and stay applied" in result.err
    assert {"a", "b"} <= project.tables() and "c" not in project.tables()
    row = status_rows(project)["1"]
    assert row["state"] == "failed"
    assert "at statement 4 of 5 (line 5) while applying" in row["detail"] and "3 statement(s) before it ran" in row["detail"]
    # editing a statement that already ran is refused: it would not be re-run
    path.write_text(path.read_text().replace("VALUES (1);\nCREATE TABLE b", "VALUES (2);\nCREATE TABLE b"))
    refused = project.run("apply")
    assert refused.code == 1 and "statements 1-3 of the earlier run already took effect" in refused.err
    # fixing the failed statement resumes from it: 1-3 are not run again
    path.write_text(path.read_text().replace("VALUES (2);\nCREATE TABLE b", "VALUES (1);\nCREATE TABLE b").replace("no_such_table", "b"))
    resumed = project.run("apply")
    assert resumed.code == 0, resumed.err
    assert "resuming at statement 4 of 5" in resumed.out
    assert project.query("SELECT count(*) FROM a")[0][0] == 1
    assert project.query("SELECT count(*) FROM b")[0][0] == 1
    assert states(project) == {"1": "applied"}
    events = [e["event"] for e in project.run("history", "--format", "json").json["events"]]
    assert events == ["fail", "resume", "apply"]


def test_mysql_partial_migration_can_be_rolled_back(mysql_project):
    project = mysql_project
    project.sql("1", "broken", BROKEN, "DROP TABLE IF EXISTS c; DROP TABLE IF EXISTS b; DROP TABLE IF EXISTS a;")
    project.run("apply")
    result = project.run("rollback")
    assert result.code == 0, result.err
    assert "undoing a partial apply of 3 statement(s)" in result.out
    assert not {"a", "b", "c"} & project.tables()
    assert states(project) == {"1": "rolled_back"}


def test_repair_clears_a_failure_that_left_nothing(project):
    project.sql("1", "fails_first", "INSERT INTO nowhere (id) VALUES (1);\nCREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.run("apply").code == 1
    assert states(project) == {"1": "failed"}
    result = project.run("repair")
    assert "cleared the failed run" in result.out
    assert states(project) == {"1": "pending"}


def test_non_transactional_migration_runs_statement_by_statement(project):
    """`Transaction: false`: what ran stays, and the failure is described exactly, on every engine."""
    header = "-- Transaction: false\n"
    path = project.sql("1", "no_tx", BROKEN, "DROP TABLE IF EXISTS c; DROP TABLE IF EXISTS b; DROP TABLE IF EXISTS a;", header=header)
    result = project.run("apply")
    assert result.code == 1 and "failed at statement 4 of 5" in result.err
    assert {"a", "b"} <= project.tables()
    assert "statement by statement" in project.run("apply", "--dry-run").out
    path.write_text(path.read_text().replace("no_such_table", "b"))
    assert project.run("apply").code == 0
    assert project.query("SELECT count(*) FROM a")[0][0] == 1
    assert states(project) == {"1": "applied"}


def test_postgres_concurrent_index_in_non_transactional_migration(pg_project):
    project = pg_project
    project.sql("1", "table", "CREATE TABLE t (id INTEGER, v INTEGER);", "DROP TABLE t;")
    project.sql(
        "2", "index", "CREATE INDEX CONCURRENTLY IF NOT EXISTS t_v ON t (v);", "DROP INDEX CONCURRENTLY IF EXISTS t_v;",
        header="-- Transaction: false\n",
    )
    result = project.run("apply")
    assert result.code == 0, result.err
    assert project.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass") == [(True,)]
    assert project.run("rollback").code == 0
    assert project.query("SELECT to_regclass('t_v')") == [(None,)]


def test_postgres_concurrent_index_inside_transaction_fails_cleanly(pg_project):
    project = pg_project
    project.sql("1", "table", "CREATE TABLE t (id INTEGER, v INTEGER);", "DROP TABLE t;")
    project.sql("2", "index", "CREATE INDEX CONCURRENTLY t_v ON t (v);", "DROP INDEX t_v;")
    result = project.run("apply")
    assert result.code == 1
    assert "cannot run inside a transaction block" in result.err
    assert states(project) == {"1": "applied", "2": "failed"}
