"""Python migrations, and SQL whose bodies contain semicolons on each engine."""

from __future__ import annotations

from test_apply_rollback import states

PY_MIGRATION = '''"""
Purpose: seed two users in batches
Transaction: true
"""


def up(ctx):
    ctx.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, name VARCHAR(50))")
    for i, name in enumerate(["ada", "grace"], 1):
        ctx.execute("INSERT INTO people (id, name) VALUES (%s, %s)", (i, name))


def down(ctx):
    ctx.execute("DROP TABLE people")
'''


def test_python_migration_up_and_down(project):
    project.write("1_seed_people.py", PY_MIGRATION)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert sorted(r[0] for r in project.query("SELECT name FROM people")) == ["ada", "grace"]
    assert project.run("rollback").code == 0
    assert "people" not in project.tables()
    assert states(project) == {"1": "rolled_back"}


def test_python_migration_failure_is_recorded(project):
    project.write("1_boom.py", 'def up(ctx):\n    ctx.execute("CREATE TABLE t (id INTEGER)")\n    raise ValueError("bad data in row 7")\n')
    result = project.run("apply")
    assert result.code == 1
    assert "ValueError: bad data in row 7" in result.err
    rows = project.run("status", "--format", "json").json["migrations"]
    assert rows[0]["state"] == "failed" and "bad data in row 7" in rows[0]["detail"]
    if project.engine != "mysql":
        assert "t" not in project.tables(), "the transaction must be rolled back"


def test_postgres_function_with_dollar_quotes_and_do_block(pg_project):
    pg_project.sql(
        "1", "func",
        """CREATE TABLE t (id INTEGER);
CREATE FUNCTION add_one(x INTEGER) RETURNS INTEGER AS $$
BEGIN
  RETURN x + 1; -- a semicolon inside the body
END;
$$ LANGUAGE plpgsql;
DO $body$ BEGIN INSERT INTO t VALUES (add_one(1)); END $body$;""",
        "DROP FUNCTION add_one(INTEGER); DROP TABLE t;",
    )
    result = pg_project.run("apply")
    assert result.code == 0, result.err
    assert pg_project.query("SELECT id FROM t") == [(2,)]


def test_mysql_procedure_with_delimiter(mysql_project):
    mysql_project.sql(
        "1", "proc",
        """CREATE TABLE t (id INT);
DELIMITER //
CREATE PROCEDURE fill_t()
BEGIN
  INSERT INTO t VALUES (1);
  INSERT INTO t VALUES (2);
END //
DELIMITER ;
CALL fill_t();""",
        "DROP PROCEDURE fill_t; DROP TABLE t;",
    )
    result = mysql_project.run("apply")
    assert result.code == 0, result.err
    assert mysql_project.query("SELECT count(*) FROM t") == [(2,)]


def test_sqlite_trigger_body(sqlite_project):
    sqlite_project.sql(
        "1", "trigger",
        """CREATE TABLE t (id INTEGER, n INTEGER);
CREATE TABLE log (msg TEXT);
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN
  INSERT INTO log VALUES ('inserted;' || NEW.id);
  UPDATE t SET n = 1 WHERE id = NEW.id;
END;
INSERT INTO t (id) VALUES (5);""",
        "DROP TABLE log; DROP TABLE t;",
    )
    result = sqlite_project.run("apply")
    assert result.code == 0, result.err
    assert sqlite_project.query("SELECT msg FROM log") == [("inserted;5",)]
