"""Checksum drift, baseline and repair: the history never silently disagrees with the files."""

from __future__ import annotations

from test_apply_rollback import states, three


def status_rows(project) -> dict[str, dict]:
    return {m["version"]: m for m in project.run("status", "--format", "json").json["migrations"]}


def test_crlf_and_trailing_whitespace_do_not_count_as_edits(project):
    path = project.sql("1", "create_t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.run("apply")
    text = path.read_text()
    path.write_bytes(text.replace("\n", "  \r\n").encode() + b"\r\n\r\n")
    row = status_rows(project)["1"]
    assert row["state"] == "applied" and row["edited"] is False
    assert project.run("apply").code == 0


def test_edited_applied_file_is_reported_and_stops_apply_until_repair(project):
    path = project.sql("1", "create_t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.run("apply")
    project.sql("2", "create_u", "CREATE TABLE u (id INTEGER);", "DROP TABLE u;")
    path.write_text(path.read_text().replace("(id INTEGER)", "(id INTEGER, x INTEGER)"))
    row = status_rows(project)["1"]
    assert row["edited"] is True
    assert "EDITED" in project.run("status").out
    result = project.run("apply")
    assert result.code == 1
    assert "1_create_t.sql" in result.err and "shoring repair" in result.err
    assert "u" not in project.tables()
    # rollback refuses too: the edited down may not undo what ran
    assert project.run("rollback").code == 1
    repaired = project.run("repair")
    assert repaired.code == 0 and "accepted the edited file" in repaired.out
    assert status_rows(project)["1"]["edited"] is False
    assert project.run("apply").code == 0
    assert "u" in project.tables()
    events = [e["event"] for e in project.run("history", "--format", "json").json["events"]]
    assert "repair" in events


def test_baseline_marks_older_migrations_as_applied_without_running_them(project):
    with project.connect() as engine:
        engine.execute("CREATE TABLE legacy (id INTEGER)")
    project.sql("1", "create_legacy", "CREATE TABLE legacy (id INTEGER);", "DROP TABLE legacy;")
    project.sql("2", "create_new", "CREATE TABLE newer (id INTEGER);", "DROP TABLE newer;")
    result = project.run("baseline", "1")
    assert result.code == 0, result.err
    assert states(project) == {"1": "baseline", "2": "pending"}
    assert project.run("apply").code == 0, "apply must not re-create the baselined table"
    assert states(project) == {"1": "baseline", "2": "applied"}
    # the baseline is the floor: rollback stops above it
    assert project.run("rollback", "--steps", "5").code == 0
    assert states(project) == {"1": "baseline", "2": "rolled_back"}
    assert "legacy" in project.tables()
    again = project.run("baseline", "2")
    assert again.code == 2 and "already has" in again.err


def test_repair_mark_applied_and_mark_pending(project):
    three(project)
    project.run("apply", "--to", "20240101000000")
    assert project.run("repair", "--mark-applied", "20240102000000").code == 0
    assert states(project)["20240102000000"] == "applied"
    assert project.run("repair", "--mark-pending", "20240102000000").code == 0
    assert states(project)["20240102000000"] == "pending"


def test_missing_file_of_applied_migration_is_reported(project):
    path = project.sql("1", "create_t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.run("apply")
    path.unlink()
    row = status_rows(project)["1"]
    assert row["missing"] is True and row["state"] == "applied"
    assert "FILE MISSING" in project.run("status").out


def test_dependencies_are_checked_and_keep_rollback_order(project):
    project.sql("1", "create_t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    project.sql("2", "create_u", "CREATE TABLE u (id INTEGER);", "DROP TABLE u;")
    project.sql("3", "fill_t", "INSERT INTO t (id) VALUES (1);", "DELETE FROM t;", header="-- Depends: 1\n")
    assert project.run("apply").code == 0
    # 3 depends on 1: rolling back to before 1 takes 3 with it, but 1 alone cannot go while 3 stays
    assert project.run("repair", "--mark-pending", "2").code == 0
    result = project.run("rollback", "--to", "0")
    assert result.code == 0, result.err
    assert states(project) == {"1": "rolled_back", "2": "pending", "3": "rolled_back"}


def test_out_of_order_pending_migration_is_flagged_and_applied(project):
    project.sql("1", "a", "CREATE TABLE a (id INTEGER);", "DROP TABLE a;")
    project.sql("3", "c", "CREATE TABLE c (id INTEGER);", "DROP TABLE c;")
    project.run("apply")
    project.sql("2", "b", "CREATE TABLE b (id INTEGER);", "DROP TABLE b;")
    assert status_rows(project)["2"]["out_of_order"] is True
    result = project.run("apply")
    assert result.code == 0 and "out of order" in result.out
    assert "b" in project.tables()
