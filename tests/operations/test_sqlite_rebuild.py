"""SQLite's 12-step table rebuild in place of the ALTERs it lacks: NOT NULL, CHECK and FOREIGN KEY added."""

from __future__ import annotations

from support import refused

from shoring.operations.sqlite_rebuild import add_not_null, add_table_constraint

CREATE = ("CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, note TEXT DEFAULT ('a,b'), "
          "CHECK (id > 0)) STRICT")


def test_the_create_statement_is_edited_in_place_not_rewritten():
    assert add_not_null(CREATE, "user_id") == CREATE.replace("user_id INTEGER,", "user_id INTEGER NOT NULL,")
    assert add_not_null(CREATE, "note") == CREATE.replace("DEFAULT ('a,b')", "DEFAULT ('a,b') NOT NULL")
    assert add_table_constraint(CREATE, 'CONSTRAINT "c" CHECK (note <> \'\')') == CREATE.replace(
        "CHECK (id > 0))", "CHECK (id > 0), CONSTRAINT \"c\" CHECK (note <> ''))")


def shop(project) -> None:
    project.sql("1", "shop", """
        CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
        CREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INTEGER, total INTEGER);
        CREATE INDEX orders_user ON orders (user_id);
        CREATE TRIGGER orders_total AFTER INSERT ON orders WHEN NEW.total IS NULL
            BEGIN UPDATE orders SET total = 0 WHERE id = NEW.id; END;
        INSERT INTO users (id, email) VALUES (1, 'a@x.org');
        INSERT INTO orders (id, user_id, total) VALUES (1, 1, 10), (2, 1, 20);
    """, "DROP TABLE orders;\nDROP TABLE users;")
    assert project.run("apply").code == 0


RULES = '''"""Purpose: orders always belong to a user, totals are not negative"""
from shoring.operations import AddCheck, AddForeignKey, SetNotNull

operations = [
    SetNotNull("orders", "user_id"),
    AddForeignKey("orders", "user_id", "users"),
    AddCheck("orders", "total_not_negative", "total >= 0"),
]
'''


def test_constraints_sqlite_cannot_alter_in_are_added_by_a_rebuild(sqlite_project):
    shop(sqlite_project)
    sqlite_project.write("2_rules.py", RULES)
    lint = sqlite_project.run("lint", "--format", "json").json["findings"]
    assert not [f for f in lint if f["rule"] == "sqlite-unsupported-alter"]
    assert ("missing-down", 5) in {(f["rule"], f["line"]) for f in lint if f["file"].endswith("2_rules.py")}

    result = sqlite_project.run("apply")
    assert result.code == 0, result.err
    assert "rebuilt orders for NOT NULL on orders.user_id" in result.out
    assert refused(sqlite_project, "INSERT INTO orders (id, user_id, total) VALUES (3, NULL, 1)")
    assert refused(sqlite_project, "INSERT INTO orders (id, user_id, total) VALUES (4, 1, -5)")
    assert sqlite_project.query("SELECT * FROM pragma_foreign_key_list('orders')")[0][2] == "users"
    assert sqlite_project.query("SELECT id, user_id, total FROM orders ORDER BY id") == [(1, 1, 10), (2, 1, 20)]
    # the index and the trigger are back, and id is still the rowid
    assert sqlite_project.query("SELECT name FROM sqlite_master WHERE tbl_name = 'orders' AND type IN ('index', 'trigger') "
                                "ORDER BY name") == [("orders_total",), ("orders_user",)]
    sqlite_project.query("INSERT INTO orders (user_id) VALUES (1)")
    assert sqlite_project.query("SELECT id = rowid, total FROM orders WHERE id = 3") == [(1, 0)]

    back = sqlite_project.run("rollback")
    assert back.code == 2 and "SetNotNull orders.user_id (line 5)" in back.err


def test_a_row_the_new_constraint_rejects_leaves_the_table_as_it_was(sqlite_project):
    shop(sqlite_project)
    sqlite_project.query("INSERT INTO orders (id, user_id, total) VALUES (3, NULL, 30)")
    sqlite_project.write("2_rules.py", RULES)
    result = sqlite_project.run("apply")
    assert result.code == 1 and "NOT NULL constraint failed" in result.err
    assert sqlite_project.query("SELECT \"notnull\" FROM pragma_table_info('orders') WHERE name = 'user_id'") == [(0,)]
    assert sqlite_project.query("SELECT COUNT(*) FROM orders") == [(3,)]
    assert "_shoring_new_orders" not in sqlite_project.tables()


def test_foreign_keys_are_checked_before_the_rebuild_commits(sqlite_project):
    shop(sqlite_project)
    sqlite_project.query("INSERT INTO orders (id, user_id, total) VALUES (3, 42, 30)")
    sqlite_project.write("2_fk.py", 'from shoring.operations import AddForeignKey\n\n'
                                    'operations = [AddForeignKey("orders", "user_id", "users")]\n')
    result = sqlite_project.run("apply")
    assert result.code == 1 and "1 row(s) of orders break its foreign keys after FOREIGN KEY orders_user_id_fkey" in result.err
    assert sqlite_project.query("SELECT COUNT(*) FROM pragma_foreign_key_list('orders')") == [(0,)]
