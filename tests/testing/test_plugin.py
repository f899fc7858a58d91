"""Users test their own migrations with the `shoring_migrator` fixture, on a database made and dropped for them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

USER_TESTS = '''
from pathlib import Path

import pytest
from shoring.errors import MigrationFailed


def test_data_migration_fills_display_names(shoring_migrator):
    db = shoring_migrator
    Path("scratch_url.txt").write_text(db.url.database)
    assert db.migrate(to="1") == ["1"]
    db.execute("INSERT INTO users (id, name) VALUES (%s, %s)", [1, "Ada"])
    db.execute("INSERT INTO users (id, name) VALUES (%s, %s)", [2, "Grace"])
    assert db.migrate() == ["2"]
    assert db.query("SELECT display_name FROM users ORDER BY id") == [("Ada",), ("Grace",)]
    assert db.applied() == ["1", "2"]
    assert db.rollback() == ["2"]
    assert db.applied() == ["1"]
    assert "users" in db.schema().tables


def test_each_test_gets_its_own_empty_database(shoring_migrator):
    assert shoring_migrator.applied() == []
    assert shoring_migrator.migrate() == ["1", "2"]


def test_a_failing_migration_raises(shoring_migrator):
    shoring_migrator.migrate(to="1")
    shoring_migrator.execute("INSERT INTO users (id, name) VALUES (%s, %s)", [1, None])
    Path("migrations/3_not_null.sql").write_text(
        "-- migrate:up\\nUPDATE users SET name = NULL WHERE id = -1;\\nSELECT no_such_column FROM users;\\n-- migrate:down\\n")
    try:
        with pytest.raises(MigrationFailed, match="no_such_column"):
            shoring_migrator.migrate()
    finally:
        Path("migrations/3_not_null.sql").unlink()
'''


def user_project(root: Path, url: str) -> None:
    (root / "migrations").mkdir(parents=True)
    (root / "shoring.toml").write_text(f'database = "{url}"\n')
    (root / "migrations" / "1_users.sql").write_text(
        "-- migrate:up\nCREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), display_name VARCHAR(50));\n"
        "-- migrate:down\nDROP TABLE users;\n")
    (root / "migrations" / "2_display_names.py").write_text(
        '"""Purpose: display names"""\nfrom shoring.operations import Backfill\n\n'
        'operations = [Backfill("users", set_sql="display_name = name", where="display_name IS NULL", pause=0)]\n')
    (root / "test_migrations.py").write_text(USER_TESTS)


def run_pytest(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=root, capture_output=True, text=True)


def test_the_fixture_migrates_a_throwaway_database_and_drops_it(project, tmp_path):
    root = tmp_path / "user"
    user_project(root, project.url)
    result = run_pytest(root, "test_migrations.py")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 passed" in result.stdout
    scratch = (root / "scratch_url.txt").read_text()
    assert scratch != project.url.rsplit("/", 1)[-1]  # not the configured database ...
    assert project.tables() == set()  # ... which the tests never touched
    with project.connect() as engine:
        if engine.name == "postgresql":
            assert engine.query("SELECT count(*) FROM pg_database WHERE datname = %s", [scratch]) == [(0,)]
        elif engine.name == "mysql":
            assert engine.query("SHOW DATABASES LIKE %s", [scratch]) == []
        else:
            assert not Path(scratch).exists() and not Path(scratch).parent.exists()


def test_without_a_database_the_fixture_says_how_to_configure_one(tmp_path):
    root = tmp_path / "user"
    (root / "migrations").mkdir(parents=True)
    (root / "shoring.toml").write_text("")
    (root / "test_x.py").write_text("def test_x(shoring_migrator):\n    pass\n")
    result = run_pytest(root, "test_x.py")
    assert result.returncode == 1
    assert "shoring_migrator: no database for shoring's test fixtures" in result.stdout
    assert "Traceback" not in result.stdout
