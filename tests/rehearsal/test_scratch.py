"""Scratch copies: faithful to the target, and gone afterwards, also after Ctrl-C, SIGTERM or a dead rehearsal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from rehearsal_support import scratch_databases, target_state, with_users

from shoring.engines import connect
from shoring.rehearsal.scratch import PREFIX, host_tag
from support import wait_until

#: a statement that stays busy until interrupted, and how the server shows it is running
BUSY = {
    "postgresql": ("SELECT pg_sleep(120);", "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep' AND datname LIKE %s"),
    "mysql": ("SELECT SLEEP(120);", "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE STATE = 'User sleep' AND DB LIKE %s"),
}




def start_rehearsal(project, env: dict[str, str]) -> subprocess.Popen:
    # as from a terminal: a suite started in the background of a script has SIGINT ignored, and a child
    # inherits that (the Ctrl-C test then waited out its 60 s)
    return subprocess.Popen([sys.executable, "-m", "shoring", "test"], cwd=project.root, env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def copies_of(project, pid: int, tmp: Path) -> list[str]:
    pattern = f"{PREFIX}%_{pid}_%"
    if project.engine == "postgresql":
        return [r[0] for r in project.query("SELECT datname FROM pg_database WHERE datname LIKE %s", [pattern])]
    if project.engine == "mysql":
        return [r[0] for r in project.query("SHOW DATABASES LIKE %s", [pattern])]
    return [p.name for p in tmp.glob(f"{PREFIX}*_{pid}_*")]


def test_ctrl_c_drops_the_copy(project, tmp_path):
    interrupt_and_check(project, tmp_path, signal.SIGINT)


def test_sigterm_drops_the_copy(sqlite_project, tmp_path):
    interrupt_and_check(sqlite_project, tmp_path, signal.SIGTERM)  # CI cancelling a job, a container stopping


def interrupt_and_check(project, tmp_path, signum):
    with_users(project)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    if project.engine == "sqlite":
        flag = tmp_path / "running"
        project.write("2_busy.py", f'"""Slow data migration."""\nimport time\nfrom pathlib import Path\n\n\n'
                                   f'def up(ctx):\n    Path({str(flag)!r}).write_text("running")\n    time.sleep(120)\n\n\n'
                                   f'def down(ctx):\n    pass\n')
    else:
        project.sql("2", "busy", BUSY[project.engine][0], "SELECT 1;")
    before = target_state(project)
    proc = start_rehearsal(project, {"TMPDIR": str(tmp)})
    try:
        if project.engine == "sqlite":
            wait_until(flag.exists, "the migration to start on the copy")
        else:
            sql = BUSY[project.engine][1]
            wait_until(lambda: project.query(sql, [f"{PREFIX}%_{proc.pid}_%"])[0][0], "the busy statement on the copy")
        assert copies_of(project, proc.pid, tmp)
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert copies_of(project, proc.pid, tmp) == []
    assert target_state(project) == before


@pytest.mark.parametrize("engine_name", ["mysql", "postgresql"], indirect=True)
def test_copies_left_by_dead_rehearsals_are_dropped(project, tmp_path):
    # (SQLite: test_a_killed_sqlite_rehearsal_leaves_a_copy_the_next_one_removes)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    stale = f"{PREFIX}{host_tag()}_{dead_pid}_abc123"
    alive = f"{PREFIX}{host_tag()}_{os.getppid()}_abc123"  # a running process: not ours to drop
    other_host = f"{PREFIX}000000_{dead_pid}_abc123"  # another machine's: not provably dead
    with project.connect() as engine:
        admin_url = engine.url.with_database("postgres" if project.engine == "postgresql" else "")
    with connect(admin_url) as admin:
        for name in (stale, alive, other_host):
            admin.create_database(name)
    try:
        with_users(project)
        project.sql("2", "verified", "ALTER TABLE users ADD COLUMN email_verified BOOLEAN;",
                    "ALTER TABLE users DROP COLUMN email_verified;")
        result = project.run("test")
        assert result.code == 0, result.err
        # (a rehearsal running in parallel may be the one that drops it first: same code, same verdict)
        remaining = copies_of(project, dead_pid, tmp_path) + copies_of(project, os.getppid(), tmp_path)
        assert sorted(remaining) == sorted([alive, other_host])
    finally:
        with connect(admin_url) as admin:
            for name in (stale, alive, other_host):
                admin.drop_database(name)


def test_a_killed_sqlite_rehearsal_leaves_a_copy_the_next_one_removes(sqlite_project, tmp_path):
    # SIGKILL runs no clean-up: the copy stays in the temp folder until the next rehearsal finds its owner dead
    project = sqlite_project
    with_users(project)
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    flag = tmp_path / "running"
    project.write("2_busy.py", f'"""Slow data migration."""\nimport time\nfrom pathlib import Path\n\n\n'
                               f'def up(ctx):\n    Path({str(flag)!r}).write_text("running")\n    time.sleep(120)\n\n\n'
                               f'def down(ctx):\n    pass\n')
    proc = start_rehearsal(project, {"TMPDIR": str(tmp)})
    try:
        wait_until(lambda: flag.exists() or proc.poll() is not None, "the migration to start on the copy")
        assert proc.poll() is None, proc.communicate()
    finally:
        proc.kill()
        proc.wait()
    assert copies_of(project, proc.pid, tmp), "the killed rehearsal's copy"
    alive = tmp / f"{PREFIX}{host_tag()}_{os.getppid()}_abc123"  # a running process's copy: not ours to remove
    alive.mkdir()
    project.write("2_busy.py", '"""Quick now."""\n\n\ndef up(ctx):\n    pass\n\n\ndef down(ctx):\n    pass\n')
    again = subprocess.run([sys.executable, "-m", "shoring", "test"], cwd=project.root, env={**os.environ, "TMPDIR": str(tmp)},
                           capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    assert "left behind by a process that died" in again.stdout + again.stderr
    assert copies_of(project, proc.pid, tmp) == []
    assert alive.is_dir()
    assert [p.name for p in tmp.iterdir()] == [alive.name]  # the second rehearsal's own copy went too


SOURCE_SCHEMA = {
    "mysql": """CREATE TABLE parent (id INT PRIMARY KEY, name VARCHAR(20) NOT NULL, total INT AS (id * 2) STORED,
                    CONSTRAINT name_len CHECK (CHAR_LENGTH(name) > 0));
                CREATE TABLE child (id INT AUTO_INCREMENT PRIMARY KEY, parent_id INT,
                    CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id));
                INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');
                INSERT INTO child (parent_id) VALUES (3), (1), (2), (1);
                CREATE VIEW parent_names AS SELECT name FROM parent;
                CREATE VIEW parent_names_2 AS SELECT name FROM parent_names;
                CREATE TRIGGER child_default BEFORE INSERT ON child FOR EACH ROW SET NEW.parent_id = COALESCE(NEW.parent_id, 1);
                CREATE FUNCTION twice(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;
                CREATE SEQUENCE ticket_numbers START WITH 100;""",
    "postgresql": """CREATE TYPE mood AS ENUM ('sad', 'happy');
                     CREATE TABLE parent (id int PRIMARY KEY, name text NOT NULL CHECK (name <> ''), m mood DEFAULT 'happy');
                     CREATE TABLE child (id serial PRIMARY KEY, parent_id int REFERENCES parent (id));
                     INSERT INTO parent (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c');
                     INSERT INTO child (parent_id) VALUES (3), (1), (2), (1);
                     CREATE INDEX child_parent ON child (parent_id) WHERE parent_id IS NOT NULL;
                     CREATE VIEW parent_names AS SELECT name FROM parent;
                     CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
                     CREATE TRIGGER child_touch BEFORE INSERT ON child FOR EACH ROW EXECUTE FUNCTION touch();""",
}


@pytest.mark.parametrize("engine_name", ["mysql", "postgresql"], indirect=True)
def test_sampled_copy_has_the_target_schema_and_consistent_rows(project):
    project.sql("1", "base", SOURCE_SCHEMA[project.engine], "SELECT 1;")
    assert project.run("apply").code == 0
    project.sql("2", "note", "ALTER TABLE child ADD COLUMN note VARCHAR(10);", "ALTER TABLE child DROP COLUMN note;")
    before = target_state(project)
    with project.connect() as application:  # PostgreSQL: a connected application makes TEMPLATE impossible
        application.query("SELECT count(*) FROM child")
        result = project.run("test", "--sample-rows", "2", "--format", "json")
    assert result.code == 0, result.out + result.err
    assert result.json["copy"]["method"] == "sample"
    assert result.json["copy"]["differences"] == []
    rows = result.json["migrations"][0]["table_rows"]
    assert rows["parent"] == 2
    assert rows["child"] <= 2  # children of the parent left behind are not copied
    assert target_state(project) == before
    assert scratch_databases(project) == []


def test_an_empty_scratch_database_is_made_while_someone_is_connected_to_template1(pg_url):
    """PostgreSQL refuses template1 as a template while any session is connected to it; the empty database a
    fixture or a sampled copy needs is still made (from template0) instead of failing the user's test run."""
    from shoring.engines.url import parse_url
    from shoring.rehearsal.scratch import scratch_empty

    target = parse_url(pg_url)
    with connect(target.with_database("template1")):
        with scratch_empty(target) as scratch, connect(scratch.url) as made:
            assert made.query_one("SELECT current_database()")[0] == scratch.url.database
