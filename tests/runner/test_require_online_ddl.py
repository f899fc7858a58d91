"""require_online_ddl: on MySQL/MariaDB an ALTER that would block writes is refused by the server, not run."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.parametrize("engine_name", ["mysql"], indirect=True)


def setup(project, required: bool = True) -> None:
    (project.root / "shoring.toml").write_text(
        f'database = "{project.url}"\nrequire_online_ddl = {"true" if required else "false"}\n')
    project.sql("1", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, c INTEGER);\nINSERT INTO t VALUES (1, 1);",
                "DROP TABLE t;")
    assert project.run("apply").code == 0


def column_type(project) -> str:
    return project.query("SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                         "AND TABLE_NAME = 't' AND COLUMN_NAME = 'c'")[0][0]


def test_an_alter_that_needs_a_blocking_copy_is_refused_and_changes_nothing(project):
    setup(project)
    project.sql("2", "widen", "ALTER TABLE t MODIFY c BIGINT;", "ALTER TABLE t MODIFY c INT;")
    result = project.run("apply")
    assert result.code == 1
    assert "LOCK=NONE is not supported" in result.err and "run the change with OnlineAlter" in result.err
    assert column_type(project) == "int(11)"


def test_online_alters_and_explicit_choices_run(project):
    setup(project)
    project.sql("2", "add", "ALTER TABLE t ADD COLUMN d INT;", "ALTER TABLE t DROP COLUMN d;")
    project.sql("3", "widen", "ALTER TABLE t MODIFY c BIGINT, LOCK=SHARED;", "ALTER TABLE t MODIFY c INT;")
    result = project.run("apply")
    assert result.code == 0, result.err
    assert column_type(project) == "bigint(20)"


def test_off_by_default(project):
    setup(project, required=False)
    project.sql("2", "widen", "ALTER TABLE t MODIFY c BIGINT;", "ALTER TABLE t MODIFY c INT;")
    assert project.run("apply").code == 0
