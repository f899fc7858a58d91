"""`shoring drift`: the live schema against the one recorded after the last apply or rollback."""

from __future__ import annotations


def test_drift_finds_a_column_added_by_hand(project):
    project.sql("1", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20));", "DROP TABLE t;")
    none_yet = project.run("drift")
    assert none_yet.code == 2 and "no schema recorded" in none_yet.err
    assert project.run("apply").code == 0
    clean = project.run("drift")
    assert clean.code == 0, clean.out + clean.err
    assert "No drift" in clean.out

    project.query("ALTER TABLE t ADD COLUMN note VARCHAR(40)")
    found = project.run("drift")
    assert found.code == 1
    assert "+ column t.note" in found.out and "since the apply of 1" in found.out
    as_json = project.run("drift", "--format", "json")
    assert as_json.code == 1
    assert as_json.json["drift"] is True
    assert [(c["action"], c["kind"], c["name"]) for c in as_json.json["changes"]] == [("added", "column", "t.note")]


def test_a_rollback_records_the_schema_it_leaves(sqlite_project):
    project = sqlite_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    assert project.run("rollback").code == 0
    assert project.run("drift").code == 0, "t is gone by shoring's own hand: not drift"
    project.query("CREATE TABLE hand_made (id INTEGER)")
    result = project.run("drift")
    assert result.code == 1 and "+ table hand_made" in result.out and "rollback of 1" in result.out
