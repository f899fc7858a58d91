"""PostgreSQL versioned schemas: while expanded, old and new code each read and write their own view."""

from __future__ import annotations

import pytest

from shoring.verify import snapshot
from shoring.verify.diff import diff

EXPAND = '''"""Purpose: users.name becomes display_name, visits a bigint"""
from shoring.operations import ExpandChangeType, ExpandRenameColumn

operations = [
    ExpandRenameColumn("users", "name", "display_name", type="VARCHAR(50)", batch_size=2, pause=0),
    ExpandChangeType("users", "visits", "BIGINT", reverse="CAST(visits_new AS INTEGER)", batch_size=2, pause=0),
]
'''


def schemas(project) -> set[str]:
    return {r[0] for r in project.query("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'shoring_%'")}


def view_columns(project, schema: str) -> list[str]:
    return [r[0] for r in project.query("SELECT column_name FROM information_schema.columns WHERE table_schema = %s "
                                        "AND table_name = 'users' ORDER BY ordinal_position", [schema])]


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_each_code_version_sees_its_own_columns_through_its_schema_until_complete(project):
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\nversioned_schema = true\nlock_wait = 30\n')
    project.sql("1", "users", """
        CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), visits INTEGER);
        INSERT INTO users VALUES (1, 'Ada', 3), (2, 'Grace', NULL);
    """, "DROP TABLE users;")
    assert project.run("apply").code == 0
    with project.connect() as engine:
        before = snapshot(engine)
    project.write("2_expand.py", EXPAND)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "old code sets search_path to shoring_2_before, new code to shoring_2" in result.out
    assert schemas(project) == {"shoring_2_before", "shoring_2"}
    assert view_columns(project, "shoring_2_before") == ["id", "name", "visits"]
    assert view_columns(project, "shoring_2") == ["id", "visits", "display_name"]

    with project.connect() as old, project.connect() as new:
        old.execute("SET search_path = shoring_2_before")
        new.execute("SET search_path = shoring_2")
        old.execute("INSERT INTO users (id, name, visits) VALUES (3, 'Alan', 1)")
        new.execute("INSERT INTO users (id, display_name, visits) VALUES (4, 'Margaret', 9)")
        new.execute("UPDATE users SET visits = 5 WHERE id = 1")
        assert old.query("SELECT * FROM users ORDER BY id") == [
            (1, "Ada", 5), (2, "Grace", None), (3, "Alan", 1), (4, "Margaret", 9)]
        assert new.query("SELECT * FROM users ORDER BY id") == [
            (1, 5, "Ada"), (2, None, "Grace"), (3, 1, "Alan"), (4, 9, "Margaret")]
        assert new.query("SELECT id, display_name, visits, pg_typeof(visits)::text FROM users WHERE id = 4") == [
            (4, "Margaret", 9, "bigint")]
        assert old.query("SELECT pg_typeof(visits)::text FROM users WHERE id = 4") == [("integer",)]

    aborted = project.run("abort")
    assert aborted.code == 0, aborted.err
    assert schemas(project) == set()
    with project.connect() as engine:
        assert not diff(before, snapshot(engine))
    assert project.run("apply").code == 0 and schemas(project) == {"shoring_2_before", "shoring_2"}
    done = project.run("complete")
    assert done.code == 0, done.err
    assert schemas(project) == set()
    assert project.query("SELECT id, display_name, visits FROM users ORDER BY id") == [
        (1, "Ada", 5), (2, "Grace", None), (3, "Alan", 1), (4, "Margaret", 9)]


@pytest.mark.parametrize("engine_name", ["postgresql"], indirect=True)
def test_a_contract_file_takes_the_views_with_it(project):
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\nversioned_schema = true\nlock_wait = 30\n')
    project.sql("1", "users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), visits INTEGER);",
                "DROP TABLE users;")
    project.write("2_expand.py", EXPAND)
    assert project.run("apply").code == 0  # 1, then 2, which expands: apply stops there
    assert schemas(project) == {"shoring_2_before", "shoring_2"}
    project.write("3_contract.py", '"""Purpose: contract"""\nfrom shoring.operations import ContractChangeType, '
                                   'ContractRenameColumn\n\noperations = [ContractRenameColumn("users", "name", '
                                   '"display_name"), ContractChangeType("users", "visits")]\n')
    result = project.run("apply")
    assert result.code == 0, result.err
    assert schemas(project) == set()
    assert [r[0] for r in project.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'users' "
                                        "AND table_schema = current_schema() ORDER BY ordinal_position")] == [
        "id", "display_name", "visits"]
