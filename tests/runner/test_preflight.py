"""apply's preflight: the seed's pre-migration checklist, each item checked against the database."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest


def test_apply_says_when_rollback_was_not_rehearsed_for_this_file(sqlite_project):
    project = sqlite_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.sql("2", "u", "CREATE TABLE u (id INTEGER);", "DROP TABLE u;")
    rehearsal = project.run("test")
    assert rehearsal.code == 0, rehearsal.out + rehearsal.err
    project.sql("3", "v", "CREATE TABLE v (id INTEGER);", "DROP TABLE v;")
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "[ ] Verify rollback plan is tested: rollback not rehearsed on sqlite for this exact file: 3 " in result.out
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


def _window_around(hours_from_now: int) -> str:
    """A one-hour window starting that many hours from now (UTC): no clock is faked."""
    start = datetime.now(timezone.utc) + timedelta(hours=hours_from_now)
    return f"{start:%H}:00-{(start + timedelta(hours=1)):%H}:00"


#: a change the plan says blocks writes on each engine (MariaDB adds a column INSTANT; a type change copies)
WRITE_BLOCKING = {
    "postgresql": ("ALTER TABLE t ADD COLUMN c INTEGER;", "ALTER TABLE t DROP COLUMN c;"),
    "sqlite": ("ALTER TABLE t ADD COLUMN c INTEGER;", "ALTER TABLE t DROP COLUMN c;"),
    "mysql": ("ALTER TABLE t MODIFY id BIGINT;", "ALTER TABLE t MODIFY id INTEGER;"),
}


def _state(project, version: str) -> str:
    return {m["version"]: m["state"] for m in project.run("status", "--format", "json").json["migrations"]}[version]


def test_window_blocks_a_write_blocking_migration_outside_it(project):
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    with open(project.root / "shoring.toml", "a") as fh:
        fh.write('\n[preflight]\nwindow_after = "0s"\n')
    project.sql("2", "blocking", *WRITE_BLOCKING[project.engine])

    dry = project.run("apply", "--dry-run", "--window", _window_around(3), "--format", "json")
    [window] = [i for i in dry.json["checklist"]["items"] if i["item"] == "window"]
    assert window["status"] == "fail" and window["stops"] and "outside the window" in window["detail"]

    outside = project.run("apply", "--window", _window_around(3))
    assert outside.code == 1
    assert "[!] Schedule maintenance window" in outside.out and "outside the window" in outside.out
    assert "preflight stopped the apply before any change" in outside.err
    assert _state(project, "2") == "pending"

    without = project.run("apply")
    assert without.code == 1 and "no window given" in without.out

    inside = project.run("apply", "--window", _now_window())
    assert inside.code == 0, inside.out + inside.err
    assert "is inside the window" in inside.out
    assert _state(project, "2") == "applied"


def _now_window() -> str:
    now = datetime.now(timezone.utc)
    return f"{(now - timedelta(minutes=30)):%H:%M}-{(now + timedelta(minutes=30)):%H:%M}"


def test_yes_goes_on_despite_a_blocking_item_and_says_so(sqlite_project):
    project = sqlite_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    with open(project.root / "shoring.toml", "a") as fh:
        fh.write('\n[preflight]\nwindow_after = "0s"\n')
    project.sql("2", "add_c", "ALTER TABLE t ADD COLUMN c INTEGER;", "ALTER TABLE t DROP COLUMN c;")
    result = project.run("apply", "--window", _window_around(3), "--yes")
    assert result.code == 0, result.err
    assert "preflight: going on despite window (--yes)" in result.out


@pytest.mark.parametrize("engine", ["postgresql", "mysql"])
def test_preflight_names_an_idle_in_transaction_session_holding_the_target_table(engine, tmp_path):
    from conftest import Project, new_database

    url, drop = new_database(engine, tmp_path)
    try:
        project = Project(tmp_path / "project", url)
        project.sql("1", "t", "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);", "DROP TABLE t;")
        assert project.run("apply").code == 0
        project.sql("2", "add_c", "ALTER TABLE t ADD COLUMN c INTEGER;", "ALTER TABLE t DROP COLUMN c;")
        holder = project.connect()
        try:
            holder.begin()
            holder.query("SELECT * FROM t")
            session = holder.session_id()
            result = project.run("apply", "--dry-run")
        finally:
            holder.rollback()
            holder.close()
        assert result.code == 0, result.err
        line = next(x for x in result.out.splitlines() if "idle-in-transaction sessions" in x)
        assert line.startswith("  [ ]") and f"session {session}" in line and "idle in transaction" in line, line
        after = project.run("apply", "--dry-run")
        line = next(x for x in after.out.splitlines() if "idle-in-transaction sessions" in x)
        assert f"session {session} " not in line, "a transaction that ended is not named"
    finally:
        drop()
