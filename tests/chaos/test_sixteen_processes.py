"""Sixteen shoring processes at once on one database: applies and statuses racing over migrations
that include a batched backfill, an expand and (PostgreSQL) CREATE INDEX CONCURRENTLY. Each migration is applied exactly once
(a row changed twice would show), no process fails, and nothing is left behind: the run lock is free,
no session of theirs lingers, no scratch copy of theirs remains."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

ROWS = 1500
#: what the 16 processes run
#: (--yes: on SQLite the index build blocks writes, and the test gives no maintenance window)
COMMANDS = [["apply", "--yes"]] * 10 + [["status", "--format", "json"]] * 6

SEED = {
    "postgresql": f"INSERT INTO items (id, name) SELECT g, 'n' || g FROM generate_series(1, {ROWS}) g;",
    "mysql": f"INSERT INTO items (id, name) SELECT seq, CONCAT('n', seq) FROM seq_1_to_{ROWS};",
    "sqlite": f"INSERT INTO items (id, name) WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < {ROWS}) "
              "SELECT x, 'n' || x FROM g;",
}
INDEX = {"postgresql": "CREATE INDEX CONCURRENTLY items_name_idx ON items (name);",
         "mysql": "CREATE INDEX items_name_idx ON items (name);", "sqlite": "CREATE INDEX items_name_idx ON items (name);"}
DROP_INDEX = {"postgresql": "DROP INDEX CONCURRENTLY items_name_idx;", "mysql": "DROP INDEX items_name_idx ON items;",
              "sqlite": "DROP INDEX items_name_idx;"}


def write_migrations(project) -> None:
    e = project.engine
    project.sql("1", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50), hits INTEGER NOT NULL DEFAULT 0);\n"
                + SEED[e], "DROP TABLE items;")
    project.sql("2", "index", INDEX[e] + "\nCREATE TABLE once (id INTEGER);\nINSERT INTO once (id) VALUES (1);",
                "DROP TABLE once;\n" + DROP_INDEX[e], header="-- Transaction: false\n")
    project.write("3_backfill.py", '''"""Purpose: count each row's visits, in batches"""
from shoring.operations import AddColumn, Backfill

operations = [AddColumn("items", "score", "integer"),
              Backfill("items", set_sql="score = id * 2, hits = hits + 1", batch_size=200, pause=0)]
''')
    project.write("4_expand.py", '''"""Purpose: name becomes title"""
from shoring.operations import ExpandRenameColumn

operations = [ExpandRenameColumn("items", "name", "title", type="varchar(50)", batch_size=300, pause=0)]
''')
    project.sql("5", "more", "INSERT INTO once (id) VALUES (5);", "DELETE FROM once WHERE id = 5;")


def leftovers(project, pids: set[int]) -> list[str]:
    """Sessions of the racing processes still on the database, and scratch copies named after them (none
    is made by apply or status: the check keeps it so)."""
    from shoring.rehearsal.scratch import PREFIX

    with project.connect() as engine:
        if engine.name == "postgresql":
            sessions = engine.query("SELECT application_name FROM pg_stat_activity WHERE datname = current_database() "
                                    "AND pid <> pg_backend_pid()")
            copies = engine.query(f"SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'")
        elif engine.name == "mysql":
            sessions = engine.query("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = DATABASE() AND ID <> CONNECTION_ID()")
            copies = engine.query(f"SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE '{PREFIX}%'")
        else:
            sessions, copies = [], []
        ours = [c[0] for c in copies if any(f"_{pid}_" in c[0] for pid in pids)]
        return [f"session {s[0]}" for s in sessions] + ours


@pytest.mark.slow
def test_sixteen_processes_apply_each_migration_once_and_leave_nothing_behind(project, tmp_path):
    write_migrations(project)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    procs = [subprocess.Popen([sys.executable, "-m", "shoring", *args], cwd=project.root, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for args in COMMANDS]
    outputs = [p.communicate(timeout=300) for p in procs]
    failed = [(args, p.returncode, err[-500:]) for args, p, (_, err) in zip(COMMANDS, procs, outputs) if p.returncode != 0]
    assert not failed, failed

    assert project.query("SELECT COUNT(*), MIN(hits), MAX(hits) FROM items") == [(ROWS, 1, 1)]  # each row once
    assert project.query("SELECT id FROM once ORDER BY id") == [(1,), (5,)]
    assert project.query("SELECT COUNT(*) FROM items WHERE title IS NULL OR score IS NULL") == [(0,)]
    events = project.run("history", "--format", "json").json["events"]
    applies = sorted(e["version"] for e in events if e["event"] == "apply")
    assert applies == ["1", "2", "3", "4", "5"], events
    assert not [e for e in events if e["event"] in ("fail", "resume")], events
    assert {m["state"] for m in project.run("status", "--format", "json").json["migrations"]} == {"applied"}
    if project.engine == "postgresql":
        assert project.query("SELECT COUNT(*) FROM pg_index WHERE NOT indisvalid") == [(0,)]

    assert leftovers(project, {p.pid for p in procs}) == []
    assert not list(tmp.glob("shoring_scratch_*"))  # SQLite's copies live in TMPDIR
    with project.connect() as engine:  # the run lock is free
        assert engine.run_lock_try("shoring_migrations")
        engine.run_lock_release("shoring_migrations")
