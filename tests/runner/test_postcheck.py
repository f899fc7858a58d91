"""apply's post-apply check: schema as rehearsed, untouched tables unchanged, ANALYZE after a rewrite."""

from __future__ import annotations

#: a trigger that writes a table the migration never names (the change the check is there to catch)
AUDIT_TRIGGER = {
    "sqlite": ["CREATE TRIGGER t_audit AFTER UPDATE ON t BEGIN INSERT INTO audit VALUES (NEW.id); END"],
    "mysql": ["CREATE TRIGGER t_audit AFTER UPDATE ON t FOR EACH ROW INSERT INTO audit VALUES (NEW.id)"],
    "postgresql": [
        "CREATE FUNCTION t_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO audit VALUES (NEW.id); "
        "RETURN NEW; END $$",
        "CREATE TRIGGER t_audit AFTER UPDATE ON t FOR EACH ROW EXECUTE FUNCTION t_audit()",
    ],
}


def _verify_events(project) -> list[str]:
    return [e["detail"] for e in project.run("history", "--format", "json").json["events"] if e["event"] == "verify"]


def test_post_apply_check_catches_a_row_count_change_in_a_table_the_migration_does_not_touch(project):
    project.sql("1", "tables", "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(20));\n"
                "CREATE TABLE audit (id INTEGER);\nCREATE TABLE other (id INTEGER);\n"
                "INSERT INTO t VALUES (1, 'a'), (2, 'b');\nINSERT INTO other VALUES (1);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    project.sql("2", "rename_all", "UPDATE t SET name = 'x';", "UPDATE t SET name = 'a';")
    for sql in AUDIT_TRIGGER[project.engine]:
        project.query(sql)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "warning: post-apply check: tables the migrations do not name changed: audit: 0 row(s) before, 2 now" \
        in result.out
    assert "other" not in result.out.split("warning: post-apply check:")[1], "an unchanged table is not blamed"
    assert _verify_events(project)[-1].startswith("problems: tables the migrations do not name changed: audit")


def test_a_clean_apply_is_checked_against_its_rehearsal(sqlite_project):
    project = sqlite_project
    project.sql("1", "tables", "CREATE TABLE t (id INTEGER PRIMARY KEY);\nCREATE TABLE keep (id INTEGER);\n"
                "INSERT INTO keep VALUES (1), (2);", "DROP TABLE t;\nDROP TABLE keep;")
    assert project.run("apply").code == 0
    project.sql("2", "add_c", "ALTER TABLE t ADD COLUMN c INTEGER;", "ALTER TABLE t DROP COLUMN c;")
    assert project.run("test").code == 0
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "post-apply check: schema: as rehearsed" in result.out
    assert "post-apply check: untouched tables: 1 unchanged" in result.out
    assert _verify_events(project) == [], "a clean check is said; only findings go into the audit trail"


def test_apply_notices_a_schema_other_than_the_rehearsed_one(sqlite_project):
    project = sqlite_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER PRIMARY KEY);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    project.write("2_py.py", '"""Purpose: adds a column only when no one is looking"""\n'
                             "import os\n\n"
                             "def up(ctx):\n"
                             "    ctx.execute('ALTER TABLE t ADD COLUMN ' + os.environ.get('COLUMN_NAME', 'c') + ' INTEGER')\n\n"
                             "def down(ctx):\n"
                             "    ctx.execute('ALTER TABLE t DROP COLUMN ' + os.environ.get('COLUMN_NAME', 'c'))\n")
    assert project.run("test").code == 0
    result = project.run("apply", env={"COLUMN_NAME": "surprise"})
    assert result.code == 0, result.err
    assert "warning: post-apply check: schema differs from the rehearsal's:" in result.out
    assert "surprise" in result.out
    assert "untouched tables: not checked (a Python migration may write any table)" in result.out


def test_a_rewritten_table_is_analyzed(pg_project):
    from support import wait_until

    project = pg_project
    project.sql("1", "t", "CREATE TABLE t (id INTEGER);\nINSERT INTO t SELECT generate_series(1, 1000);", "DROP TABLE t;")
    assert project.run("apply").code == 0
    project.sql("2", "widen", "ALTER TABLE t ALTER COLUMN id TYPE BIGINT;", "ALTER TABLE t ALTER COLUMN id TYPE INTEGER;")
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "post-apply check: ANALYZE t (rewritten)" in result.out
    wait_until(lambda: project.query("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables WHERE relname = 't'")
               == [(True,)], "pg_stat_user_tables to show the ANALYZE")


def test_a_big_untouched_table_is_checked_by_sampled_chunks(sqlite_project):
    from shoring.runner.postcheck import SMALL_ROWS

    project = sqlite_project
    rows = SMALL_ROWS + 5000
    project.sql("1", "tables", "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT);\n"
                "CREATE TABLE events (id INTEGER PRIMARY KEY, v INTEGER);\nINSERT INTO t VALUES (1, 'a');\n"
                f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) "
                "INSERT INTO events SELECT i, i FROM n;", "DROP TABLE t;")
    assert project.run("apply").code == 0
    project.query("CREATE TRIGGER sneaky AFTER UPDATE ON t BEGIN UPDATE events SET v = -1 WHERE id = 1; END")
    project.sql("2", "touch_t", "UPDATE t SET name = 'b';", "UPDATE t SET name = 'a';")
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "events: rows with id in [1, " in result.out and "changed (sampled chunk)" in result.out
