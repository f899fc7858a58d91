"""The analysis layer: statements to operations with per-engine, per-version lock and rewrite facts."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoring.analysis import AnalyzedStatement, Catalog, analyze_migration, analyze_sql

A, SUE, S, SRE, RE = "AccessExclusiveLock", "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock", "RowExclusiveLock"

# sql, server version, locks, rewrites, blocks_reads, blocks_writes, may run in a transaction
PG_FACTS = [
    ("CREATE INDEX i ON users (email)", "15", {"users": S}, [], False, True, True),
    ("CREATE INDEX CONCURRENTLY i ON users (email)", "15", {"users": SUE}, [], False, False, False),
    ("DROP INDEX CONCURRENTLY i", "15", {"i": SUE}, [], False, False, False),
    ("ALTER TABLE users ADD COLUMN c text", "15", {"users": A}, [], True, True, True),
    ("ALTER TABLE users ADD COLUMN c timestamptz DEFAULT now()", "11", {"users": A}, [], True, True, True),
    ("ALTER TABLE users ADD COLUMN c uuid DEFAULT gen_random_uuid()", "15", {"users": A}, ["users"], True, True, True),
    ("ALTER TABLE users ADD COLUMN c bigint GENERATED ALWAYS AS (id * 2) STORED", "15", {"users": A}, ["users"], True, True, True),
    ("ALTER TABLE users ALTER COLUMN c TYPE bigint", "15", {"users": A}, ["users"], True, True, True),
    ("ALTER TABLE o ADD CONSTRAINT fk FOREIGN KEY (u) REFERENCES users (id) NOT VALID", "15", {"o": SRE, "users": SRE}, [], False, True, True),
    ("ALTER TABLE o VALIDATE CONSTRAINT fk", "15", {"o": SUE}, [], False, False, True),
    ("ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1)", "11", {"p": A, "p1": A}, [], True, True, True),
    ("ALTER TABLE p ATTACH PARTITION p1 FOR VALUES IN (1)", "12", {"p": SUE, "p1": A}, [], True, True, True),
    ("VACUUM FULL users", "15", {"users": A}, ["users"], True, True, False),
    ("UPDATE users SET a = 1", "15", {"users": RE}, [], False, False, True),
    ("SELECT * FROM users u JOIN teams t ON t.id = u.team_id FOR UPDATE OF u", "15",
     {"users": "RowShareLock", "teams": "AccessShareLock"}, [], False, False, True),
    ("CREATE VIEW v AS SELECT id FROM users UNION SELECT id FROM teams", "15",
     {"v": A, "users": "AccessShareLock", "teams": "AccessShareLock"}, [], True, True, True),
    ("ALTER TYPE mood ADD VALUE 'meh'", "11", {}, [], False, False, False),
    ("ALTER TYPE mood ADD VALUE 'meh'", "12", {}, [], False, False, True),
]


@pytest.mark.parametrize("sql,version,locks,rewrites,reads,writes,transactional", PG_FACTS)
def test_postgresql_facts(sql, version, locks, rewrites, reads, writes, transactional):
    [st] = analyze_sql(sql, "postgresql", version)
    assert st.locks == locks
    assert st.rewrites == rewrites
    assert (st.blocks_reads, st.blocks_writes, st.transactional) == (reads, writes, transactional)


def test_set_not_null_scan_is_skipped_with_a_valid_check_from_postgresql_12():
    sql = """ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;
ALTER TABLE users VALIDATE CONSTRAINT c;
ALTER TABLE users ALTER COLUMN email SET NOT NULL;"""
    assert analyze_sql(sql, "postgresql", "11")[-1].scans == ["users"]
    assert analyze_sql(sql, "postgresql", "12")[-1].scans == []


def test_detach_concurrently_needs_postgresql_14():
    [old] = analyze_sql("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "postgresql", "13")
    [new] = analyze_sql("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "postgresql", "14")
    assert not old.effects[0].supported and "14" in old.effects[0].note
    assert new.effects[0].supported and new.locks == {"p": SUE, "p1": SUE}


def test_type_change_knows_the_old_type_from_earlier_migrations():
    catalog = Catalog()
    analyze_sql("CREATE TABLE users (id bigint, nick varchar(20))", catalog=catalog)
    catalog.begin("second")
    [grow] = analyze_sql("ALTER TABLE users ALTER COLUMN nick TYPE varchar(40)", catalog=catalog)
    [shrink] = analyze_sql("ALTER TABLE users ALTER COLUMN nick TYPE varchar(10)", catalog=catalog)
    assert grow.rewrites == [] and grow.backward_compatible
    assert shrink.rewrites == ["users"]
    assert grow.operations[0].get("old_type") == "varchar(20)"


def test_tables_created_in_the_same_migration_are_marked_new():
    statements = analyze_sql("CREATE TABLE t (id bigint);\nCREATE INDEX i ON t (id);\nCREATE INDEX j ON u (id);")
    assert [st.operations[0].new_table for st in statements] == [False, True, False]


def test_unparsable_statement_is_reported_with_its_line_and_analysis_goes_on():
    statements = analyze_sql("SELECT 1;\nALTER TABLE users ADD COLUMN;\nCREATE INDEX i ON t (c);")
    assert statements[1].error and statements[1].line == 2 and statements[1].operation == "unparsed"
    assert statements[2].operation == "create_index"


MYSQL_FACTS = [
    ("ALTER TABLE t ADD COLUMN c INT", "8.0.11", ("INPLACE", "NONE"), ["t"]),
    ("ALTER TABLE t ADD COLUMN c INT", "8.0.35", ("INSTANT", "NONE"), []),
    ("ALTER TABLE t ADD COLUMN c INT AFTER a", "8.0.28", ("INPLACE", "NONE"), ["t"]),
    ("ALTER TABLE t ADD COLUMN c INT AFTER a", "8.0.29", ("INSTANT", "NONE"), []),
    ("ALTER TABLE t ADD COLUMN c INT AFTER a", "10.11.6-MariaDB", ("INSTANT", "NONE"), []),
    ("ALTER TABLE t ADD INDEX i (c)", "8.0.35", ("INPLACE", "NONE"), []),
    ("ALTER TABLE t ADD INDEX i (c)", "10.11", ("NOCOPY", "NONE"), []),
    ("ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES p (id)", "8.0.35", ("COPY", "SHARED"), ["t"]),
    ("ALTER TABLE t ADD COLUMN c INT, ALGORITHM=COPY", "8.0.35", ("COPY", "SHARED"), ["t"]),
    ("ALTER TABLE t ADD COLUMN g INT AS (a + 1) STORED", "8.0.35", ("COPY", "SHARED"), ["t"]),
    ("ALTER TABLE t COMMENT 'people'", "10.11.6-MariaDB", ("INSTANT", "NONE"), []),
    ("ALTER TABLE t COMMENT 'people'", "8.0.35", ("INPLACE", "NONE"), []),
    ("ALTER TABLE t ROW_FORMAT=COMPACT", "10.11.6-MariaDB", ("INPLACE", "NONE"), ["t"]),
]


@pytest.mark.parametrize("sql,version,online,rewrites", MYSQL_FACTS)
def test_mysql_online_ddl_facts(sql, version, online, rewrites):
    [st] = analyze_sql(sql, "mysql", version)
    assert (st.online_ddl["algorithm"], st.online_ddl["lock"]) == online
    assert st.rewrites == rewrites
    assert st.transactional is False  # DDL commits implicitly
    assert st.blocks_writes == (online[0] == "COPY" or online[1] != "NONE")


def test_mysql_foreign_key_is_in_place_with_checks_off():
    statements = analyze_sql("SET foreign_key_checks = 0;\nALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES p (id);", "mysql")
    assert statements[1].online_ddl == {"algorithm": "INPLACE", "lock": "NONE"}


def test_mysql_modify_is_split_by_what_changed():
    catalog = Catalog()
    analyze_sql("CREATE TABLE t (id BIGINT, e ENUM('a','b'), n VARCHAR(20) NULL)", "mysql", catalog=catalog)
    catalog.begin("2")
    [append] = analyze_sql("ALTER TABLE t MODIFY e ENUM('a','b','c')", "mysql", catalog=catalog)
    [nn] = analyze_sql("ALTER TABLE t MODIFY n VARCHAR(20) NOT NULL", "mysql", catalog=catalog)
    assert append.online_ddl == {"algorithm": "INSTANT", "lock": "NONE"}
    assert [op.kind for op in nn.operations] == ["set_not_null"]


@pytest.mark.parametrize("sql,version,supported", [
    ("ALTER TABLE t RENAME COLUMN a TO b", "3.24.0", False),
    ("ALTER TABLE t RENAME COLUMN a TO b", "3.25.0", True),
    ("ALTER TABLE t DROP COLUMN a", "3.34.1", False),
    ("ALTER TABLE t DROP COLUMN a", "3.35.0", True),
    ("ALTER TABLE t ADD COLUMN a TEXT NOT NULL DEFAULT 'x'", "3.45.0", True),
    ("ALTER TABLE t ADD COLUMN a TEXT DEFAULT CURRENT_TIMESTAMP", "3.45.0", False),
    ("ALTER TABLE t ALTER COLUMN a TYPE INTEGER", "3.45.0", False),
])
def test_sqlite_native_alter_forms_by_version(sql, version, supported):
    [st] = analyze_sql(sql, "sqlite", version)
    assert st.effects[0].supported is supported
    assert st.locks == {"<database>": "RESERVED"}


def test_analyze_migration_reads_both_sections_and_the_plan_contract(tmp_path: Path):
    from shoring.migrations.model import parse_migration_file

    path = tmp_path / "20240101000000_add.sql"
    path.write_text("-- Purpose: p\n-- migrate:up\nALTER TABLE users ADD COLUMN nick text;\n\n"
                    "-- migrate:down\nALTER TABLE users DROP COLUMN nick;\n", encoding="utf-8")
    mig = parse_migration_file(path)
    catalog = Catalog()
    up = analyze_migration(mig, "postgresql", "15", catalog=catalog)
    down = analyze_migration(mig, "postgresql", "15", direction="down", catalog=catalog)
    assert isinstance(up[0], AnalyzedStatement) and up[0].line == 3 and up[0].in_transaction
    assert down[0].destructive and not down[0].backward_compatible and down[0].section == "down"
    keys = {"index", "line", "sql", "operation", "tables", "locks", "rewrites", "scans", "blocks_reads",
            "blocks_writes", "backward_compatible", "destructive"}
    assert keys <= set(up[0].to_dict())
    assert "online_ddl" in analyze_sql("ALTER TABLE t ADD COLUMN c INT", "mysql")[0].to_dict()


def test_python_migrations_are_unknown_code(tmp_path: Path):
    from shoring.migrations.model import parse_migration_file

    path = tmp_path / "20240101000000_fill.py"
    path.write_text('"""Purpose: fill"""\n\ndef up(ctx):\n    pass\n', encoding="utf-8")
    [st] = analyze_migration(parse_migration_file(path), "postgresql")
    assert st.operation == "python" and "not analysed" in st.notes[0]


@pytest.mark.parametrize("engine,left", [("postgresql", {}), ("mysql", {"orders_owner_day": ("day",)})])
def test_dropping_a_column_drops_its_indexes_and_foreign_keys(engine, left):
    catalog = Catalog()
    analyze_sql("CREATE TABLE orders (id bigint PRIMARY KEY, owner_id bigint, day date);\n"
                "CREATE INDEX orders_owner ON orders (owner_id);\n"
                "CREATE INDEX orders_owner_day ON orders (owner_id, day);\n"
                "ALTER TABLE orders ADD CONSTRAINT orders_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id);",
                engine, catalog=catalog)
    analyze_sql("ALTER TABLE orders DROP COLUMN owner_id;", engine, catalog=catalog)
    orders = catalog.tables["orders"]
    # MySQL/MariaDB keep a multi-column index without the dropped column; PostgreSQL drops it
    assert {n: cols for n, cols in orders.indexes.items() if n.startswith("orders_owner")} == left
    assert orders.foreign_keys == [] and "orders_owner" not in catalog.index_table


def test_a_foreign_key_on_a_column_added_again_needs_its_index_again(tmp_path: Path):
    from .conftest import lint_text, rules_of

    findings = lint_text(tmp_path, """-- file: 20240101000000_orders.sql
-- migrate:up
CREATE TABLE owners (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint PRIMARY KEY, owner_id bigint);
CREATE INDEX orders_owner ON orders (owner_id);
-- migrate:down
DROP TABLE orders;
-- file: 20240102000000_owner_again.sql
-- migrate:up
ALTER TABLE orders DROP COLUMN owner_id;
ALTER TABLE orders ADD COLUMN owner_id bigint REFERENCES owners (id);
-- migrate:down
SELECT 1;
""")
    assert "foreign-key-without-index" in rules_of(findings)


def test_dropping_a_foreign_key_forgets_it():
    catalog = Catalog()
    analyze_sql("ALTER TABLE orders ADD CONSTRAINT orders_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id) NOT VALID;",
                catalog=catalog)
    catalog.begin("second")
    [drop] = analyze_sql("ALTER TABLE orders DROP CONSTRAINT orders_owner_fk;", catalog=catalog)
    assert drop.locks == {"orders": A, "owners": A}  # a foreign key: the referenced table's triggers go too
    assert catalog.tables["orders"].foreign_keys == []
    catalog.begin("third")
    [again] = analyze_sql("ALTER TABLE orders DROP CONSTRAINT IF EXISTS orders_owner_fk;", catalog=catalog)
    assert again.locks == {"orders": A}


@pytest.mark.parametrize("sql,rule", [
    ("ALTER TABLE users ROW_FORMAT=COMPACT, ALGORITHM=COPY;", "mysql-algorithm-copy-or-lock"),
    ("ALTER TABLE users ROW_FORMAT=COMPACT, ALGORITHM=INSTANT;", "mysql-online-ddl-refused"),
])
def test_mysql_table_options_are_linted_like_other_alters(tmp_path: Path, sql, rule):
    from .conftest import lint_text, rules_of

    text = f"-- Purpose: p\n-- Rollback: r\n-- Estimated-Time: 1 s\n-- migrate:up\n{sql}\n-- migrate:down\nSELECT 1;\n"
    assert rules_of(lint_text(tmp_path, text, "mysql", "10.11.6-MariaDB")) == [rule]
    assert rules_of(lint_text(tmp_path, text.replace("ROW_FORMAT=COMPACT", "COMMENT 'people'"), "mysql",
                              "10.11.6-MariaDB")) == ([rule] if "COPY" in sql else [])
