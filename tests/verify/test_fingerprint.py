"""Data fingerprints: row order does not matter; a changed, lost or duplicated row does."""

from __future__ import annotations

from shoring import verify
from shoring.engines import connect

ROWS = [(1, "alice", None), (2, "bob", "x"), (3, "", "y")]


def load(engine, table: str, rows) -> None:
    engine.execute(f"CREATE TABLE {table} (id INTEGER, name VARCHAR(20), note VARCHAR(20))")
    for row in rows:
        engine.execute(engine.sql(f"INSERT INTO {table} (id, name, note) VALUES (%s, %s, %s)"), list(row))


def prints(engine) -> dict:
    return verify.fingerprint(engine, verify.snapshot(engine))


def test_same_rows_in_another_order_have_the_same_fingerprint(db_url):
    with connect(db_url) as engine:
        load(engine, "a", ROWS)
        load(engine, "b", list(reversed(ROWS)))
        fp = prints(engine)
    assert fp["a"] == fp["b"]
    assert fp["a"].rows == 3 and fp["a"].checksum != "0" * 16


def test_changed_lost_and_duplicated_rows_are_caught(db_url):
    with connect(db_url) as engine:
        load(engine, "t", ROWS)
        before = prints(engine)
        engine.execute("UPDATE t SET note = NULL WHERE id = 2")
        changed = prints(engine)
        engine.execute("DELETE FROM t WHERE id = 2")
        lost = prints(engine)
        engine.execute("INSERT INTO t (id, name, note) VALUES (1, 'alice', NULL)")
        duplicated = prints(engine)
    assert [d.message for d in verify.compare_fingerprints(before, changed)] == ["t: same 3 row(s) but their contents differ"]
    assert [d.message for d in verify.compare_fingerprints(before, lost)] == ["t: 3 row(s) before, 2 now"]
    assert duplicated["t"].rows == 3 and duplicated["t"] != before["t"]
    assert verify.compare_fingerprints(before, before) == []


def test_empty_string_and_null_differ(db_url):
    with connect(db_url) as engine:
        load(engine, "a", [(1, "", None)])
        load(engine, "b", [(1, None, "")])
        fp = prints(engine)
    assert fp["a"] != fp["b"]


def test_table_stats_count_rows(db_url):
    with connect(db_url) as engine:
        load(engine, "t", ROWS)
        stats = verify.table_stats(engine, verify.snapshot(engine), exact=True)
    assert stats["t"].rows == 3 and stats["t"].exact


def test_a_partitioned_table_has_the_rows_of_its_partitions_and_an_inheritance_child_its_own(pg_url):
    """A plain table partitioned since (PartitionTable) holds the same rows: `verify --against` said
    "3 row(s) before, 0 now", because the parent was read ONLY, where a partitioned table has none."""
    with connect(pg_url) as engine:
        load(engine, "plain", ROWS)
        engine.execute("CREATE TABLE parted (id INTEGER, name VARCHAR(20), note VARCHAR(20)) PARTITION BY RANGE (id)")
        engine.execute("CREATE TABLE parted_low PARTITION OF parted FOR VALUES FROM (0) TO (2)")
        engine.execute("CREATE TABLE parted_high PARTITION OF parted FOR VALUES FROM (2) TO (10)")
        engine.execute("INSERT INTO parted SELECT * FROM plain")
        engine.execute("CREATE TABLE parent (id INTEGER, name VARCHAR(20), note VARCHAR(20))")
        engine.execute("CREATE TABLE child () INHERITS (parent)")
        engine.execute("INSERT INTO child SELECT * FROM plain")
        fp = prints(engine)
    assert fp["parted"] == fp["plain"]
    assert (fp["parted_low"].rows, fp["parted_high"].rows) == (1, 2)
    assert fp["parent"].rows == 0 and fp["child"] == fp["plain"]
