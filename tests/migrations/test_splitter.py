"""Statement splitting per engine: strings, comments, dollar quotes and routine bodies never break a statement."""

from __future__ import annotations

import pytest

from shoring.statement_splitter import SplitError, split_sql


def sqls(text: str, dialect: str) -> list[str]:
    return [f.sql for f in split_sql(text, dialect)]


def test_postgres_dollar_quotes_comments_and_strings():
    text = """CREATE FUNCTION f() RETURNS int AS $$ BEGIN; RETURN 1; END $$ LANGUAGE plpgsql;
-- comment; with semicolon
SELECT 'a;b', E'it\\'s;', $tag$ ; $tag$; /* block ; /* nested ; */ */ SELECT 2;
select 3"""
    assert sqls(text, "postgresql") == [
        "CREATE FUNCTION f() RETURNS int AS $$ BEGIN; RETURN 1; END $$ LANGUAGE plpgsql",
        "SELECT 'a;b', E'it\\'s;', $tag$ ; $tag$",
        "SELECT 2",
        "select 3",
    ]


def test_postgres_begin_atomic_body_is_one_statement():
    text = "CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END; SELECT 9;"
    assert sqls(text, "postgresql") == [
        "CREATE OR REPLACE FUNCTION g() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END",
        "SELECT 9",
    ]


def test_postgres_statement_starting_with_unknown_word_is_kept():
    # pglast's own scanner-based split drops these; ours must not lose a statement silently
    assert sqls("select 1; selec typo; select 3", "postgresql") == ["select 1", "selec typo", "select 3"]


def test_sqlite_trigger_body_and_bracket_identifiers():
    text = "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE x SET a = 1; INSERT INTO y VALUES (';'); END; select [a;b] from t;"
    assert sqls(text, "sqlite") == [
        "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE x SET a = 1; INSERT INTO y VALUES (';'); END",
        "select [a;b] from t",
    ]


def test_mysql_delimiter_and_compound_bodies():
    text = """CREATE TABLE t (id int); # hash comment;
DELIMITER $$
CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END$$
DELIMITER ;
CREATE PROCEDURE q() BEGIN IF 1 THEN SELECT 'x;'; END IF; SELECT CASE WHEN 1 THEN 2 END; END;
INSERT INTO t VALUES ('a\\';b'); select 3 -- trailing
"""
    assert sqls(text, "mysql") == [
        "CREATE TABLE t (id int)",
        "CREATE PROCEDURE p() BEGIN SELECT 1; SELECT 2; END",
        "CREATE PROCEDURE q() BEGIN IF 1 THEN SELECT 'x;'; END IF; SELECT CASE WHEN 1 THEN 2 END; END",
        "INSERT INTO t VALUES ('a\\';b')",
        "select 3",
    ]


def test_mysql_table_with_event_column_is_not_a_routine():
    assert sqls("CREATE TABLE log (id int, event varchar(10)); SELECT 1;", "mysql") == [
        "CREATE TABLE log (id int, event varchar(10))", "SELECT 1",
    ]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_unterminated_string_is_an_error_with_position(dialect):
    text = "SELECT 1;\nSELECT 'oops;\n"
    with pytest.raises(SplitError) as info:
        split_sql(text, dialect)
    assert text[: info.value.offset].count("\n") == 1  # on the second line


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "sqlite"])
def test_positions_point_at_the_statement(dialect):
    text = "-- header\n\nCREATE TABLE a (id int);\n  INSERT INTO a VALUES (1);"
    frags = split_sql(text, dialect)
    assert [text[f.start:f.end] for f in frags] == ["CREATE TABLE a (id int)", "INSERT INTO a VALUES (1)"]
    assert "-- header" in frags[0].leading


def test_a_bare_delimiter_is_no_statement_on_mysql():
    """Found by tests/fuzz: `;;` gave an empty statement, which MariaDB refuses ("Query was empty")."""
    from shoring.statement_splitter import split_sql

    assert [f.sql for f in split_sql("SELECT 1;;\n;\nSELECT 2;", "mysql")] == ["SELECT 1", "SELECT 2"]


def test_a_nul_in_sqlite_text_is_a_split_error():
    """Found by tests/fuzz: sqlite3.complete_statement() raised ValueError on it."""
    import pytest

    from shoring.statement_splitter import SplitError, split_sql

    with pytest.raises(SplitError) as caught:
        split_sql("SELECT 1;\nSELECT '\x00';", "sqlite")
    assert caught.value.offset == 18
