"""Calibration on MySQL/MariaDB and SQLite, as a user sees it: estimates say they were measured on a
sample, the target is exactly as it was, and no scratch copy outlives the plan, even one that fails."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROWS = 6000  # above the size worth calibrating (shoring.plan.calibrate.MIN_ROWS)
#: MariaDB's form of the seed's batched backfill
WHILE_LOOP = """BEGIN NOT ATOMIC
  DECLARE batch_size INT DEFAULT {batch};  -- a comment; with a semicolon
  DECLARE processed INT DEFAULT 1;
  WHILE processed > 0 DO
    UPDATE {table} SET note = 'done; or not' WHERE note IS NULL LIMIT batch_size;
    SET processed = ROW_COUNT();
    DO SLEEP({pause});
  END WHILE;
END"""


def plan_json(project, *args: str) -> dict:
    result = project.run("plan", "--format", "json", "--no-lint", *args)
    assert result.code == 0, result.err
    return result.json


def estimates(plan: dict) -> list[dict]:
    return [st["estimate"] for m in plan["migrations"] for st in m["statements"]]


def fill(project, ddl: str, row: str) -> None:
    with project.connect() as engine:
        engine.execute(ddl)
        engine.execute("INSERT INTO items VALUES " + ", ".join(row.format(i=i) for i in range(1, ROWS + 1)))
        if engine.name == "mysql":
            engine.execute("ANALYZE TABLE items")


def own_scratch_databases(project) -> list[str]:
    """Scratch databases this process made (their names carry host and pid)."""
    from shoring.rehearsal.scratch import PREFIX, host_tag

    mine = f"{PREFIX}{host_tag()}_{os.getpid()}_"
    with project.connect() as engine:
        return [name for (name,) in engine.query("SHOW DATABASES") if name.startswith(mine)]


def mysql_state(project) -> tuple:
    with project.connect() as engine:
        return (engine.query("SHOW CREATE TABLE items"), engine.query("CHECKSUM TABLE items"),
                project.tables())


@pytest.fixture
def mysql_items(mysql_project):
    fill(mysql_project, "CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(40), n INT, note TEXT)",
         "({i}, 'item {i}', {i} % 97, NULL)")
    return mysql_project


@pytest.fixture
def sqlite_items(sqlite_project, tmp_path, monkeypatch):
    fill(sqlite_project, "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, legacy TEXT)",
         "({i}, 'item {i}', {i} % 97, 'old {i}')")
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))  # where the calibration's copies go
    sqlite_project.scratch_folder = folder
    return sqlite_project


def test_mysql_estimates_are_measured_on_a_scratch_database_that_is_dropped(mysql_items):
    mysql_items.sql("1", "index", "CREATE INDEX items_name_idx ON items (name);")
    mysql_items.sql("2", "widen", "ALTER TABLE items MODIFY n BIGINT;")  # ALGORITHM=COPY
    mysql_items.sql("3", "rebuild", "ALTER TABLE items FORCE;")  # an in-place rebuild
    mysql_items.sql("4", "touch", "UPDATE items SET note = 'x' WHERE n = 3;")
    before = mysql_state(mysql_items)
    plan = plan_json(mysql_items)
    index, copy, rebuild, update = estimates(plan)
    assert [e["source"] for e in (index, copy, rebuild, update)] == ["calibration"] * 4
    assert "copy of items" in copy["detail"] and "rewrite of items" in rebuild["detail"]
    details = {m["kind"]: m["detail"] for m in plan["throughput"]["measured"]}
    assert details["copy"] == (f"the statement itself run on a {ROWS:,}-row sample of items "
                               "(scratch database on the same server, dropped after)")
    assert details["update"].startswith(f"measured on a {ROWS:,}-row sample of items (scratch database")
    text = mysql_items.run("plan", "--no-lint").out
    assert "estimate: measured on this server (a sample of each table, in a scratch database, dropped after)" in text
    assert mysql_state(mysql_items) == before and own_scratch_databases(mysql_items) == []
    skipped = plan_json(mysql_items, "--no-calibrate")
    assert {e["source"] for e in estimates(skipped)} == {"assumed"}
    assert "calibration skipped (--no-calibrate)" in skipped["notes"]


def test_mariadb_batched_loop_is_read_and_run_on_the_copy(mysql_items):
    mysql_items.sql("1", "backfill", WHILE_LOOP.format(table="items", batch=500, pause=0.2) + ";")
    before = mysql_state(mysql_items)
    st = plan_json(mysql_items)["migrations"][0]["statements"][0]
    work = st["work"][0]
    assert work["kind"] == "backfill" and work["batch_size"] == 500 and work["pause_seconds"] == 0.2
    assert 5 <= work["batches"] <= 30  # the planner's guess at the rows still to do, in batches of 500
    assert st["estimate"]["source"] == "calibration"
    assert "the loop itself run on a 6,000-row sample of items" in st["estimate"]["detail"]
    assert st["estimate_seconds"] >= work["batches"] * 0.2  # the pauses alone
    assert mysql_state(mysql_items) == before and own_scratch_databases(mysql_items) == []


def test_mysql_scratch_databases_do_not_survive_a_failure_or_a_killed_plan(mysql_items):
    from shoring.engines.url import parse_url
    from shoring.engines import connect
    from shoring.plan.lab_mysql import Lab
    from shoring.plan.live import open_live
    from shoring.rehearsal.scratch import PREFIX, host_tag

    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left_behind = f"{PREFIX}{host_tag()}_{int(child.stdout)}_abcdef"  # by a plan whose process is gone
    with mysql_items.connect() as engine:
        engine.create_database(left_behind)
    url = parse_url(mysql_items.url)
    with connect(url) as engine:
        live = open_live(engine)
        lab = Lab(url, live)
        try:
            assert left_behind not in [name for (name,) in engine.query("SHOW DATABASES")]
            with pytest.raises(RuntimeError):
                with lab.copies("items", live.schema.tables["items"], 2000, 0) as (tiny, sample):
                    assert (tiny.rows, sample.rows) == (100, 2000)
                    assert len(own_scratch_databases(mysql_items)) == 2
                    tiny.engine.execute(f"ALTER TABLE {tiny.name} ADD COLUMN half_done INT")
                    raise RuntimeError("the calibration failed half-way")
        finally:
            lab.close()
    assert own_scratch_databases(mysql_items) == []


def file_digest(project) -> str:
    return hashlib.sha256(Path(project.url.removeprefix("sqlite:///")).read_bytes()).hexdigest()


def test_sqlite_estimates_are_measured_on_a_temporary_copy(sqlite_items):
    sqlite_items.sql("1", "index", "CREATE INDEX items_name_idx ON items (name);")
    sqlite_items.sql("2", "drop_legacy", "ALTER TABLE items DROP COLUMN legacy;")  # rewrites every row
    sqlite_items.sql("3", "touch", "UPDATE items SET n = 0 WHERE id <= 1500;")
    before = file_digest(sqlite_items)
    plan = plan_json(sqlite_items)
    index, rewrite, update = (st for m in plan["migrations"] for st in m["statements"])
    assert [s["estimate"]["source"] for s in (index, rewrite, update)] == ["calibration"] * 3
    assert "rewrite of items" in rewrite["estimate"]["detail"]
    assert update["work"][0]["rows"] == 1500 and update["work"][0]["rows_note"].endswith("(counted)")
    details = {m["kind"]: m["detail"] for m in plan["throughput"]["measured"]}
    assert details["rewrite"].startswith(f"the statement itself run on a {ROWS:,}-row sample of items (copy in a "
                                         "temporary file")
    assert details["update"].startswith(f"measured on a {ROWS:,}-row sample of items")
    assert "estimate: measured on this server (a sample of each table, in a temporary file)" in sqlite_items.run(
        "plan", "--no-lint").out
    # the target file is byte for byte what it was, and the copies are gone
    assert file_digest(sqlite_items) == before
    assert list(sqlite_items.scratch_folder.iterdir()) == []
    assert {e["source"] for e in estimates(plan_json(sqlite_items, "--no-calibrate"))} == {"assumed"}


def test_sqlite_copies_do_not_survive_a_failure(sqlite_items):
    from shoring.engines.url import parse_url
    from shoring.engines import connect
    from shoring.plan.lab_sqlite import Lab
    from shoring.plan.live import open_live

    before = file_digest(sqlite_items)
    url = parse_url(sqlite_items.url)
    with connect(url, read_only=True) as engine:
        live = open_live(engine)
        lab = Lab(url, live)
        try:
            with pytest.raises(RuntimeError):
                with lab.copies("items", live.schema.tables["items"], 2000, 0) as (tiny, sample):
                    assert (tiny.rows, sample.rows) == (100, 2000)
                    sample.engine.execute(f"DELETE FROM {sample.name}")
                    raise RuntimeError("the calibration failed half-way")
        finally:
            lab.close()
    assert list(sqlite_items.scratch_folder.iterdir()) == []
    assert file_digest(sqlite_items) == before


@pytest.mark.parametrize("block, kind, table, batch, pause", [
    (WHILE_LOOP.format(table="users", batch=1000, pause=0.1), "update", "users", 1000, 0.1),
    ("""BEGIN NOT ATOMIC
  REPEAT
    DELETE FROM sessions WHERE expires_at < '2024-01-01' LIMIT 500;
    SELECT SLEEP(0.5);
  UNTIL ROW_COUNT() = 0 END REPEAT;
END;""", "delete", "sessions", 500, 0.5),
    ("""BEGIN NOT ATOMIC
  done: LOOP
    UPDATE users SET n = 0 WHERE n IS NULL LIMIT 200;
    IF ROW_COUNT() = 0 THEN LEAVE done; END IF;
  END LOOP done;
END""", "update", "users", 200, 0.0),
])
def test_mariadb_loop_forms_are_read(block, kind, table, batch, pause):
    from shoring.plan.backfill_mysql import read_compound

    loop, = read_compound(block).loops
    assert (loop.kind, loop.table, loop.batch_size, loop.pause_seconds, loop.commits) == (kind, table, batch, pause, True)
    assert loop.remaining_sql.startswith(f"SELECT 1 FROM {table} WHERE ") and "LIMIT" not in loop.remaining_sql
    assert read_compound("UPDATE users SET n = 0 LIMIT 10") is None
