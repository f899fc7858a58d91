"""`shoring import TOOL` against histories the real tools wrote: afterwards `apply` runs only what is new.

dbmate (npm), Alembic (PyPI) and sqitch (Debian) are run for real. Flyway is Java and cannot be
installed here: its flyway_schema_history is created exactly as Flyway documents it (the table,
one row per run, its CRC32 checksums) and its V__ files are applied as Flyway would.
"""

from __future__ import annotations

import uuid

import pytest
from tools import dbmate_url, require_tool, run, sqitch_target, sqlalchemy_url

from shoring.imports.flyway import checksum as flyway_checksum


def states(project) -> dict[str, str]:
    return {m["version"]: m["state"] for m in project.run("status", "--format", "json").json["migrations"]}


def columns(project, table: str) -> list[str]:
    with project.connect() as engine:
        return engine.column_names(table)


# --- dbmate: its files are shoring's, each applied version becomes an applied row ----------------------


def test_dbmate_history_is_imported_and_apply_runs_only_the_new_migration(project):
    dbmate = require_tool("dbmate")
    project.sql("20240101000000", "create_users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE users;")
    project.sql("20240102000000", "add_email", "ALTER TABLE users ADD COLUMN email VARCHAR(100);", "ALTER TABLE users DROP COLUMN email;")
    run([dbmate, "--url", dbmate_url(project.url), "--migrations-dir", str(project.migrations), "--no-dump-schema", "up"], project.root)
    assert columns(project, "users") == ["id", "name", "email"]
    project.sql("20240103000000", "add_age", "ALTER TABLE users ADD COLUMN age INTEGER;", "ALTER TABLE users DROP COLUMN age;")

    imported = project.run("import", "dbmate")
    assert imported.code == 0, imported.err
    assert "20240101000000 create_users: applied (by dbmate)" in imported.out
    assert states(project) == {"20240101000000": "applied", "20240102000000": "applied", "20240103000000": "pending"}

    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert "Applied 1 migration(s)" in applied.out
    assert columns(project, "users") == ["id", "name", "email", "age"]
    # the imported migrations roll back through shoring too: their down sections are dbmate's
    assert project.run("rollback", "--steps", "2").code == 0
    assert columns(project, "users") == ["id", "name"]
    events = [e["event"] for e in project.run("history", "--format", "json").json["events"]]
    assert events[:2] == ["import", "import"]


def test_dbmate_version_without_a_file_refuses_and_writes_nothing(sqlite_project):
    project = sqlite_project
    dbmate = require_tool("dbmate")
    path = project.sql("20240101000000", "create_users", "CREATE TABLE users (id INTEGER PRIMARY KEY);", "DROP TABLE users;")
    run([dbmate, "--url", dbmate_url(project.url), "--migrations-dir", str(project.migrations), "--no-dump-schema", "up"], project.root)
    path.unlink()
    result = project.run("import", "dbmate")
    assert result.code == 2
    assert "dbmate applied 1 version(s) with no file" in result.err and "20240101000000" in result.err
    assert "shoring_migrations" not in project.tables()


# --- Flyway: its table as Flyway documents it; its V__ files run unchanged ----------------------------

FLYWAY_TABLE = {  # Flyway's createMetaDataTable.sql per engine: same columns, types and index
    "postgresql": """CREATE TABLE "flyway_schema_history" (
        "installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
        "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INTEGER,
        "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT now(),
        "execution_time" INTEGER NOT NULL, "success" BOOLEAN NOT NULL,
        CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"))""",
    "mysql": """CREATE TABLE `flyway_schema_history` (
        `installed_rank` INT NOT NULL, `version` VARCHAR(50), `description` VARCHAR(200) NOT NULL,
        `type` VARCHAR(20) NOT NULL, `script` VARCHAR(1000) NOT NULL, `checksum` INT,
        `installed_by` VARCHAR(100) NOT NULL, `installed_on` TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
        `execution_time` INT NOT NULL, `success` BOOL NOT NULL,
        CONSTRAINT `flyway_schema_history_pk` PRIMARY KEY (`installed_rank`)) ENGINE=InnoDB""",
    "sqlite": """CREATE TABLE "flyway_schema_history" (
        "installed_rank" INT NOT NULL PRIMARY KEY, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL,
        "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT,
        "installed_by" VARCHAR(100) NOT NULL, "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
        "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL)""",
}


def flyway_migrate(project, files: list, *, fail_last: bool = False) -> None:
    """What `flyway migrate` does: run each V file, then record it (installed_rank order, CRC32 checksum)."""
    with project.connect() as engine:
        engine.execute(FLYWAY_TABLE[engine.name])
        engine.execute(engine.sql('CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success")')
                       if engine.name != "mysql" else "CREATE INDEX `flyway_schema_history_s_idx` ON `flyway_schema_history` (`success`)")
        for rank, path in enumerate(files, 1):
            ok = not (fail_last and rank == len(files))
            if ok:
                for statement in path.read_text().split(";"):
                    if statement.strip():
                        engine.execute(statement)
            version, description = path.name[1:-4].split("__")
            engine.execute(
                engine.sql("INSERT INTO flyway_schema_history (installed_rank, version, description, type, script, checksum,"
                           " installed_by, execution_time, success) VALUES (%s, %s, %s, 'SQL', %s, %s, 'flyway', 12, %s)"),
                [rank, version.replace("_", "."), description.replace("_", " "), path.name, flyway_checksum(path), ok],
            )


def test_flyway_history_is_imported_and_its_files_run_unchanged(project):
    v1 = project.write("V1__create_users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));\n")
    v11 = project.write("V1_1__add_email.sql", "-- Flyway file: no markers\nALTER TABLE users ADD COLUMN email VARCHAR(100);\n")
    flyway_migrate(project, [v1, v11])
    project.write("V2__add_age.sql", "ALTER TABLE users ADD COLUMN age INTEGER;\n")
    project.write("V10__add_nick.sql", "ALTER TABLE users ADD COLUMN nick VARCHAR(20);\n")

    imported = project.run("import", "flyway")
    assert imported.code == 0, imported.err
    assert "warning" not in imported.out  # the files are what Flyway ran
    assert states(project) == {"1": "applied", "1.1": "applied", "2": "pending", "10": "pending"}
    applied = project.run("apply", "--format", "json")
    assert applied.code == 0, applied.err
    assert [a["version"] for a in applied.json["applied"]] == ["2", "10"]  # numeric order, after 1.1
    assert columns(project, "users") == ["id", "name", "email", "age", "nick"]
    # Flyway's undo file is the down section of its V file
    for version, column in (("1_1", "email"), ("2", "age"), ("10", "nick")):
        project.write(f"U{version}__drop_{column}.sql", f"ALTER TABLE users DROP COLUMN {column};\n")
    assert project.run("repair").code == 0  # an undo file is part of its migration's checksum: accept them
    assert project.run("rollback", "--to", "1").code == 0, project.run("status").out
    assert columns(project, "users") == ["id", "name"]


def test_flyway_edited_file_is_a_warning_and_a_failed_run_refuses(sqlite_project):
    project = sqlite_project
    v1 = project.write("V1__create_users.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);\n")
    v2 = project.write("V2__bad.sql", "ALTER TABLE nowhere ADD COLUMN x INTEGER;\n")
    flyway_migrate(project, [v1, v2], fail_last=True)
    refused = project.run("import", "flyway")
    assert refused.code == 2
    assert "version 2 (V2__bad.sql) failed under Flyway" in refused.err
    assert "shoring_migrations" not in project.tables()

    with project.connect() as engine:
        engine.execute("DELETE FROM flyway_schema_history WHERE version = '2'")
    v2.unlink()
    v1.write_text("CREATE TABLE users (id INTEGER PRIMARY KEY);\n-- reviewed\n")
    imported = project.run("import", "flyway")
    assert imported.code == 0, imported.err
    assert "warning: V1__create_users.sql changed since Flyway applied it" in imported.out


def test_flyway_checksum_ignores_line_endings(tmp_path):
    lf, crlf = tmp_path / "a.sql", tmp_path / "b.sql"
    lf.write_bytes(b"SELECT 1;\nSELECT 2;\n")
    crlf.write_bytes(b"\xef\xbb\xbfSELECT 1;\r\nSELECT 2;\r\n")
    assert flyway_checksum(lf) == flyway_checksum(crlf)
    other = tmp_path / "c.sql"
    other.write_bytes(b"SELECT 1;\nSELECT 3;\n")
    assert flyway_checksum(other) != flyway_checksum(lf)


# --- Alembic: its revisions become a baseline; shoring's migrations start after it --------------------

REVISION = '''"""{message}

Revision ID: {rev}
Revises: {down}
"""
from alembic import op
import sqlalchemy as sa

revision = "{rev}"
down_revision = {down_literal}
branch_labels = None
depends_on = None


def upgrade():
    {upgrade}


def downgrade():
    {downgrade}
'''


def alembic_project(project) -> "object":
    pytest.importorskip("alembic", reason="alembic is a dev dependency (pip install -e '.[dev]')")
    from alembic import command
    from alembic.config import Config

    folder = project.root / "alembic"
    config = Config(str(project.root / "alembic.ini"))
    command.init(config, str(folder))
    config.set_main_option("script_location", str(folder))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(project.url))
    revisions = [
        ("a1b2c3", None, "create users", 'op.create_table("users", sa.Column("id", sa.Integer, primary_key=True), sa.Column("name", sa.String(50)))', 'op.drop_table("users")'),
        ("d4e5f6", "a1b2c3", "add email", 'op.add_column("users", sa.Column("email", sa.String(100)))', 'op.drop_column("users", "email")'),
    ]
    for rev, down, message, up, undo in revisions:
        (folder / "versions" / f"{rev}_{message.replace(' ', '_')}.py").write_text(REVISION.format(
            rev=rev, down=down, down_literal=repr(down), message=message, upgrade=up, downgrade=undo))
    return command, config


def test_alembic_head_is_imported_as_a_baseline_and_apply_runs_only_the_new_migration(project):
    command, config = alembic_project(project)
    command.upgrade(config, "head")
    assert columns(project, "users") == ["id", "name", "email"]
    project.sql("20240301000000", "add_age", "ALTER TABLE users ADD COLUMN age INTEGER;", "ALTER TABLE users DROP COLUMN age;")

    imported = project.run("import", "alembic", "--source", "alembic")
    assert imported.code == 0, imported.err
    assert "baseline 0: the schema alembic d4e5f6 (2 revisions) built; every shoring migration is new" in imported.out
    assert states(project) == {"0": "baseline", "20240301000000": "pending"}
    applied = project.run("apply", "--format", "json")
    assert applied.code == 0, applied.err
    assert [a["version"] for a in applied.json["applied"]] == ["20240301000000"]
    assert columns(project, "users") == ["id", "name", "email", "age"]


def test_alembic_not_at_head_is_said_and_through_counts_ported_files(sqlite_project):
    project = sqlite_project
    command, config = alembic_project(project)
    command.upgrade(config, "a1b2c3")
    project.sql("20240201000000", "add_email", "ALTER TABLE users ADD COLUMN email VARCHAR(100);", "ALTER TABLE users DROP COLUMN email;")
    project.sql("20240301000000", "add_age", "ALTER TABLE users ADD COLUMN age INTEGER;", "ALTER TABLE users DROP COLUMN age;")
    # the user ported Alembic's first revision to 20240101000000 and wrote two new ones
    project.sql("20240101000000", "create_users", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));", "DROP TABLE users;")
    imported = project.run("import", "alembic", "--source", "alembic", "--through", "20240101000000")
    assert imported.code == 0, imported.err
    assert "Alembic has not applied 1 revision(s) here (d4e5f6)" in imported.out
    assert states(project) == {"20240101000000": "baseline", "20240201000000": "pending", "20240301000000": "pending"}
    assert project.run("apply").code == 0
    assert columns(project, "users") == ["id", "name", "email", "age"]
    assert project.run("import", "alembic").code == 2  # once shoring keeps the history, there is nothing to import


# --- sqitch: its deployed changes become a baseline ---------------------------------------------------


def sqitch_project(project, tmp_path):
    """A sqitch project (two changes) targeting the test database, with a registry of its own on MySQL,
    where sqitch's default registry is server-wide."""
    binary = require_tool("sqitch")
    engine = {"postgresql": "pg", "mysql": "mysql", "sqlite": "sqlite"}[project.engine]
    folder = tmp_path / "sqitch"
    folder.mkdir()
    env = {"SQITCH_FULLNAME": "Test", "SQITCH_EMAIL": "test@example.com"}
    registry = f"shoring_t_{uuid.uuid4().hex[:12]}_sqitch" if engine == "mysql" else None
    init = [binary, "init", "flipr", "--engine", engine, "--target", sqitch_target(project.url)]
    run(init + (["--registry", registry] if registry else []), folder, env)
    for change, note, sql in (("users", "Users table", "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50));"),
                              ("emails", "Email column", "ALTER TABLE users ADD COLUMN email VARCHAR(100);")):
        run([binary, "add", change, "-n", note], folder, env)
        (folder / "deploy" / f"{change}.sql").write_text(sql + "\n")
    return binary, folder, env, registry


@pytest.fixture
def sqitch(project, tmp_path):
    binary, folder, env, registry = sqitch_project(project, tmp_path)
    yield binary, folder, env, registry
    if registry:
        with project.connect() as engine_:
            engine_.execute(f"DROP DATABASE IF EXISTS `{registry}`")


def test_sqitch_deployed_changes_are_imported_and_apply_runs_only_the_new_migration(project, sqitch):
    binary, folder, env, registry = sqitch
    run([binary, "deploy"], folder, env)
    assert columns(project, "users") == ["id", "name", "email"]
    project.sql("20240301000000", "add_age", "ALTER TABLE users ADD COLUMN age INTEGER;", "ALTER TABLE users DROP COLUMN age;")

    args = ["import", "sqitch", "--source", str(folder)] + (["--registry", registry] if registry else [])
    imported = project.run(*args)
    assert imported.code == 0, imported.err
    assert "the schema sqitch emails (2 changes) built" in imported.out
    assert states(project) == {"0": "baseline", "20240301000000": "pending"}
    applied = project.run("apply", "--format", "json")
    assert [a["version"] for a in applied.json["applied"]] == ["20240301000000"]
    assert columns(project, "users") == ["id", "name", "email", "age"]




def test_sqitch_change_not_deployed_is_said(sqlite_project, tmp_path):
    project = sqlite_project
    binary, folder, env, _ = sqitch_project(project, tmp_path)
    run([binary, "deploy", "--to", "users"], folder, env)
    imported = project.run("import", "sqitch", "--source", str(folder))
    assert imported.code == 0, imported.err
    assert "sqitch.plan has 1 change(s) not deployed here (emails)" in imported.out
    assert "the schema sqitch users (1 changes) built" in imported.out


# --- golang-migrate: one row, the current version; a dirty one refuses --------------------------------

GOLANG_MIGRATE_TABLE = "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL)"


def test_golang_migrate_version_becomes_the_baseline_and_dirty_refuses(project):
    # golang-migrate's 1_create_users.up.sql / .down.sql pairs, joined into shoring files with the same versions
    project.sql("1", "create_users", "CREATE TABLE users (id INTEGER PRIMARY KEY);", "DROP TABLE users;")
    project.sql("2", "add_name", "ALTER TABLE users ADD COLUMN name VARCHAR(50);", "ALTER TABLE users DROP COLUMN name;")
    project.sql("3", "add_age", "ALTER TABLE users ADD COLUMN age INTEGER;", "ALTER TABLE users DROP COLUMN age;")
    with project.connect() as engine:
        engine.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50))")
        engine.execute(GOLANG_MIGRATE_TABLE)
        engine.execute(engine.sql("INSERT INTO schema_migrations (version, dirty) VALUES (%s, %s)"), [2, True])
    dirty = project.run("import", "golang-migrate")
    assert dirty.code == 2 and "left version 2 dirty" in dirty.err and "migrate force 2" in dirty.err
    assert "shoring_migrations" not in project.tables()
    assert project.run("import", "dbmate").code == 2  # the same table name, told apart by its columns

    with project.connect() as engine:
        engine.execute(engine.sql("UPDATE schema_migrations SET dirty = %s"), [False])
    imported = project.run("import", "golang-migrate")
    assert imported.code == 0, imported.err
    assert states(project) == {"1": "baseline", "2": "baseline", "3": "pending"}
    applied = project.run("apply", "--format", "json")
    assert [a["version"] for a in applied.json["applied"]] == ["3"]
    assert columns(project, "users") == ["id", "name", "age"]


def test_import_without_the_tools_table_is_one_line_and_exit_2(sqlite_project):
    for tool, table in (("flyway", "flyway_schema_history"), ("alembic", "alembic_version"), ("dbmate", "schema_migrations")):
        result = sqlite_project.run("import", tool)
        assert result.code == 2
        assert result.err.count("\n") == 1 and f"has no table '{table}'" in result.err
    assert "shoring_migrations" not in sqlite_project.tables()
