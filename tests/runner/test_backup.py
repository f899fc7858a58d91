"""[backup]: apply and rollback take the configured backup before they change anything."""

from __future__ import annotations

import sqlite3
import sys


def configure(project, backup_lines: str) -> None:
    (project.root / "shoring.toml").write_text(f'database = "{project.url}"\n\n[backup]\n{backup_lines}\n')


def test_sqlite_backup_is_a_consistent_copy_taken_first(sqlite_project):
    project = sqlite_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (1);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    configure(project, 'path = "backups/{database}-{version}.db"')
    project.sql("2", "drop_t", "DROP TABLE t;", "CREATE TABLE t (id INTEGER);")
    result = project.run("apply")
    assert result.code == 0, result.err
    [copy] = (project.root / "backups").iterdir()
    assert copy.name.endswith("-2.db")
    with sqlite3.connect(copy) as db:
        assert db.execute("SELECT count(*) FROM t").fetchone() == (1,), "the copy holds the data the migration dropped"
    events = [(e["event"], e["detail"]) for e in project.run("history", "--format", "json").json["events"]]
    assert ("backup", str(copy)) in events
    assert events.index(("backup", str(copy))) < [e for e, _ in events].index("apply", 1)


def test_failing_backup_command_changes_nothing(project):
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    configure(project, f'command = "{sys.executable} -c \'import sys; sys.exit(\\"disk full\\")\'"')
    result = project.run("apply")
    assert result.code == 1
    assert "backup failed, so nothing was changed" in result.err and "disk full" in result.err
    assert "t" not in project.tables()
    skipped = project.run("apply", "--no-backup")
    assert skipped.code == 0 and "t" in project.tables()


def test_backup_command_gets_the_connection_from_the_environment(pg_project, tmp_path):
    project = pg_project
    out = tmp_path / "env.txt"
    script = f"import os; open({str(out)!r}, 'w').write(os.environ['PGDATABASE'] + ' ' + os.environ['SHORING_DATABASE_URL'])"
    configure(project, f'command = "{sys.executable} -c \\"{script}\\""')
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    database, url = out.read_text().split(" ")
    assert url == project.url and database == project.url.rsplit("/", 1)[1]
    assert project.run("rollback").code == 0
    backups = [e for e in project.run("history", "--format", "json").json["events"] if e["event"] == "backup"]
    assert len(backups) == 2, "rollback takes one too"
