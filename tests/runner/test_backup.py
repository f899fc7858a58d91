"""[backup]: apply and rollback take the configured backup before they change anything."""

from __future__ import annotations

import os
import sqlite3
import sys

import pytest


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


def _history_states(project) -> dict[str, str]:
    return {m["version"]: m["state"] for m in project.run("status", "--format", "json").json["migrations"]}


def test_backup_taken_by_apply_restores_the_pre_migration_data(project):
    project.sql("1", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20));\n"
                "INSERT INTO t VALUES (1, 'ada'), (2, 'grace');", "DROP TABLE t;")
    assert project.run("apply").code == 0
    configure(project, 'path = "backups/{database}-{timestamp}-{version}{suffix}"')
    project.sql("2", "reshape", "UPDATE t SET name = 'lost';\nCREATE TABLE extra (id INTEGER);", "DROP TABLE extra;")
    applied = project.run("apply")
    assert applied.code == 0, applied.err
    assert "backup 1:" in applied.out
    listed = project.run("backups", "--format", "json").json["backups"]
    assert [(b["id"], b["version"], b["valid"]) for b in listed] == [(1, "2", True)]
    assert listed[0]["verified"], "the dump was read back after it was taken"
    dump = listed[0]["file"]
    assert (os.stat(dump).st_mode & 0o777) == 0o600, "a backup holds every row: only its owner may read it"
    assert project.query("SELECT name FROM t ORDER BY id") == [("lost",), ("lost",)]

    refused = project.run("restore", "1")
    assert refused.code == 2 and "--yes" in refused.err, "no silent restore without a terminal to ask on"
    restored = project.run("restore", "1", "--yes")
    assert restored.code == 0, restored.err
    assert project.query("SELECT id, name FROM t ORDER BY id") == [(1, "ada"), (2, "grace")]
    assert "extra" not in project.tables(), "what the migration created is gone too"
    assert _history_states(project) == {"1": "applied", "2": "pending"}
    events = [e["event"] for e in project.run("history", "--format", "json").json["events"]]
    assert events[-1] == "restore"
    again = project.run("apply", "--no-backup")
    assert again.code == 0, again.err


def test_restore_into_another_database(sqlite_project, tmp_path):
    project = sqlite_project
    configure(project, 'path = "backups/{database}-{timestamp}{suffix}"')
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);\nINSERT INTO t VALUES (7);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    other = f"sqlite:///{tmp_path / 'other.sqlite'}"
    restored = project.run("restore", "1", "--yes", "--database", other)
    assert restored.code == 0, restored.err
    with sqlite3.connect(tmp_path / "other.sqlite") as db:
        assert db.execute("SELECT name FROM sqlite_master WHERE name = 't'").fetchall() == [], \
            "the backup was taken before migration 1 created t"
        assert db.execute("SELECT count(*) FROM shoring_migrations").fetchone() == (0,)


def test_backups_taken_within_one_second_each_get_their_own_file(sqlite_project):
    project = sqlite_project
    configure(project, 'path = "backups/{database}-{timestamp}{suffix}"')
    for version in ("1", "2", "3"):  # quick SQLite applies: several land in the same second
        project.sql(version, f"t{version}", f"CREATE TABLE t{version} (id INTEGER);", f"DROP TABLE t{version};")
        result = project.run("apply")
        assert result.code == 0, result.err
    assert len(list((project.root / "backups").iterdir())) == 3


@pytest.fixture
def corrupt_dumps(monkeypatch):
    """Fault injection: every dump is cut to half its size once written (a full disk, a dying volume)."""
    from shoring.runner.dumps import for_engine

    for name in ("postgresql", "mysql", "sqlite"):
        module = for_engine(name)

        def write(engine, target, env, _real=module.write):
            _real(engine, target, env)
            data = target.read_bytes()
            target.write_bytes(data[: len(data) // 2])

        monkeypatch.setattr(module, "write", write)


def test_corrupt_backup_stops_the_apply_with_nothing_changed(project, corrupt_dumps):
    project.sql("1", "t", "CREATE TABLE t (id INTEGER, pad VARCHAR(200));", "DROP TABLE t;")
    assert project.run("apply").code == 0
    project.query("INSERT INTO t (id, pad) VALUES " + ", ".join(f"({i}, '{'x' * 150}')" for i in range(200)))
    configure(project, 'path = "backups/{database}-{timestamp}{suffix}"')
    project.sql("2", "drop_t", "DROP TABLE t;", "CREATE TABLE t (id INTEGER);")
    result = project.run("apply")
    assert result.code == 1
    assert "backup 1" in result.err and "failed verification, so nothing was changed" in result.err
    assert project.query("SELECT count(*) FROM t") == [(200,)]
    assert _history_states(project) == {"1": "applied", "2": "pending"}
    [entry] = project.run("backups", "--format", "json").json["backups"]
    assert entry["valid"] is False
    assert project.run("restore", "1", "--yes").code == 1, "an invalid backup is never restored"


def test_snapshot_command_in_place_of_the_dump(sqlite_project, tmp_path):
    project = sqlite_project
    scripts = {
        "snap.py": "print('snap-0042')",
        "check.py": "import os, sys; sys.exit(os.environ['SHORING_BACKUP_REF'] != 'snap-0042')",
        "undo.py": f"import os; open({str(tmp_path / 'restored.txt')!r}, 'w').write(os.environ['SHORING_BACKUP_REF'])",
        "failing.py": "import sys; sys.exit('snapshot incomplete')",
    }
    for name, text in scripts.items():
        (tmp_path / name).write_text(text)
    run = {name: f"{sys.executable} {tmp_path / name}" for name in scripts}
    configure(project, f'command = "{run["snap.py"]}"\nverify_command = "{run["check.py"]}"\n'
                       f'restore_command = "{run["undo.py"]}"')
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    [entry] = project.run("backups", "--format", "json").json["backups"]
    assert entry["kind"] == "command" and entry["reference"] == "snap-0042" and entry["valid"]
    assert project.run("restore", "1", "--yes").code == 0
    assert (tmp_path / "restored.txt").read_text() == "snap-0042"

    configure(project, f'command = "{run["snap.py"]}"\nverify_command = "{run["failing.py"]}"')
    project.sql("2", "u", "CREATE TABLE u (id INTEGER);", "DROP TABLE u;")
    result = project.run("apply")
    assert result.code == 1 and "failed verification" in result.err and "snapshot incomplete" in result.err
    assert "u" not in project.tables()
