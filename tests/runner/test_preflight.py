"""apply's preflight and post-flight: the checklist items that cost nothing to check."""

from __future__ import annotations


def test_apply_says_when_rollback_was_not_rehearsed_for_this_file(sqlite_project):
    project = sqlite_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.sql("2", "u", "CREATE TABLE u (id INTEGER);", "DROP TABLE u;")
    rehearsal = project.run("test")
    assert rehearsal.code == 0, rehearsal.out + rehearsal.err
    project.sql("3", "v", "CREATE TABLE v (id INTEGER);", "DROP TABLE v;")
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "preflight: rollback not rehearsed on sqlite for this exact file: 3 " in result.out
    assert " 1," not in result.out and " 2," not in result.out


def test_failed_online_index_build_is_reported_invalid(pg_project):
    project = pg_project
    project.sql("1", "t", "CREATE TABLE t (v INTEGER);\nINSERT INTO t VALUES (1), (1);", "DROP TABLE t;")
    project.sql("2", "unique_v", "CREATE UNIQUE INDEX CONCURRENTLY t_v ON t (v);", "DROP INDEX CONCURRENTLY IF EXISTS t_v;",
                header="-- Transaction: false\n")
    result = project.run("apply")
    assert result.code == 1
    assert "index t_v is INVALID" in result.out + result.err
    assert project.query("SELECT indisvalid FROM pg_index WHERE indexrelid = 't_v'::regclass") == [(False,)]
