"""What plan says that a new user tripped over (issue 15)."""

from __future__ import annotations

FILL_A = '''"""Purpose: fill a"""
from shoring.operations import Backfill

operations = [Backfill("users", set={"a": 1}, where="a IS NULL", pause=0)]
'''


def test_a_backfill_of_one_column_asks_only_for_the_code_that_writes_it(project):
    project.sql("1", "users", "CREATE TABLE users (id integer PRIMARY KEY);", "DROP TABLE users;")
    project.sql("2", "columns", "ALTER TABLE users ADD COLUMN a integer;\nALTER TABLE users ADD COLUMN b integer;\n"
                "ALTER TABLE users ADD COLUMN c integer;",
                "ALTER TABLE users DROP COLUMN c;\nALTER TABLE users DROP COLUMN b;\nALTER TABLE users DROP COLUMN a;")
    project.write("3_fill.py", FILL_A)
    result = project.run("plan", "--format", "json")
    assert result.code == 0, result.err
    fill = next(m for m in result.json["migrations"] if m["version"] == "3")
    before = " | ".join(fill["deploy"]["before"])
    assert "users.a" in before
    assert "users.b" not in before and "users.c" not in before


def test_mariadb_sizes_do_not_read_stale_statistics(mysql_project):
    """A table just loaded, whose statistics are not recomputed yet, read "~300k rows, 16.0 kB"."""
    with mysql_project.connect() as engine:
        engine.execute("CREATE TABLE big (id bigint PRIMARY KEY, v varchar(40)) STATS_AUTO_RECALC=0")
        engine.execute("INSERT INTO big WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 200) "
                       "SELECT a.n * 1000 + b.n, REPEAT('x', 30) FROM s a CROSS JOIN s b WHERE b.n <= 100")
        stale = engine.query_one("SELECT DATA_LENGTH FROM information_schema.TABLES "
                                 "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'big'")[0]
    mysql_project.sql("1", "index", "CREATE INDEX big_v_idx ON big (v);", "DROP INDEX big_v_idx ON big;")
    plan = mysql_project.run("plan", "--format", "json")
    assert plan.code == 0, plan.err
    volume = plan.json["volumes"]["big"]
    assert volume["rows"] >= 10000
    assert volume["bytes"] >= 20000 * 40 > stale  # at least the rows' own bytes, not the empty table's page


def test_an_insert_from_generate_series_is_priced_by_its_rows(pg_project):
    """2M rows into a table an earlier migration of the plan creates: not "< 1 second" nor unknown."""
    pg_project.sql("1", "t", "CREATE TABLE t (id bigint PRIMARY KEY, v text);", "DROP TABLE t;")
    pg_project.sql("2", "fill", "INSERT INTO t SELECT g, md5(g::text) FROM generate_series(1, 2000000) g;", "DELETE FROM t;")
    plan = pg_project.run("plan", "--format", "json")
    assert plan.code == 0, plan.err
    [st] = next(m for m in plan.json["migrations"] if m["version"] == "2")["statements"]
    assert st["work"][0]["rows"] == 2_000_000
    assert st["estimate_seconds"] is not None and st["estimate_seconds"] > 1
