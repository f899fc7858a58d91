"""MariaDB is not MySQL: what MariaDB 10.11 runs, lint must read, and must not condemn on a guess.

Each statement below is run on a real MariaDB. Lint, which sees only the migration (no live
schema), must read every one of them (no parse-error) and must not call a change it cannot judge
an error: MariaDB does these online, so a COPY verdict made without the column's old definition
was wrong. `plan` says UNKNOWN for them instead of COPY.
"""

from __future__ import annotations

import pytest

from conftest import new_database

from .conftest import lint_text

#: (table the server has, statement MariaDB runs with the ALGORITHM and LOCK given)
ONLINE_WITHOUT_A_SCHEMA = [
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, c VARCHAR(100)) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c VARCHAR(256)", "INSTANT", "NONE"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, c VARCHAR(20)) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c VARCHAR(60)", "INSTANT", "NONE"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, c VARCHAR(60)) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c VARCHAR(60) NOT NULL", "INPLACE", "NONE"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, c VARCHAR(60) NOT NULL) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c VARCHAR(60) NULL", "INPLACE", "NONE"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, s ENUM('new', 'done'))",
     "ALTER TABLE t MODIFY s ENUM('new', 'done', 'archived')", "INPLACE", "NONE"),
    ("CREATE TABLE t (id BIGINT NOT NULL, name VARCHAR(20) NOT NULL, PRIMARY KEY (id))",
     "ALTER TABLE t DROP PRIMARY KEY, ADD PRIMARY KEY (id, name)", "INPLACE", "NONE"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY)",
     "ALTER TABLE t ADD c DATETIME(6) DEFAULT (now())", "INSTANT", "NONE"),
]

#: MariaDB syntax the server runs; lint must read it (table the server has first, "" if none)
MARIADB_SYNTAX = [
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, n INT, KEY t_n_idx (n))", "ALTER TABLE t ALTER INDEX t_n_idx IGNORED"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, n INT, KEY t_n_idx (n) IGNORED)", "ALTER TABLE t ALTER INDEX t_n_idx NOT IGNORED"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY)", "ALTER TABLE t WAIT 5 ADD COLUMN c INT"),
    ("", "CREATE TABLE h (id BIGINT PRIMARY KEY, v INT) WITH SYSTEM VERSIONING"),
    ("", "CREATE TABLE p (a INT) PARTITION BY HASH(a) PARTITIONS 4"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY, n INT)", "ALTER TABLE t ADD COLUMN c INT AS (n * 2) PERSISTENT"),
    ("", "CREATE TABLE a (id BIGINT PRIMARY KEY, ip INET6)"),
    ("CREATE TABLE t (id BIGINT PRIMARY KEY)", "ALTER TABLE t ADD COLUMN ip INET6 NULL"),
]


@pytest.fixture
def mariadb(tmp_path):
    from shoring.engines import connect

    url, drop = new_database("mysql", tmp_path)
    engine = connect(url)
    try:
        if not engine.is_mariadb:
            pytest.skip("these are MariaDB's facts; the server is MySQL")
        yield engine
    finally:
        engine.close()
        drop()


def _migration(sql: str) -> str:
    return f"-- migrate:up\n{sql};\n"


@pytest.mark.parametrize("table, sql, algorithm, lock", ONLINE_WITHOUT_A_SCHEMA, ids=[c[1] for c in ONLINE_WITHOUT_A_SCHEMA])
def test_no_error_for_what_mariadb_does_online(mariadb, tmp_path, table, sql, algorithm, lock):
    from shoring.plan import plan_sql

    mariadb.execute(table)
    mariadb.execute(f"{sql}, ALGORITHM={algorithm}, LOCK={lock}")  # the server does it online
    findings = lint_text(tmp_path, _migration(sql), engine="mysql", server_version="10.11-mariadb",
                         exclude=("missing-down",))
    errors = [(f.rule, f.message) for f in findings if f.severity == "error"]
    assert errors == []
    planned = plan_sql(sql, engine="mysql", server_version="10.11-mariadb").migrations[0].statements[0].analyzed
    assert planned.online_ddl["algorithm"] != "COPY"


@pytest.mark.parametrize("table, sql", MARIADB_SYNTAX, ids=[c[1] for c in MARIADB_SYNTAX])
def test_lint_reads_what_mariadb_runs(mariadb, tmp_path, table, sql):
    if table:
        mariadb.execute(table)
    mariadb.execute(sql)
    findings = lint_text(tmp_path, _migration(sql), engine="mysql", server_version="10.11-mariadb")
    assert [f.message for f in findings if f.rule == "parse-error"] == []


@pytest.mark.parametrize("sql, algorithm, lock", [
    ("DROP INDEX i ON t ALGORITHM=COPY", "COPY", "SHARED"),
    ("DROP INDEX i ON t LOCK=NONE", "INPLACE", "NONE"),
    ("DROP INDEX i ON t ALGORITHM=INPLACE LOCK=NONE", "INPLACE", "NONE"),
])
def test_mysql_8_drop_index_options_are_read(tmp_path, sql, algorithm, lock):
    """MySQL 8 syntax (MariaDB 10.11 refuses it): read under --engine mysql, the options kept."""
    from shoring.plan import plan_sql

    findings = lint_text(tmp_path, _migration(sql), engine="mysql", server_version="8.0.36")
    assert "parse-error" not in [f.rule for f in findings]
    planned = plan_sql(sql, engine="mysql", server_version="8.0.36").migrations[0].statements[0].analyzed
    assert planned.online_ddl == {"algorithm": algorithm, "lock": lock}
