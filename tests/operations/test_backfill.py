"""Backfill: key-range batches, each committed with its checkpoint; an interrupted one resumes, no row twice."""

from __future__ import annotations

import pytest

from shoring.backfill import next_batch_size
from shoring.backfill.checkpoint import decode_key, encode_key
from shoring.errors import ShoringError
from shoring.operations import Backfill

ROWS = 2500


def items(project, *, guard: bool = False) -> None:
    """Table items with ROWS rows; with `guard`, the database refuses v = 1234 (until the guard is dropped)."""
    check = ", CONSTRAINT no_1234 CHECK (v <> 1234)" if guard and project.engine != "sqlite" else ""
    project.sql("1", "items", f"""
        CREATE TABLE items (id INTEGER PRIMARY KEY, email VARCHAR(50), v INTEGER, n INTEGER NOT NULL DEFAULT 0{check});
    """, "DROP TABLE items;")
    assert project.run("apply").code == 0
    with project.connect() as engine:
        engine.begin()
        for start in range(1, ROWS + 1, 500):
            values = [(i, f"u{i}@example.com" if i % 10 else f"u{i}@other.org") for i in range(start, start + 500)]
            marks = ", ".join(["(%s, %s)"] * len(values))
            engine.execute(engine.sql(f"INSERT INTO items (id, email) VALUES {marks}"), [x for row in values for x in row])
        if guard and project.engine == "sqlite":
            engine.execute("CREATE TRIGGER no_1234 BEFORE UPDATE ON items WHEN NEW.v = 1234 "
                           "BEGIN SELECT RAISE(ABORT, 'v = 1234 refused'); END")
        engine.commit()


BACKFILL = '''"""Purpose: fill v for example.com users"""
from shoring.operations import Backfill

operations = [
    Backfill("items", set_sql="v = id, n = n + 1", where="email LIKE '%@example.com' AND v IS NULL",
             batch_size=100, pause=0),
]
'''


def test_every_matching_row_is_changed_once_in_batches(project):
    items(project)
    project.write("2_fill.py", BACKFILL)
    result = project.run("apply")
    assert result.code == 0, result.err
    matching = ROWS - ROWS // 10
    assert f"{matching:,} rows in {-(-matching // 100)} batches" in result.out
    assert project.query("SELECT COUNT(*) FROM items WHERE v = id AND n = 1") == [(matching,)]
    assert project.query("SELECT COUNT(*) FROM items WHERE v IS NULL AND n = 0 AND email LIKE '%@other.org'") == [(ROWS // 10,)]
    assert project.query("SELECT COUNT(*) FROM shoring_migrations_backfills") == [(0,)]  # done: no checkpoint left


def test_an_interrupted_backfill_resumes_after_its_last_batch(project):
    items(project, guard=True)
    project.write("2_fill.py", BACKFILL.replace("where=\"email LIKE '%@example.com' AND v IS NULL\"", "where=\"v IS NULL\""))
    failed = project.run("apply")
    assert failed.code == 1
    assert "statement 1 of 1 (line 5)" in failed.err
    assert "statement 1 committed 1,200 rows in 12 batches first, and a re-run resumes after them" in failed.err
    # batches 1-12 (ids 1-1200) committed with their checkpoint; batch 13 holds 1234 and was rolled back
    assert project.query("SELECT COUNT(*), MAX(id) FROM items WHERE v IS NOT NULL") == [(1200, 1200)]
    assert project.query("SELECT last_key, rows_done, batches FROM shoring_migrations_backfills") == [("i:1200", 1200, 12)]
    [_, mig] = project.run("status", "--format", "json").json["migrations"]
    assert mig["state"] == "failed"
    assert mig["backfill"] == {"statement": 1, "last_key": "1200", "rows_done": 1200, "batches": 12}
    assert "its batches committed 1,200 rows in 12 batches (up to key 1200)" in project.run("status").out
    assert "nothing was left applied" not in mig["detail"]

    with project.connect() as engine:
        engine.execute("DROP TRIGGER no_1234" if project.engine == "sqlite" else
                       "ALTER TABLE items DROP CONSTRAINT no_1234")
    resumed = project.run("apply")
    assert resumed.code == 0, resumed.err
    assert "resuming after id = 1200 (1,200 rows in 12 batches done earlier)" in resumed.out
    # every row changed exactly once: none of the first 1200 twice, none skipped
    assert project.query("SELECT n, COUNT(*) FROM items GROUP BY n") == [(1, ROWS)]
    assert project.query("SELECT COUNT(*) FROM shoring_migrations_backfills") == [(0,)]


def test_lint_knows_the_backfill_is_batched(project):
    project.sql("1", "items", "CREATE TABLE items (id INTEGER PRIMARY KEY, v INTEGER);", "DROP TABLE items;")
    project.write("2_fill.py", BACKFILL.replace("email LIKE '%@example.com' AND ", ""))
    project.write("3_plain.sql", "-- migrate:up\nUPDATE items SET v = id WHERE v IS NULL;\n-- migrate:down\n")
    result = project.run("lint", "--format", "json")
    unbatched = {f["file"].rsplit("/", 1)[-1] for f in result.json["findings"] if f["rule"] == "unbatched-data-change"}
    assert unbatched == {"3_plain.sql"}


def test_a_code_migration_backfills_through_ctx(project):
    items(project)
    project.write("2_fill.py", '''"""
Purpose: fill v
Transaction: false
"""


def up(ctx):
    result = ctx.backfill("items", set={"v": 7}, where="v IS NULL", batch_size=1000, pause=0)
    ctx.log(f"{result.rows} rows in {result.batches} batches")


def down(ctx):
    ctx.execute("UPDATE items SET v = NULL")
''')
    result = project.run("apply")
    assert result.code == 0, result.err
    assert project.query("SELECT v, COUNT(*) FROM items GROUP BY v") == [(7, ROWS)]


def test_plan_prices_the_whole_table_in_batches(pg_project):
    items(pg_project)
    pg_project.query("ANALYZE items")
    pg_project.write("2_fill.py", BACKFILL)
    plan = pg_project.run("plan", "--format", "json", "--no-calibrate")
    assert plan.code == 0, plan.err
    [st] = plan.json["migrations"][0]["statements"]
    [work] = [w for w in st.get("work", []) if w["kind"] == "backfill"] or [None]
    assert work is not None, st
    assert work["batch_size"] == 100 and work["rows"] >= 2000


def test_batches_adapt_towards_the_target_time():
    assert next_batch_size(1000, 0.05, 0.5) == 2000  # fast: at most double
    assert next_batch_size(1000, 2.0, 0.5) == 500  # slow: at most halve
    assert next_batch_size(1000, 0.4, None) == 1000
    assert next_batch_size(10, 5.0, 0.1) == 10  # never below the floor


def test_checkpoint_keys_keep_their_type():
    import uuid

    for key in (42, "abc:def", uuid.UUID(int=7)):
        assert decode_key(encode_key(key)) == key
    with pytest.raises(ShoringError, match="integer, text or uuid"):
        encode_key(1.5)


@pytest.mark.parametrize("kwargs, message", [
    ({}, "set="), ({"set": {"v": 1}, "batch_size": 0}, "batch_size"), ({"set": {"v": 1}, "pause": -1}, "pause"),
])
def test_bad_backfill_arguments_are_refused(kwargs, message):
    with pytest.raises(ShoringError, match=message):
        Backfill("items", **kwargs)


def test_rehearsal_traces_the_batches_as_the_one_statement(pg_project):
    items(pg_project)
    pg_project.write("2_fill.py", BACKFILL)
    result = pg_project.run("test", "--format", "json")
    assert result.code == 0, result.err
    [mig] = result.json["migrations"]
    assert mig["passed"]
    [st] = mig["statements"]
    assert st["line"] == 5 and st["sql"].startswith('UPDATE "items"')
    # watched from outside (each batch commits): whatever the sampler saw, nothing that blocks readers or writers
    assert st["lock_trace"] == "sampled" and set(st["locks"].values()) <= {"AccessShareLock", "RowExclusiveLock"}
    assert not st["blocks_reads"] and not st["blocks_writes"]
    assert pg_project.query("SELECT COUNT(*) FROM items WHERE v IS NOT NULL") == [(0,)]  # the target is untouched


def test_rows_without_a_key_are_reported_not_silently_skipped(sqlite_project):
    sqlite_project.sql("1", "events", "CREATE TABLE events (seq INTEGER, v INTEGER);\n"
                       "INSERT INTO events (seq, v) VALUES (1, NULL), (2, NULL), (NULL, NULL);", "DROP TABLE events;")
    sqlite_project.write("2_fill.py", 'from shoring.operations import Backfill\n\n'
                         'operations = [Backfill("events", set={"v": 1}, where="v IS NULL", key="seq", pause=0)]\n')
    result = sqlite_project.run("apply")
    assert result.code == 0, result.err
    assert "1 matching rows have no seq (NULL) and were not changed" in result.out
    assert sqlite_project.query("SELECT COUNT(*) FROM events WHERE v IS NULL") == [(1,)]


def test_plan_warns_when_the_key_the_batches_walk_has_no_index(sqlite_project):
    sqlite_project.sql("1", "events", "CREATE TABLE events (id INTEGER PRIMARY KEY, seq INTEGER, v INTEGER);",
                       "DROP TABLE events;")
    assert sqlite_project.run("apply").code == 0
    fill = 'from shoring.operations import Backfill\n\noperations = [Backfill("events", set={{"v": 1}}, key="{key}")]\n'
    sqlite_project.write("2_fill.py", fill.format(key="seq"))
    assert "no index on events(seq), the key the batches walk" in sqlite_project.run("plan").out
    sqlite_project.write("2_fill.py", fill.format(key="id"))
    assert "no index on" not in sqlite_project.run("plan").out


def test_sqlite_tables_without_a_key_are_walked_by_rowid(sqlite_project):
    sqlite_project.sql("1", "logs", "CREATE TABLE logs (msg TEXT, level TEXT);\n"
                       "INSERT INTO logs VALUES ('a', NULL), ('b', NULL), ('c', 'x');", "DROP TABLE logs;")
    sqlite_project.write("2_fill.py", 'from shoring.operations import Backfill\n\noperations = [\n'
                         '    Backfill("logs", set={"level": "info"}, where="level IS NULL", key="rowid", batch_size=1, pause=0),\n]\n')
    result = sqlite_project.run("apply")
    assert result.code == 0, result.err
    assert "2 rows in 2 batches" in result.out
    assert sqlite_project.query("SELECT msg, level FROM logs ORDER BY msg") == [("a", "info"), ("b", "info"), ("c", "x")]


def test_repair_says_a_cleared_backfill_left_its_rows_changed(sqlite_project):
    items(sqlite_project, guard=True)
    sqlite_project.write("2_fill.py", BACKFILL.replace("where=\"email LIKE '%@example.com' AND v IS NULL\"", "where=\"v IS NULL\""))
    assert sqlite_project.run("apply").code == 1
    result = sqlite_project.run("repair")
    assert "statement 1 had changed 1,200 rows in 12 batches, which stay changed" in result.out
    assert sqlite_project.query("SELECT COUNT(*) FROM shoring_migrations_backfills") == [(0,)]
    assert [m["state"] for m in sqlite_project.run("status", "--format", "json").json["migrations"]] == ["applied", "pending"]
