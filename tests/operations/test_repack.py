"""Repack(table): pg_repack rewrites a bloated table online; without the client or the extension, the
migration fails before touching the table, saying what to install."""

from __future__ import annotations

import shutil

import pytest

MIGRATION = '''"""
Purpose: compact events after the purge
Rollback: nothing to undo (the same rows, in new files)
Estimated-Time: seconds
"""
from shoring.operations import Repack

operations = [Repack("events")]
'''


def bloated(project) -> tuple[int, int, int]:
    """events with 20,000 rows of which 18,000 deleted: (relfilenode, size in bytes, rows)."""
    with project.connect() as engine:
        engine.execute("CREATE TABLE events (id bigint PRIMARY KEY, payload text NOT NULL)")
        engine.execute("INSERT INTO events SELECT g, repeat('x', 100) FROM generate_series(1, 20000) g")
        engine.execute("DELETE FROM events WHERE id % 10 <> 0")
    assert project.run("baseline", "0").code == 0  # adopt the database made by hand (apply refuses it otherwise)
    return facts(project)


def facts(project) -> tuple[int, int, int]:
    ((node, size, rows),) = project.query(
        "SELECT pg_relation_filenode('events'), pg_relation_size('events'), (SELECT count(*) FROM events)")
    return node, size, rows


@pytest.fixture
def repack_project(pg_project):
    if shutil.which("pg_repack") is None:
        message = "pg_repack is not installed (.ci/run installs postgresql-15-repack)"
        import os

        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    return pg_project


def test_repack_rewrites_the_table_online_and_keeps_every_row(repack_project):
    project = repack_project
    node, size, rows = bloated(project)
    project.query("CREATE EXTENSION pg_repack")
    project.write("1_repack_events.py", MIGRATION)
    lint = project.run("lint", "--format", "json")
    assert [f for f in lint.json["findings"] if f["severity"] == "error"] == []  # not VACUUM FULL's error
    (statement,) = project.run("plan", "--format", "json").json["migrations"][0]["statements"]
    assert statement["locks"] == {"events": "ShareUpdateExclusiveLock"} and statement["blocks_writes"] is False

    applied = project.run("apply")
    assert applied.code == 0, applied.err
    new_node, new_size, new_rows = facts(project)
    assert new_rows == rows == 2000
    assert new_node != node and new_size < size / 4  # new files, without the deleted rows' space
    assert project.query("SELECT sum(id) FROM events") == [(sum(range(10, 20001, 10)),)]
    assert project.run("rollback").code == 0  # nothing to undo, and it says so by succeeding


def test_without_the_extension_or_the_client_it_fails_before_touching_the_table(repack_project):
    project = repack_project
    before = bloated(project)
    project.write("1_repack_events.py", MIGRATION)
    failed = project.run("apply")
    assert failed.code == 1 and "CREATE EXTENSION pg_repack" in failed.err
    assert facts(project) == before

    project.query("CREATE EXTENSION pg_repack")
    failed = project.run("apply", env={"PATH": "/nonexistent"})
    assert failed.code == 1 and "needs the pg_repack client, which is not installed" in failed.err
    assert facts(project) == before
    assert project.run("apply").code == 0  # installed again: the failed migration runs now


def test_repack_on_mariadb_is_an_error_naming_the_file(mysql_project):
    mysql_project.write("1_repack_events.py", MIGRATION)
    result = mysql_project.run("apply")
    assert result.code == 2 and "1_repack_events.py:8" in result.err and "OPTIMIZE TABLE" in result.err
