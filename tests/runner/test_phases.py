"""Phases a user drives: apply stops after an expand, complete contracts, abort undoes it exactly."""

from __future__ import annotations

from shoring.verify import snapshot
from shoring.verify.diff import diff
from shoring.verify.fingerprint import fingerprint

TABLE_UP = """
    CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), visits INTEGER);
    INSERT INTO users (id, name, visits) VALUES (1, 'Ada', 3), (2, 'Grace', NULL), (3, NULL, 7);
"""
EXPAND = '''"""Purpose: users.name becomes display_name, visits becomes a bigint; old and new code run side by side"""
from shoring.operations import ExpandChangeType, ExpandRenameColumn

operations = [
    ExpandRenameColumn("users", "name", "display_name", type="VARCHAR(50)", batch_size=2, pause=0),
    ExpandChangeType("users", "visits", "BIGINT", reverse="CAST(visits_new AS INTEGER)", batch_size=2, pause=0),
]
'''


def columns(project) -> set[str]:
    with project.connect() as engine:
        return {c.lower() for c in engine.column_names("users")}


def phase_of(project, version: str):
    rows = project.run("status", "--format", "json").json["migrations"]
    return next(r["phase"] for r in rows if r["version"] == version)


def setup(project) -> None:
    project.sql("1", "users", TABLE_UP, "DROP TABLE users;")
    assert project.run("apply").code == 0
    project.write("2_expand.py", EXPAND)


def test_during_expand_old_and_new_code_see_each_others_writes_and_complete_leaves_the_new_schema(project):
    setup(project)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "2 expand is expanded: old and new schema are both live" in result.out
    assert "shoring complete 2" in result.out
    assert phase_of(project, "2") == "expanded"
    assert "expand in progress, contract pending" in project.run("status").out

    with project.connect() as old, project.connect() as new:  # two applications, one per schema version
        old.execute("INSERT INTO users (id, name, visits) VALUES (4, 'Alan', 1)")
        new.execute("INSERT INTO users (id, display_name, visits_new) VALUES (5, 'Margaret', 2)")
        old.execute("UPDATE users SET name = 'Ada L.', visits = 4 WHERE id = 1")
        new.execute("UPDATE users SET display_name = 'Grace H.' WHERE id = 2")
        assert new.query("SELECT id, display_name, visits_new FROM users WHERE id IN (1, 4) ORDER BY id") == [
            (1, "Ada L.", 4), (4, "Alan", 1)]
        assert old.query("SELECT id, name FROM users WHERE id IN (2, 5) ORDER BY id") == [(2, "Grace H."), (5, "Margaret")]

    # a second expand on columns the first still keeps in step is refused, and changes nothing
    project.write("3_again.py", '"""Purpose: again"""\nfrom shoring.operations import ExpandRenameColumn\n\n'
                                'operations = [ExpandRenameColumn("users", "display_name", "label", type="VARCHAR(50)")]\n')
    refused = project.run("apply")
    assert refused.code == 1
    assert "works on users.display_name, which 2 expand still keeps in step" in refused.err
    assert "label" not in columns(project)
    (project.migrations / "3_again.py").unlink()

    done = project.run("complete")
    assert done.code == 0, done.err
    assert "Completed 1 migration(s): 2." in done.out
    assert columns(project) == {"id", "display_name", "visits"}
    assert phase_of(project, "2") == "completed"
    with project.connect() as new:  # the new schema alone, no trigger left behind
        new.execute("INSERT INTO users (id, display_name, visits) VALUES (6, 'Donald', 9000000000)")
        assert new.query("SELECT id, display_name, visits FROM users ORDER BY id") == [
            (1, "Ada L.", 4), (2, "Grace H.", None), (3, None, 7), (4, "Alan", 1), (5, "Margaret", 2),
            (6, "Donald", 9000000000)]
    again = project.run("complete")
    assert again.code == 2 and "no migration is in its expand phase" in again.err
    back = project.run("rollback")
    assert back.code == 2 and "`shoring complete` ran its contract" in back.err


def test_abort_restores_the_old_schema_and_data_exactly(project):
    setup(project)
    with project.connect() as engine:
        schema_before = snapshot(engine)
        data_before = fingerprint(engine, schema_before)
    assert project.run("apply").code == 0
    assert columns(project) == {"id", "name", "visits", "display_name", "visits_new"}
    with project.connect() as engine:  # new code changes a row, old code changes it back: both ways in step
        engine.execute("UPDATE users SET display_name = 'Ada L.' WHERE id = 1")
        assert engine.query("SELECT name FROM users WHERE id = 1") == [("Ada L.",)]
        engine.execute("UPDATE users SET name = 'Ada' WHERE id = 1")

    aborted = project.run("abort", "2")
    assert aborted.code == 0, aborted.err
    assert "Aborted 2" in aborted.out
    with project.connect() as engine:
        schema_after = snapshot(engine)
        assert not diff(schema_before, schema_after), diff(schema_before, schema_after).lines()
        assert fingerprint(engine, schema_after) == data_before
    assert [r["state"] for r in project.run("status", "--format", "json").json["migrations"]] == ["applied", "rolled_back"]
    assert project.run("abort").code == 2  # nothing is expanded now
    assert project.run("apply").code == 0 and phase_of(project, "2") == "expanded"  # and it can expand again


def test_apply_complete_runs_expand_and_contract_at_once(sqlite_project):
    setup(sqlite_project)
    result = sqlite_project.run("apply", "--complete")
    assert result.code == 0, result.err
    assert "is expanded" not in result.out
    assert columns(sqlite_project) == {"id", "display_name", "visits"}
    assert phase_of(sqlite_project, "2") == "completed"
    events = [e["event"] for e in sqlite_project.run("history", "--format", "json").json["events"]]
    assert events[-2:] == ["apply", "complete"]
