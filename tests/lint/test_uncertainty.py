"""A verdict that depends on the table as it is: without a database lint says what it could not see
and at most warns; with `--database` it gives the exact verdict, which the server confirms.

Each case is a column defined outside the migrations and a type change whose cost depends on that
definition. The server is asked what it really does: on PostgreSQL whether the table's relfilenode
changes (a rewrite), on MariaDB whether it accepts ALGORITHM=INSTANT.
"""

from __future__ import annotations

import pytest

from conftest import new_database

from .conftest import LintProject

RULE = "column-type-change"

PG_CASES = [
    # (id, live table, the migration's statement, whether the server rewrites)
    ("varchar-widened", "CREATE TABLE t (id int8 PRIMARY KEY, c varchar(10))", "ALTER TABLE t ALTER COLUMN c TYPE varchar(20)", False),
    ("varchar-to-text", "CREATE TABLE t (id int8 PRIMARY KEY, c varchar(10))", "ALTER TABLE t ALTER COLUMN c TYPE text", False),
    ("varchar-shortened", "CREATE TABLE t (id int8 PRIMARY KEY, c varchar(30))", "ALTER TABLE t ALTER COLUMN c TYPE varchar(20)", True),
]

MARIADB_CASES = [
    # (id, live table, the migration's statement, whether the server can do it INSTANT)
    ("utf8mb4-within-one-length-byte", "CREATE TABLE t (id int PRIMARY KEY, c varchar(50)) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c varchar(60)", True),
    ("utf8mb4-past-255-bytes", "CREATE TABLE t (id int PRIMARY KEY, c varchar(50)) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c varchar(70)", False),
    ("latin1-within-one-length-byte", "CREATE TABLE t (id int PRIMARY KEY, c varchar(200)) DEFAULT CHARSET=latin1",
     "ALTER TABLE t MODIFY c varchar(250)", True),
    ("latin1-past-255-bytes", "CREATE TABLE t (id int PRIMARY KEY, c varchar(200)) DEFAULT CHARSET=latin1",
     "ALTER TABLE t MODIFY c varchar(300)", False),
    ("int-to-bigint", "CREATE TABLE t (id int PRIMARY KEY, c int) DEFAULT CHARSET=utf8mb4",
     "ALTER TABLE t MODIFY c bigint", False),
]


def test_postgresql_a_change_no_old_type_can_make_cheap_is_an_error_even_blind(tmp_path, lint_project):
    """No type but int8 itself converts to int8 without a rewrite: that verdict needs no old type."""
    import psycopg

    url, drop = new_database("postgresql", tmp_path)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int8 PRIMARY KEY, c int4)")
            blind, seeing = blind_and_seeing(lint_project, "ALTER TABLE t ALTER COLUMN c TYPE int8", url)
            with conn.transaction(force_rollback=True):
                before = conn.execute("SELECT pg_relation_filenode('t')").fetchone()[0]
                conn.execute("ALTER TABLE t ALTER COLUMN c TYPE int8")
                assert conn.execute("SELECT pg_relation_filenode('t')").fetchone()[0] != before
    finally:
        drop()
    assert [f["severity"] for f in blind] == ["error"] and "cannot see" not in blind[0]["message"]
    assert [f["severity"] for f in seeing] == ["error"] and "from int4 to int8" in seeing[0]["message"]


def findings(project: LintProject, *args: str) -> list[dict]:
    r = project.run("lint", "--format", "json", *args)
    assert r.code in (0, 1), r.err
    return [f for f in r.json["findings"] if f["rule"] == RULE]


def blind_and_seeing(project: LintProject, statement: str, url: str) -> tuple[list[dict], list[dict]]:
    project.write("20240101000000_change.sql", f"-- migrate:up\n{statement};\n")
    return findings(project), findings(project, "--database", url)


def assert_blind_warns(blind: list[dict]) -> None:
    """Without the database: one warning that names what it could not see, never an error."""
    assert [f["severity"] for f in blind] == ["warning"], blind
    assert "cannot see" in blind[0]["message"], blind[0]["message"]


@pytest.mark.parametrize("case_id, table, statement, rewrites", PG_CASES, ids=[c[0] for c in PG_CASES])
def test_postgresql_type_change_blind_warns_and_database_gives_the_exact_verdict(tmp_path, lint_project, case_id,
                                                                                 table, statement, rewrites):
    import psycopg

    url, drop = new_database("postgresql", tmp_path)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(table)
            conn.execute("INSERT INTO t (id) SELECT g FROM generate_series(1, 10) g")
            blind, seeing = blind_and_seeing(lint_project, statement, url)
            with conn.transaction(force_rollback=True):
                before = conn.execute("SELECT pg_relation_filenode('t')").fetchone()[0]
                conn.execute(statement)
                after = conn.execute("SELECT pg_relation_filenode('t')").fetchone()[0]
    finally:
        drop()
    assert (before != after) == rewrites, "the case's premise: what the server does"
    assert_blind_warns(blind)
    if rewrites:
        assert [f["severity"] for f in seeing] == ["error"], seeing
        assert "cannot see" not in seeing[0]["message"] and "rewrites t" in seeing[0]["message"]
    else:
        assert seeing == []


@pytest.fixture
def mariadb(tmp_path):
    from shoring.engines import connect

    url, drop = new_database("mysql", tmp_path)
    engine = connect(url)
    try:
        if not engine.is_mariadb:
            pytest.skip("these facts are MariaDB's; the server is MySQL")
        yield engine, url
    finally:
        engine.close()
        drop()


@pytest.mark.parametrize("case_id, table, statement, instant", MARIADB_CASES, ids=[c[0] for c in MARIADB_CASES])
def test_mariadb_modify_blind_warns_and_database_gives_the_exact_verdict(mariadb, lint_project, case_id, table,
                                                                         statement, instant):
    from shoring.engines import StatementError

    engine, url = mariadb
    (lint_project.root / "shoring.toml").write_text(f'database = "{url}"\n[lint]\nserver_version = "10.11-mariadb"\n',
                                                    encoding="utf-8")
    engine.execute(table)
    blind, seeing = blind_and_seeing(lint_project, statement, url)
    try:
        engine.execute(f"{statement}, ALGORITHM=INSTANT")
        accepted = True
    except StatementError as exc:
        assert exc.code in ("1845", "1846"), exc.message
        accepted = False
    assert accepted == instant, "the case's premise: what the server does"
    assert_blind_warns(blind)
    if instant:
        assert seeing == []
    else:
        assert [f["severity"] for f in seeing] == ["error"], seeing
        assert "cannot see" not in seeing[0]["message"] and "ALGORITHM=COPY" in seeing[0]["message"]
