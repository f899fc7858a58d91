"""CreateTable, AddUnique, AddCheck, RenameTable and DropTable run their safe forms on each engine."""

from __future__ import annotations

import pytest
from support import refused

from shoring.errors import ShoringError
from shoring.operations import AddCheck, CreateTable

CREATE = '''"""Purpose: accounts"""
from shoring.operations import CreateTable, RunSQL

operations = [
    CreateTable("accounts", {"id": "INTEGER PRIMARY KEY", "email": "VARCHAR(100) NOT NULL", "balance": "INTEGER NOT NULL"}),
    RunSQL("INSERT INTO accounts (id, email, balance) VALUES (1, 'a@x.org', 5), (2, 'b@x.org', 0)", down_sql=""),
]
'''

CONSTRAIN = '''"""Purpose: one account per email, no negative balance, and the new name"""
from shoring.operations import AddCheck, AddUnique, RenameTable

operations = [
    AddUnique("accounts", ["email"]),
    {check}
    RenameTable("accounts", "customers"),
]
'''


def write(project) -> None:
    project.write("1_accounts.py", CREATE)
    check = 'AddCheck("accounts", "balance_not_negative", "balance >= 0"),' if project.engine != "sqlite" else "# (SQLite: no CHECK on an existing table)"
    project.write("2_constrain.py", CONSTRAIN.format(check=check))


def test_constraints_hold_after_apply_and_go_with_rollback(project):
    write(project)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert "customers" in project.tables() and "accounts" not in project.tables()
    assert refused(project, "INSERT INTO customers (id, email, balance) VALUES (3, 'a@x.org', 1)")
    if project.engine != "sqlite":
        assert refused(project, "INSERT INTO customers (id, email, balance) VALUES (4, 'd@x.org', -1)")

    back = project.run("rollback")
    assert back.code == 0, back.err
    assert "accounts" in project.tables() and "customers" not in project.tables()
    project.query("INSERT INTO accounts (id, email, balance) VALUES (3, 'a@x.org', -1)")  # both constraints gone
    assert project.query("SELECT COUNT(*) FROM accounts") == [(3,)]


def test_lint_finds_only_the_rename_in_the_safe_forms(pg_project):
    write(pg_project)
    findings = pg_project.run("lint", "--format", "json").json["findings"]
    errors = {(f["rule"], f["line"]) for f in findings if f["file"].endswith("2_constrain.py") and f["severity"] == "error"}
    assert errors == {("rename-table", 7)}


def test_drop_table_cannot_be_rolled_back(project):
    write(project)
    project.write("3_drop.py", 'from shoring.operations import DropTable\n\noperations = [DropTable("customers")]\n')
    lint = project.run("lint", "--format", "json").json["findings"]
    assert {"drop-table", "missing-down"} <= {f["rule"] for f in lint if f["file"].endswith("3_drop.py")}
    assert project.run("apply").code == 0
    back = project.run("rollback")
    assert back.code == 2 and "DropTable customers (line 3)" in back.err


@pytest.mark.parametrize("make", [lambda: AddCheck("t", "c", ""), lambda: CreateTable("t", {}),
                                  lambda: CreateTable("t", {"a": ""})])
def test_bad_arguments_are_refused(make):
    with pytest.raises(ShoringError):
        make()


NOT_NULL_AND_FK = '''"""Purpose: every order has a user"""
from shoring.operations import AddForeignKey, SetNotNull

operations = [
    SetNotNull("orders", "user_id", type="INTEGER"),
    AddForeignKey("orders", "user_id", "users"),
]
'''


@pytest.mark.parametrize("engine_name", ["postgresql", "mysql"], indirect=True)
def test_not_null_and_foreign_key_apply_and_roll_back(project):
    project.sql("1", "orders", """
        CREATE TABLE users (id INTEGER PRIMARY KEY);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);
        INSERT INTO users (id) VALUES (1);
        INSERT INTO orders (id, user_id) VALUES (1, 1);
    """, "DROP TABLE orders;\nDROP TABLE users;")
    project.write("2_require_user.py", NOT_NULL_AND_FK)
    result = project.run("apply")
    assert result.code == 0, result.err
    assert refused(project, "INSERT INTO orders (id, user_id) VALUES (2, NULL)")
    assert refused(project, "INSERT INTO orders (id, user_id) VALUES (3, 42)")
    if project.engine == "postgresql":  # the helper CHECK of the NOT NULL route is gone again
        assert project.query("SELECT conname FROM pg_constraint WHERE conrelid = 'orders'::regclass AND contype = 'c'") == []

    back = project.run("rollback")
    assert back.code == 0, back.err
    project.query("INSERT INTO orders (id, user_id) VALUES (2, NULL)")
    project.query("INSERT INTO orders (id, user_id) VALUES (3, 42)")


FOREIGN_KEY = '''"""Purpose: orders belong to users"""
from shoring.operations import AddForeignKey

operations = [AddForeignKey("orders", "user_id", "users")]
'''


def test_rolling_back_a_foreign_key_keeps_the_users_own_index_and_drops_the_one_innodb_made(mysql_project):
    """InnoDB adds an index named as the key only when none of the table's serves it; rollback drops
    that one (else the schema is not what it was), never the user's."""
    mysql_project.sql("1", "orders", """
        CREATE TABLE users (id INTEGER PRIMARY KEY);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER);
        CREATE TABLE archived_orders (id INTEGER PRIMARY KEY, user_id INTEGER);
        CREATE INDEX orders_by_user ON orders (user_id);
    """, "DROP TABLE archived_orders;\nDROP TABLE orders;\nDROP TABLE users;")
    mysql_project.write("2_fk.py", FOREIGN_KEY)
    mysql_project.write("3_fk.py", FOREIGN_KEY.replace('"orders", "user_id"', '"archived_orders", "user_id"'))

    def indexes(table):
        return {r[0] for r in mysql_project.query(
            "SELECT DISTINCT INDEX_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = %s", [table])}

    assert mysql_project.run("apply").code == 0
    assert indexes("orders") == {"PRIMARY", "orders_by_user"}
    assert indexes("archived_orders") == {"PRIMARY", "archived_orders_user_id_fkey"}
    back = mysql_project.run("rollback", "--steps", "2")
    assert back.code == 0, back.err
    assert indexes("orders") == {"PRIMARY", "orders_by_user"}
    assert indexes("archived_orders") == {"PRIMARY"}
