"""Lint verdicts that were wrong on real projects' migrations, each checked against what the server does.

The server says what is true: the warnings PostgreSQL gives for a stray COMMIT or a nested BEGIN,
the name it really stores for a long identifier, that the suggested SQL runs, that it refuses
REINDEX SYSTEM CONCURRENTLY. Lint must find exactly those (and suggest only what runs).
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest

from conftest import new_database

from .conftest import lint_text, rules_of


@contextmanager
def postgresql_connection(tmp_path):
    """A psycopg connection in autocommit to a throwaway database (statements run as psql runs them)."""
    import psycopg

    url, drop = new_database("postgresql", tmp_path)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            yield conn
    finally:
        drop()


def test_add_column_with_any_default_rewrites_before_postgresql_11(tmp_path):
    from shoring.plan import plan_sql

    text = "-- migrate:up\nALTER TABLE users ADD COLUMN score int8 NOT NULL DEFAULT 0;\n"
    old = [f for f in lint_text(tmp_path, text, server_version="10") if f.rule == "add-column-volatile-default"]
    assert len(old) == 1 and "PostgreSQL 10 writes any default into every row" in old[0].message
    assert "add-column-volatile-default" not in rules_of(lint_text(tmp_path, text, server_version="11"))
    planned = plan_sql("ALTER TABLE users ADD COLUMN score int8 NOT NULL DEFAULT 0", server_version="10")
    assert planned.migrations[0].statements[0].analyzed.rewrites == ["users"]


def test_vacuum_full_false_is_a_plain_vacuum(tmp_path):
    text = "-- Transaction: false\n-- migrate:up\nVACUUM (FULL FALSE) users;\nVACUUM (FULL) orders;\n"
    found = [f for f in lint_text(tmp_path, text) if f.rule == "vacuum-full-or-cluster"]
    assert [f.line for f in found] == [4]


def test_reindex_suggestions_are_what_the_server_runs(tmp_path):
    """REINDEX (CONCURRENTLY false) gets a suggestion the server accepts; REINDEX SYSTEM none, since
    the server refuses it concurrently."""
    text = "-- migrate:up\nREINDEX (VERBOSE, CONCURRENTLY false) INDEX t_n_idx;\nREINDEX SYSTEM;\n"
    found = {f.line: f for f in lint_text(tmp_path, text) if f.rule == "reindex-without-concurrently"}
    assert set(found) == {2, 3}
    assert "CONCURRENTLY" not in found[3].suggestion.upper().replace("NO CONCURRENTLY FORM", "")
    suggested = found[2].suggestion.splitlines()[-1]
    assert suggested == "REINDEX (VERBOSE) INDEX CONCURRENTLY t_n_idx;"
    with postgresql_connection(tmp_path) as conn:
        conn.execute("CREATE TABLE t (n int); CREATE INDEX t_n_idx ON t (n)")
        conn.execute(suggested)
        with pytest.raises(Exception, match="cannot reindex system catalogs concurrently"):
            conn.execute(f"REINDEX SYSTEM CONCURRENTLY {conn.info.dbname}")


PLAIN_FILE = """CREATE TABLE a (id int);
COMMIT;
BEGIN;
CREATE TABLE b (id int);
BEGIN;
CREATE TABLE c (id int);
COMMIT;
COMMIT;
"""


def test_plain_file_transaction_control_that_the_server_warns_about(tmp_path):
    """Run statement by statement (as psql does), PostgreSQL warns at the stray COMMIT, the nested
    BEGIN and the second COMMIT; lint finds those lines."""
    warned, notices = [], []
    with postgresql_connection(tmp_path) as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.severity_nonlocalized))
        for line, statement in enumerate(PLAIN_FILE.splitlines(), 1):
            notices.clear()
            conn.execute(statement)
            if "WARNING" in notices:
                warned.append(line)
    found = [f.line for f in lint_text(tmp_path, PLAIN_FILE) if f.rule == "explicit-transaction-control"]
    assert warned == [2, 5, 8]
    assert found == warned


def test_identifier_too_long_counts_bytes_and_checks_drop(tmp_path):
    name = "\N{ROCKET}" * 19  # 19 characters, 76 bytes
    with postgresql_connection(tmp_path) as conn:
        conn.execute(f'CREATE TABLE "{name}" (id int)')
        stored = conn.execute("SELECT octet_length(relname::text) FROM pg_class WHERE relname LIKE '\N{ROCKET}%'").fetchone()[0]
        conn.execute(f'DROP TABLE "{name}"')
    assert stored == 63 - 63 % 4  # truncated at a character boundary within 63 bytes
    text = f'-- migrate:up\nCREATE TABLE "{name}" (id int8);\n-- migrate:down\nDROP TABLE "{name}";\n'
    found = [f for f in lint_text(tmp_path, text) if f.rule == "identifier-too-long"]
    assert [(f.section, f.line) for f in found] == [("up", 2), ("down", 4)]
    assert "76 bytes" in found[0].message


@pytest.mark.parametrize("column, rule, fixed", [
    ("n int[]", "prefer-bigint", "n bigint[]"),
    ("tags varchar(100)[]", "prefer-text", "tags text[]"),
    ("seen timestamp[]", "prefer-timestamptz", "seen timestamptz[]"),
])
def test_array_types_go_through_the_type_rules(tmp_path, column, rule, fixed):
    text = f"-- migrate:up\nCREATE TABLE t (id int8 PRIMARY KEY, {column});\n"
    [finding] = [f for f in lint_text(tmp_path, text) if f.rule == rule]
    suggested = finding.suggestion.split(";")[0] + ";"
    assert fixed in suggested
    with postgresql_connection(tmp_path) as conn:
        conn.execute(suggested)
        assert conn.execute("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attndims = 1 "
                            "AND attnum > 0").fetchone()[0] == 1


def test_lint_with_database_reads_the_live_schema(tmp_path, lint_project):
    """A validated CHECK (note IS NOT NULL) in the database lets SET NOT NULL skip its scan (the server's
    own statistics say so); `lint --database` knows it, lint without it cannot and warns."""
    import psycopg

    url, drop = new_database("postgresql", tmp_path)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE t (id int8 PRIMARY KEY, note text, CONSTRAINT t_note_nn CHECK (note IS NOT NULL))")
            conn.execute("INSERT INTO t SELECT g, 'n' FROM generate_series(1, 100) g")
            with conn.transaction(force_rollback=True):
                before = conn.execute("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 't'").fetchone()[0]
                conn.execute("ALTER TABLE t ALTER COLUMN note SET NOT NULL")
                after = conn.execute("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 't'").fetchone()[0]
        assert after == before  # the server did not scan
        lint_project.write("20240101000000_note_not_null.sql",
                           "-- migrate:up\nALTER TABLE t ALTER COLUMN note SET NOT NULL;\n"
                           "-- migrate:down\nALTER TABLE t ALTER COLUMN note DROP NOT NULL;\n")
        blind = lint_project.run("lint", "--format", "json")
        seeing = lint_project.run("lint", "--format", "json", "--database", url)
    finally:
        drop()
    assert "set-not-null-without-check" in blind.out
    assert seeing.code in (0, 1), seeing.err
    assert "set-not-null-without-check" not in seeing.out
