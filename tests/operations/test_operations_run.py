"""An `operations = [...]` migration runs, resumes, rolls back, lints and plans like the SQL it compiles to."""

from __future__ import annotations

INDEXES = {
    "postgresql": "SELECT indexname FROM pg_indexes WHERE tablename = 'users'",
    "mysql": "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'",
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'",
}
COLUMNS = {
    "postgresql": "SELECT column_name FROM information_schema.columns WHERE table_name = 'users' AND table_schema = current_schema()",
    "mysql": "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'users'",
    "sqlite": "SELECT name FROM pragma_table_info('users')",
}

EXPAND = '''"""
Purpose: verification flag, email index, display name
Rollback: safe; everything below is undone in reverse
"""
from shoring.operations import AddColumn, CreateIndex, RenameColumn

operations = [
    AddColumn("users", "email_verified", "boolean", default=False, nullable=False),
    CreateIndex("users_email_idx", "users", ["email"]),
    RenameColumn("users", "name", "display_name"),
]
'''


def base(project) -> None:
    project.sql("1", "users", """
        CREATE TABLE users (id INTEGER PRIMARY KEY, email VARCHAR(100), name VARCHAR(50));
        INSERT INTO users (id, email, name) VALUES (1, 'a@example.com', 'Ada'), (2, 'g@example.com', NULL);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);
        INSERT INTO orders (id, user_id) VALUES (1, 1), (2, 3);
    """, "DROP TABLE orders;\nDROP TABLE users;")


def names(project, sql: str) -> set[str]:
    return {r[0] for r in project.query(sql)}


def test_operations_apply_and_roll_back_on_each_engine(project):
    base(project)
    project.write("2_expand.py", EXPAND)
    applied = project.run("apply")
    assert applied.code == 0, applied.err
    # CONCURRENTLY needs statement by statement on PostgreSQL only: on SQLite the migration stays atomic
    mode = {"postgresql": "statement by statement", "mysql": "statement by statement", "sqlite": "in a transaction"}
    assert f"applying 2 expand ({mode[project.engine]})" in applied.out
    assert {"email_verified", "display_name"} <= names(project, COLUMNS[project.engine])
    assert "name" not in names(project, COLUMNS[project.engine])
    assert "users_email_idx" in names(project, INDEXES[project.engine])
    assert sorted(r[0] for r in project.query("SELECT email_verified FROM users")) == [0, 0] or \
        sorted(r[0] for r in project.query("SELECT email_verified FROM users")) == [False, False]
    status = project.run("status", "--format", "json").json["migrations"]
    assert [m["state"] for m in status] == ["applied", "applied"]

    back = project.run("rollback")
    assert back.code == 0, back.err
    cols = names(project, COLUMNS[project.engine])
    assert "name" in cols and not {"email_verified", "display_name"} & cols
    assert "users_email_idx" not in names(project, INDEXES[project.engine])
    assert project.query("SELECT name FROM users WHERE id = 1") == [("Ada",)]


def test_lint_reads_the_compiled_statements_at_their_operations_lines(project):
    base(project)
    project.write("2_expand.py", EXPAND)
    result = project.run("lint", "--format", "json")
    findings = [f for f in result.json["findings"] if f["file"].endswith("2_expand.py")]
    # the index is built the non-blocking way, the column added with a constant default: only the rename is a hazard
    assert {(f["rule"], f["line"]) for f in findings if f["severity"] == "error"} == {("rename-column", 10)}
    assert not [f for f in findings if f["rule"] in ("create-index-without-concurrently", "python-migration-not-analysed")]


def test_plan_lists_each_compiled_statement(project):
    base(project)
    project.write("2_expand.py", EXPAND)
    plan = project.run("plan", "--format", "json", "--no-calibrate")
    assert plan.code == 0, plan.err
    mig = plan.json["migrations"][1]
    assert [(s["operation"], s["line"]) for s in mig["statements"]] == [
        ("add_column", 8), ("create_index", 9), ("rename_column", 10)]
    assert mig["reversible"] is True


def test_a_validation_that_fails_is_resumed_after_the_data_is_fixed(pg_project):
    base(pg_project)
    pg_project.write("2_fk.py", '''"""Purpose: orders belong to users"""
from shoring.operations import AddForeignKey

operations = [
    AddForeignKey("orders", "user_id", "users"),
]
''')
    failed = pg_project.run("apply")
    assert failed.code == 1
    assert "VALIDATE CONSTRAINT" in failed.err and "orders_user_id_fkey" in failed.err
    [_, mig] = pg_project.run("status", "--format", "json").json["migrations"]
    assert mig["state"] == "failed" and "statement 2 of 2 (line 5)" in mig["detail"]
    # the NOT VALID constraint stays (it committed on its own) and already guards new rows
    assert pg_project.query("SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'") == [(False,)]

    pg_project.query("DELETE FROM orders WHERE user_id = 3")
    resumed = pg_project.run("apply")
    assert resumed.code == 0, resumed.err
    assert pg_project.query("SELECT convalidated FROM pg_constraint WHERE conname = 'orders_user_id_fkey'") == [(True,)]


def test_an_operation_the_engine_cannot_run_is_one_line_naming_the_file_and_line(sqlite_project):
    base(sqlite_project)
    sqlite_project.write("2_fk.py", 'from shoring.operations import OnlineAlter\n\noperations = [\n'
                                    '    OnlineAlter("orders", "ADD COLUMN note TEXT"),\n]\n')
    before = sqlite_project.tables()
    result = sqlite_project.run("apply")
    assert result.code == 2
    assert "2_fk.py:4" in result.err and "for MySQL/MariaDB" in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert sqlite_project.tables() == before  # nothing applied, not even migration 1
    lint = sqlite_project.run("lint", "--format", "json")
    assert [(f["rule"], f["line"]) for f in lint.json["findings"] if f["file"].endswith("2_fk.py")] == [
        ("invalid-migration-file", 4)]


def test_an_irreversible_operation_is_reported_and_rollback_refuses(project):
    base(project)
    project.write("2_drop.py", 'from shoring.operations import DropColumn\n\noperations = [\n    DropColumn("users", "name"),\n]\n')
    lint = project.run("lint", "--format", "json")
    assert ("missing-down", 4) in {(f["rule"], f["line"]) for f in lint.json["findings"]}
    assert project.run("apply").code == 0
    back = project.run("rollback")
    assert back.code == 2 and "an operation cannot be undone: DropColumn users.name (line 4)" in back.err
    assert "name" not in names(project, COLUMNS[project.engine])


def test_new_operations_scaffolds_a_migration_that_applies(sqlite_project):
    base(sqlite_project)
    made = sqlite_project.run("new", "--operations", "add flag")
    assert made.code == 0, made.err
    path = sqlite_project.root / made.out.strip()
    text = path.read_text().replace("    # AddColumn(", "    AddColumn(")
    assert "Transaction:" not in text  # the operations decide
    path.write_text(text)
    applied = sqlite_project.run("apply")
    assert applied.code == 0, applied.err
    assert "email_verified" in names(sqlite_project, COLUMNS["sqlite"])


def test_rehearsal_proves_the_operations_up_down_up(pg_project):
    base(pg_project)
    pg_project.write("2_expand.py", EXPAND)
    result = pg_project.run("test", "--format", "json")
    assert result.code == 0, result.err
    [_, mig] = result.json["migrations"]
    assert mig["passed"] and mig["rollback_rehearsed"]
    add, index, rename = mig["statements"]
    assert (add["line"], index["line"], rename["line"]) == (8, 9, 10)
    assert add["locks"] == rename["locks"] == {"users": "AccessExclusiveLock"}
    # CONCURRENTLY is watched from outside: on this small table the sampler may not catch it at all,
    # but whatever it saw blocks no writer
    assert not index["blocks_writes"] and index["probe"].get("users", {}).get("write", {}).get("blocked") is not True
    assert "users" not in pg_project.tables()  # the target is untouched


def test_a_bad_argument_is_a_lint_finding_at_its_line(sqlite_project):
    sqlite_project.write("1_bad.py", 'from shoring.operations import AddColumn\n\noperations = [\n'
                                     '    AddColumn("users", "x", "int; DROP TABLE users"),\n]\n')
    lint = sqlite_project.run("lint", "--format", "json")  # run in the project: the folder is a relative path
    assert [(f["rule"], f["line"]) for f in lint.json["findings"]] == [("invalid-migration-file", 4)]
    result = sqlite_project.run("apply")
    assert result.code == 2 and "1_bad.py:4: cannot import: column type 'int; DROP TABLE users'" in result.err


PARTIAL = '''"""
Purpose: two columns around a statement that fails
Transaction: false
"""
from shoring.operations import AddColumn, RunSQL

operations = [
    AddColumn("users", "x", "integer"),
    RunSQL("INSERT INTO no_such_table (id) VALUES (1)", down_sql="DELETE FROM no_such_table"),
    AddColumn("users", "y", "integer"),
]
'''


def test_rolling_back_a_partly_applied_migration_undoes_only_the_operations_that_ran(project):
    base(project)
    assert project.run("apply").code == 0
    project.write("2_partial.py", PARTIAL)
    failed = project.run("apply")
    assert failed.code == 1 and "statement 2 of 3" in failed.err, failed.err
    assert "x" in names(project, COLUMNS[project.engine])
    back = project.run("rollback")
    assert back.code == 0, back.err  # not: DROP COLUMN y (never added) nor the RunSQL's undo (it never ran)
    assert "undoing a partial apply of 1 statement(s)" in back.out
    assert {"x", "y"}.isdisjoint(names(project, COLUMNS[project.engine]))
    status = {m["version"]: m["state"] for m in project.run("status", "--format", "json").json["migrations"]}
    assert status == {"1": "applied", "2": "rolled_back"}
    # and a plain apply afterwards runs the whole migration again from statement 1
    project.write("2_partial.py", PARTIAL.replace('"INSERT INTO no_such_table (id) VALUES (1)"', '"SELECT 1"'))
    again = project.run("apply")
    assert again.code == 0, again.err
    assert {"x", "y"} <= names(project, COLUMNS[project.engine])
