"""The seed's expand-contract rename: between expand and contract, old and new code both work."""

from __future__ import annotations

EXPAND = '''"""Purpose: users.name becomes users.display_name; code using either name keeps working"""
from shoring.operations import ExpandRenameColumn

operations = [
    ExpandRenameColumn("users", "name", "display_name", type="VARCHAR(50)", batch_size=2, pause=0),
]
'''
CONTRACT = '''"""Purpose: no code uses users.name any more"""
from shoring.operations import ContractRenameColumn

operations = [
    ContractRenameColumn("users", "name", "display_name"),
]
'''


def columns(project) -> set[str]:
    with project.connect() as engine:
        return {c.lower() for c in engine.column_names("users")}


def test_old_and_new_code_see_the_same_data_until_contract(project):
    project.sql("1", "users", """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));
        INSERT INTO users (id, name) VALUES (1, 'Ada'), (2, 'Grace'), (3, NULL), (4, 'Edsger'), (5, 'Barbara');
    """, "DROP TABLE users;")
    project.write("2_expand.py", EXPAND)
    rehearsal = project.run("test")  # up, down (triggers and column gone), up again, on a scratch copy
    assert rehearsal.code == 0, rehearsal.out + rehearsal.err
    result = project.run("apply")
    assert result.code == 0, result.err
    # existing rows were backfilled (in batches of 2)
    assert project.query("SELECT id, display_name FROM users ORDER BY id") == [
        (1, "Ada"), (2, "Grace"), (3, None), (4, "Edsger"), (5, "Barbara")]
    # old code writes the old name, new code the new one: both names see every write
    project.query("INSERT INTO users (id, name) VALUES (6, 'Alan')")
    project.query("INSERT INTO users (id, display_name) VALUES (7, 'Margaret')")
    project.query("UPDATE users SET name = 'Ada L.' WHERE id = 1")
    project.query("UPDATE users SET display_name = 'Grace H.' WHERE id = 2")
    assert project.query("SELECT id, name, display_name FROM users WHERE id IN (1, 2, 6, 7) ORDER BY id") == [
        (1, "Ada L.", "Ada L."), (2, "Grace H.", "Grace H."), (6, "Alan", "Alan"), (7, "Margaret", "Margaret")]

    # expand rolls back cleanly: the new column and its triggers go, the old column keeps every write
    assert project.run("rollback").code == 0
    assert columns(project) == {"id", "name"}
    assert project.query("SELECT name FROM users WHERE id = 7") == [("Margaret",)]
    project.query("INSERT INTO users (id, name) VALUES (8, 'Niklaus')")  # no trigger left behind

    assert project.run("apply").code == 0
    project.write("3_contract.py", CONTRACT)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert columns(project) == {"id", "display_name"}
    project.query("INSERT INTO users (id, display_name) VALUES (9, 'Donald')")  # no trigger left behind
    assert project.query("SELECT display_name FROM users WHERE id IN (7, 8, 9) ORDER BY id") == [
        ("Margaret",), ("Niklaus",), ("Donald",)]


def test_expand_and_contract_lint_clean_of_what_they_handle(project):
    project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE users;")
    project.write("2_expand.py", EXPAND)
    project.write("3_contract.py", CONTRACT)
    findings = project.run("lint", "--format", "json").json["findings"]
    rules = {(f["file"].rsplit("/", 1)[-1], f["rule"]) for f in findings}
    assert not {r for r in rules if r[1] in ("rename-column", "parse-error", "backfill-in-schema-migration")}
    # the contract drops a column whose data lives on in the new one, and is final by design (issue 15)
    assert not {r for r in rules if r[1] in ("drop-column", "missing-down")}


CHANGE = '''"""Purpose: users.age becomes an integer"""
from shoring.operations import ExpandChangeType

operations = [
    ExpandChangeType("users", "age", "INTEGER", using="CASE WHEN age = 'n/a' THEN NULL ELSE CAST(age AS INTEGER) END",
                     batch_size=2, pause=0),
]
'''
CHANGE_CONTRACT = '''"""Purpose: the integer age takes the name"""
from shoring.operations import ContractChangeType

operations = [ContractChangeType("users", "age")]
'''


def test_a_type_change_converts_old_writes_and_stops_on_values_it_would_lose(project):
    project.sql("1", "users", """
        CREATE TABLE users (id INTEGER PRIMARY KEY, age VARCHAR(10));
        INSERT INTO users (id, age) VALUES (1, '42'), (2, '7'), (3, NULL), (4, 'n/a'), (5, '19');
    """, "DROP TABLE users;")
    project.write("2_age_int.py", CHANGE)
    failed = project.run("apply")
    assert failed.code == 1
    assert "1 row(s) of users hold a value in age that the conversion turned into NULL in age_new" in failed.err
    assert "statement" in failed.err and "(line 5)" in failed.err

    project.query("UPDATE users SET age = '0' WHERE id = 4")  # old code fixes the value; the trigger converts it
    resumed = project.run("apply")
    assert resumed.code == 0, resumed.err
    assert project.query("SELECT id, age_new FROM users ORDER BY id") == [(1, 42), (2, 7), (3, None), (4, 0), (5, 19)]
    project.query("INSERT INTO users (id, age) VALUES (6, '64')")  # old code keeps writing text
    project.query("UPDATE users SET age = '43' WHERE id = 1")
    assert project.query("SELECT age_new FROM users WHERE id IN (1, 6) ORDER BY id") == [(43,), (64,)]

    project.write("3_age_contract.py", CHANGE_CONTRACT)
    assert project.run("apply").code == 0
    assert columns(project) == {"id", "age"}
    assert project.query("SELECT age FROM users ORDER BY id") == [(43,), (7,), (None,), (0,), (19,), (64,)]
    project.query("INSERT INTO users (id, age) VALUES (7, 5)")  # no trigger left behind


def test_apply_stops_after_an_expand_so_that_the_code_is_deployed_before_its_contract(sqlite_project):
    sqlite_project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE users;")
    sqlite_project.write("2_expand.py", EXPAND)
    sqlite_project.write("3_contract.py", CONTRACT)
    dry = sqlite_project.run("apply", "--dry-run")
    assert "would stop after 2 expand: its expand phase" in dry.out
    assert "would apply 3" not in dry.out

    expand = sqlite_project.run("apply")
    assert expand.code == 0, expand.err
    assert "2 expand is expanded: old and new schema are both live" in expand.out
    assert "1 later migration(s) wait (3)" in expand.out
    assert columns(sqlite_project) == {"id", "name", "display_name"}
    contract = sqlite_project.run("apply")  # the code was deployed in between: the contract file runs
    assert contract.code == 0, contract.err
    assert columns(sqlite_project) == {"id", "display_name"}


def test_status_shows_an_expand_until_its_contract_is_applied(sqlite_project):
    sqlite_project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE users;")
    sqlite_project.write("2_expand.py", EXPAND)
    assert sqlite_project.run("apply").code == 0
    [_, expand] = sqlite_project.run("status", "--format", "json").json["migrations"]
    assert expand["expanding"] == ["ExpandRenameColumn users.name -> display_name"]
    assert "expand in progress, contract pending: ExpandRenameColumn users.name" in sqlite_project.run("status").out

    sqlite_project.write("3_contract.py", CONTRACT)
    assert sqlite_project.run("apply").code == 0
    assert [m["expanding"] for m in sqlite_project.run("status", "--format", "json").json["migrations"]] == [None] * 3


def test_verify_reminds_of_an_open_expand_and_of_triggers_left_behind(sqlite_project):
    sqlite_project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE users;")
    sqlite_project.write("2_expand.py", EXPAND)
    assert sqlite_project.run("apply").code == 0
    problems = sqlite_project.run("verify", "--format", "json").json["problems"]
    assert [p["message"] for p in problems] == [
        "expand in progress, contract pending: ExpandRenameColumn users.name -> display_name (its triggers stay until the contract)"]

    sqlite_project.query("CREATE TRIGGER shoring_sync_users_x_y_n AFTER UPDATE ON users BEGIN SELECT 1; END")
    sqlite_project.write("3_contract.py", CONTRACT)
    assert sqlite_project.run("apply").code == 0
    problems = sqlite_project.run("verify", "--format", "json").json["problems"]
    assert [p["message"].split(":")[0] for p in problems] == [
        "trigger shoring_sync_users_x_y_n on users keeps two columns in step, but no expand is in progress"]
