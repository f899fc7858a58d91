"""The migration file reader, the header parser and the three statement splitters on fuzzed text:
a result or one MigrationFileError naming the file and line, never another exception."""

from __future__ import annotations

import tempfile
from pathlib import Path

from fuzz_strategies import one_line, header_line, mutated, sql_text
from hypothesis import example, given
from hypothesis import strategies as st

from shoring.errors import MigrationFileError
from shoring.migrations.header import parse_header
from shoring.migrations.model import parse_migration_file
from shoring.statement_splitter import LineIndex, SplitError, split_sql

DIALECTS = ("postgresql", "mysql", "sqlite")
FOLDER = Path(tempfile.mkdtemp(prefix="shoring-fuzz-"))

VALID = (b"-- Purpose: add a flag\n-- Transaction: true\n-- Depends: 1\n\n-- migrate:up\n"
         b"ALTER TABLE users ADD COLUMN flag BOOLEAN DEFAULT FALSE;\n"
         b"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;\n"
         b"INSERT INTO t VALUES ('it''s; here', \"x\");\n\n-- migrate:down\nALTER TABLE users DROP COLUMN flag;\n")


def read(name: str, data: bytes):
    """Read and split a file as apply does, on every engine; the error, if any, must name the file and line."""
    path = FOLDER / name
    path.write_bytes(data)
    try:
        migration = parse_migration_file(path)
        for dialect in DIALECTS:
            migration.statements("up", dialect)
            if migration.down is not None:
                migration.statements("down", dialect)
    except MigrationFileError as exc:
        text = exc.render()
        assert text.startswith(f"{path}:"), text
        assert one_line(text), text
        return exc
    return None


@given(mutated(VALID))
@example(VALID.replace(b"flag;", b"fl\x00ag;"))
@example(b"\xff\xfe-- migrate:up\n")
def test_mutated_sql_file(data):
    read("2_fuzzed.sql", data)


@given(st.binary(max_size=300))
def test_arbitrary_bytes(data):
    read("3_bytes.sql", data)


@given(st.lists(header_line, max_size=8), sql_text)
def test_header_and_body(header, body):
    read("4_header.sql", ("\n".join(header) + "\n-- migrate:up\n" + body).encode("utf-8", "surrogatepass"))


@given(st.lists(header_line, max_size=10))
def test_header_parser(lines):
    try:
        parse_header(list(enumerate(lines, 1)), "h.sql")
    except MigrationFileError as exc:
        assert exc.line is not None and 1 <= exc.line <= max(len(lines), 1), exc.render()
        assert one_line(exc.render())


@given(st.sampled_from(DIALECTS), sql_text)
@example("sqlite", "\x00;")  # found: complete_statement() raised ValueError
@example("mysql", ";")  # found: an empty statement, which the server refuses ("Query was empty")
@example("mysql", "SELECT 1;;\n;")
def test_splitters(dialect, text):
    try:
        fragments = split_sql(text, dialect)
    except SplitError as exc:
        assert 0 <= exc.offset <= len(text) and exc.message, (exc.offset, exc.message)
        LineIndex(text).position(exc.offset)
        return
    end = 0
    for fragment in fragments:
        assert fragment.start >= end and fragment.end > fragment.start, fragment
        assert fragment.sql.strip(" \t\r\n\f\v"), fragment  # (\xa0 is a name character to the servers)
        end = fragment.end


@given(mutated(b'"""Purpose: x\nTransaction: false\n"""\nfrom shoring.operations import AddColumn\n\n'
               b'operations = [AddColumn("users", "flag", "boolean")]\n'))
def test_mutated_python_header(data):
    read("5_fuzzed.py", data)  # read without running: the header comes from the docstring
