"""`shoring test` on all three engines: each broken migration is caught by its own check, the target never changes."""

from __future__ import annotations

import pytest
from rehearsal_support import drop_index, scratch_databases, target_state, with_users

from shoring.rehearsal import rehearsal_record, rollback_rehearsed


def seed_examples(engine: str) -> dict[str, tuple[str, str, str]]:
    """The seed's example migrations (migration-workflow.md), as each engine writes them."""
    partial = " WHERE email_verified = FALSE" if engine != "mysql" else ""
    not_null = {
        "postgresql": "ALTER TABLE users ALTER COLUMN status SET NOT NULL;",
        "mysql": "ALTER TABLE users MODIFY status VARCHAR(20) NOT NULL DEFAULT 'active';",
        "sqlite": "",  # SQLite changes nullability only by rebuilding the table
    }[engine]
    online_index = {
        "postgresql": ("-- Transaction: false\n", "CREATE INDEX CONCURRENTLY idx_users_email ON users(email);",
                       "DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;"),
        "mysql": ("", "ALTER TABLE users ADD INDEX idx_users_email (email), ALGORITHM=INPLACE, LOCK=NONE;",
                  "DROP INDEX idx_users_email ON users;"),
        "sqlite": ("", "CREATE INDEX idx_users_email ON users(email);", "DROP INDEX IF EXISTS idx_users_email;"),
    }[engine]
    return {
        "add_email_verification": (
            "-- Purpose: Add email_verified column to track email verification status\n"
            "-- Rollback: Safe to rollback; column will be dropped\n",
            f"ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;\n"
            f"CREATE INDEX idx_users_email_verified ON users(email_verified){partial};",
            f"{drop_index(engine, 'idx_users_email_verified')}\nALTER TABLE users DROP COLUMN email_verified;",
        ),
        "add_status": (
            "",
            "ALTER TABLE users ADD COLUMN status VARCHAR(20) DEFAULT 'active';\n"
            f"UPDATE users SET status = 'active' WHERE status IS NULL;\n{not_null}",
            "ALTER TABLE users DROP COLUMN status;",
        ),
        "expand_email_address": (
            "-- Phase: expand\n",
            "ALTER TABLE users ADD COLUMN email_address VARCHAR(255);\nUPDATE users SET email_address = email;",
            "ALTER TABLE users DROP COLUMN email_address;",
        ),
        "index_email": online_index,
    }


def test_seed_examples_rehearse_cleanly_and_the_target_stays_unchanged(project):
    with_users(project)
    for i, (name, (header, up, down)) in enumerate(seed_examples(project.engine).items(), start=2):
        project.sql(str(i), name, up, down, header=header)
    before = target_state(project)

    result = project.run("test", "--format", "json")

    assert result.code == 0, result.out + result.err
    report = result.json
    assert report["passed"] and report["failing_step"] is None and report["target_unchanged"]
    assert [m["name"] for m in report["migrations"]] == list(seed_examples(project.engine))
    for m in report["migrations"]:
        assert {s["step"]: s["status"] for s in m["steps"]} == {
            "up": "passed", "indexes valid": "passed", "constraints validated": "passed", "metadata holds": "passed",
            "down": "passed", "schema restored": "passed", "data restored": "passed", "up again": "passed",
        }
        assert m["rollback_rehearsed"] is True
        for st in m["statements"]:
            assert {"index", "line", "sql", "tables", "locks", "rewrites", "scans", "blocks_reads", "blocks_writes"} <= set(st)
    assert target_state(project) == before
    assert scratch_databases(project) == []


def test_down_that_does_not_restore_the_schema(project):
    with_users(project)
    project.sql("2", "verified", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;\n"
                                 "CREATE INDEX idx_users_email ON users(email);",
                "ALTER TABLE users DROP COLUMN email_verified;")  # forgets the index
    before = target_state(project)

    result = project.run("test")

    assert result.code == 1
    assert "failed at 'schema restored': down does not restore the schema: 1 difference(s) from before up" in result.err
    assert "+ index users.idx_users_email" in result.out
    assert target_state(project) == before
    assert scratch_databases(project) == []


def test_down_that_loses_data(project):
    with_users(project)
    project.sql("2", "rename_nickname", "ALTER TABLE users RENAME COLUMN nickname TO display_name;",
                "ALTER TABLE users DROP COLUMN display_name;\nALTER TABLE users ADD COLUMN nickname VARCHAR(100);")
    before = target_state(project)

    result = project.run("test", "--format", "json")

    assert result.code == 1
    failing = result.json["failing_step"]
    assert (failing["step"], failing["kind"]) == ("data restored", "down_data")
    assert failing["message"].startswith("down loses data it should not: 1 table(s) differ from before up")
    assert failing["details"] == ["users: same 3 row(s) but their contents differ"]
    steps = {s["step"]: s["status"] for s in result.json["migrations"][0]["steps"]}
    assert steps["schema restored"] == "passed"  # the schema alone does not show it
    assert target_state(project) == before


def test_up_that_is_not_repeatable(project):
    with_users(project)
    project.sql("2", "settings", "CREATE TABLE settings (name VARCHAR(50) PRIMARY KEY, value VARCHAR(50));",
                "DROP TABLE settings;")
    assert project.run("apply").code == 0
    # down keeps the seeded row (and says so), so applying again after a rollback collides with it
    project.sql("3", "seed_theme", "INSERT INTO settings (name, value) VALUES ('theme', 'dark');", "SELECT 1;",
                header="-- Lossy-Rollback: settings\n")
    before = target_state(project)

    result = project.run("test", "--format", "json")

    assert result.code == 1
    failing = result.json["failing_step"]
    assert (failing["step"], failing["kind"]) == ("up again", "not_repeatable")
    assert failing["message"].startswith("up is not repeatable: after down, up again failed: 3 seed_theme")
    steps = {s["step"]: s for s in result.json["migrations"][0]["steps"]}
    assert steps["data restored"]["status"] == "passed" and "settings" in steps["data restored"]["message"]
    assert target_state(project) == before


def make_nickname_required(engine: str) -> tuple[str, str]:
    return {
        "postgresql": ("ALTER TABLE users ALTER COLUMN nickname SET NOT NULL;",
                       "ALTER TABLE users ALTER COLUMN nickname DROP NOT NULL;"),
        "mysql": ("ALTER TABLE users MODIFY nickname VARCHAR(100) NOT NULL;",
                  "ALTER TABLE users MODIFY nickname VARCHAR(100) NULL;"),
        "sqlite": (  # the 12-step rebuild
            "CREATE TABLE users_new (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, nickname VARCHAR(100) NOT NULL);\n"
            "INSERT INTO users_new (id, email, nickname) SELECT id, email, nickname FROM users;\n"
            "DROP TABLE users;\nALTER TABLE users_new RENAME TO users;",
            "CREATE TABLE users_old (id INTEGER PRIMARY KEY, email VARCHAR(255) NOT NULL, nickname VARCHAR(100));\n"
            "INSERT INTO users_old (id, email, nickname) SELECT id, email, nickname FROM users;\n"
            "DROP TABLE users;\nALTER TABLE users_old RENAME TO users;",
        ),
    }[engine]


def test_migration_that_fails_only_on_nulls_the_generator_made(project):
    with_users(project)  # every real row has a nickname
    project.sql("2", "require_nickname", *make_nickname_required(project.engine))
    before = target_state(project)

    clean = project.run("test")
    assert clean.code == 0, clean.out + clean.err

    result = project.run("test", "--rows", "12", "--format", "json")
    assert result.code == 1
    failing = result.json["failing_step"]
    assert (failing["step"], failing["kind"]) == ("up", "edge_case")
    assert failing["message"].startswith("up fails on NULL values in the data:")
    assert "the rehearsal data includes the generator's edge cases" in failing["message"]
    assert result.json["synthetic_rows"]["users"]["inserted"] > 0
    assert target_state(project) == before


def test_migration_that_fails_only_on_duplicates_the_generator_made(project):
    with_users(project)  # every real nickname is different
    project.sql("2", "unique_nickname", "CREATE UNIQUE INDEX users_nickname ON users (nickname);",
                drop_index(project.engine, "users_nickname"))

    assert project.run("test").code == 0

    result = project.run("test", "--rows", "12", "--format", "json")
    assert result.code == 1
    failing = result.json["failing_step"]
    assert (failing["step"], failing["kind"]) == ("up", "edge_case")
    assert failing["message"].startswith("up fails on duplicate values in the data:")


def test_idempotent_header_is_proven(project):
    with_users(project)
    project.sql("2", "index_email", "CREATE INDEX idx_users_email ON users (email);", drop_index(project.engine, "idx_users_email"),
                header="-- Transaction: false\n-- Idempotent: true\n")

    result = project.run("test", "--format", "json")

    assert result.code == 1
    failing = result.json["failing_step"]
    assert (failing["step"], failing["kind"]) == ("up twice", "not_idempotent")
    assert "the header says Idempotent: true" in failing["message"]

    project.sql("2", "index_email", "CREATE INDEX IF NOT EXISTS idx_users_email ON users (email);",
                drop_index(project.engine, "idx_users_email"), header="-- Transaction: false\n-- Idempotent: true\n")
    passing = project.run("test", "--format", "json")
    assert passing.code == 0, passing.out
    assert {s["step"]: s["status"] for s in passing.json["migrations"][0]["steps"]}["up twice"] == "passed"


def test_results_are_recorded_per_file_checksum(project):
    with_users(project)
    path = project.sql("2", "verified", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;",
                       "ALTER TABLE users DROP COLUMN email_verified;")
    from shoring.migrations.model import parse_migration_file

    good = parse_migration_file(path).checksum
    assert rehearsal_record(project.root, good) is None
    assert project.run("test").code == 0

    record = rehearsal_record(project.root, good)
    assert record["version"] == "2" and record["latest"]["passed"] is True and record["passed"] is True
    assert record["up_seconds"] > 0 and record["latest"]["statements"][0]["seconds"] > 0
    assert record["latest"]["table_rows"] == {"users": 3}
    assert record["runs"][project.engine]["rollback_rehearsed"] is True
    assert rollback_rehearsed(project.root, good, project.engine)

    path = project.sql("2", "verified", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;", "SELECT 1;")
    broken = parse_migration_file(path).checksum
    assert project.run("test").code == 1
    assert rehearsal_record(project.root, broken)["latest"]["failing_step"]["step"] == "schema restored"
    assert not rollback_rehearsed(project.root, broken)
    assert rollback_rehearsed(project.root, good)  # the earlier file's record is its own


def test_mysql_transaction_true_is_refused_for_ddl(mysql_project):
    project = mysql_project
    with_users(project)
    project.sql("2", "verified", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;",
                "ALTER TABLE users DROP COLUMN email_verified;", header="-- Transaction: true\n")

    result = project.run("test", "--format", "json")

    assert result.code == 1
    failing = result.json["failing_step"]
    assert (failing["step"], failing["kind"]) == ("metadata holds", "transaction_metadata")
    assert "the header says Transaction: true, but mysql commits DDL at once: statement(s) 1" in failing["message"]


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_nothing_pending(sqlite_project, fmt):
    with_users(sqlite_project)
    result = sqlite_project.run("test", "--format", fmt)
    assert result.code == 0
    if fmt == "json":
        assert result.json["migrations"] == [] and result.json["passed"]
    else:
        assert "Nothing to rehearse: no pending migrations in" in result.out


def test_partly_applied_migration_is_resumed_on_the_copy_as_apply_would(mysql_project):
    project = mysql_project
    with_users(project)
    project.sql("2", "two_columns", "ALTER TABLE users ADD COLUMN a INT;\nALTER TABLE no_such_table ADD COLUMN b INT;",
                "ALTER TABLE users DROP COLUMN b;\nALTER TABLE users DROP COLUMN a;")
    assert project.run("apply").code == 1  # statement 1 ran and stays (MariaDB commits DDL at once)
    project.sql("2", "two_columns", "ALTER TABLE users ADD COLUMN a INT;\nALTER TABLE users ADD COLUMN b INT;",
                "ALTER TABLE users DROP COLUMN b;\nALTER TABLE users DROP COLUMN a;")
    before = target_state(project)

    result = project.run("test", "--format", "json")

    assert result.code == 0, result.out + result.err
    first_up = result.json["migrations"][0]["statements"]
    assert [st["sql"] for st in first_up] == ["ALTER TABLE users ADD COLUMN b INT"]  # statement 1 is not run again
    steps = {s["step"]: s for s in result.json["migrations"][0]["steps"]}
    assert steps["schema restored"]["status"] == "skipped" and "partly applied" in steps["schema restored"]["message"]
    assert steps["up again"]["status"] == "passed"
    assert result.json["migrations"][0]["rollback_rehearsed"] is False  # nothing to compare down's result with
    assert target_state(project) == before


def test_missing_down_and_needless_transaction_false_are_warnings(project):
    with_users(project)
    project.sql("2", "no_down", "ALTER TABLE users ADD COLUMN a INT;")
    project.sql("3", "later", "ALTER TABLE users ADD COLUMN b INT;", "ALTER TABLE users DROP COLUMN b;",
                header="-- Transaction: false\n")

    result = project.run("test", "--to", "2", "--format", "json")

    assert result.code == 0, result.out
    [only] = result.json["migrations"]  # --to stops at 2
    steps = {s["step"]: s for s in only["steps"]}
    assert steps["down"]["status"] == "warning" and steps["down"]["message"] == "no down section: rollback cannot be rehearsed"
    assert only["rollback_rehearsed"] is False
    if project.engine == "postgresql":
        later = project.run("test", "--format", "json").json["migrations"][1]
        metadata = {s["step"]: s for s in later["steps"]}["metadata holds"]
        assert metadata["status"] == "warning"
        assert "the header says Transaction: false, but every statement ran inside a transaction" in metadata["message"]


def test_a_migration_that_reaches_the_target_is_reported(sqlite_project):
    project = sqlite_project
    with_users(project)
    target = project.url.split(":///", 1)[1]
    project.write("2_reaches_out.py", f'''"""Writes to a hard-coded database: the target itself."""
import sqlite3


def up(ctx):
    with sqlite3.connect({target!r}) as other:
        other.execute("CREATE TABLE IF NOT EXISTS intruder (id INTEGER)")


def down(ctx):
    pass
''')
    result = project.run("test", "--format", "json")
    assert result.code == 1
    assert result.json["target_unchanged"] is False
    assert result.json["target_changes"] == ["+ table intruder: 1 column(s): id"]
    assert "the target database changed during the rehearsal: + table intruder" in result.err
