"""Migration files: headers, sections, checksums."""

from __future__ import annotations

from pathlib import Path

import pytest

from shoring.errors import MigrationFileError
from shoring.migrations.checksum import checksum
from shoring.migrations.model import parse_migration_file, parse_sql_migration


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


SEED_HEADER = """-- Migration: Add email verification
-- Date: 2024-01-28
-- Author: AI Agent
-- Issue: bd-dbmod.32
--
-- Purpose: Add email_verified column to track email verification status
-- Breaking Changes: None (column is nullable with default value)
-- Rollback: Safe to rollback; column will be dropped
-- Estimated Execution Time: < 1 second (table has ~10k rows)
"""


def test_seed_header_is_read_with_its_own_spellings(tmp_path):
    mig = parse_migration_file(write(tmp_path, "20240128093000_add_email.sql", SEED_HEADER + "-- migrate:up\nSELECT 1;\n"))
    meta = mig.metadata
    assert meta.get("Breaking-Changes") == "None (column is nullable with default value)"
    assert meta.get("Estimated-Time") == "< 1 second (table has ~10k rows)"
    assert meta.get("Issue") == "bd-dbmod.32" and meta.transaction is None and mig.transactional
    assert mig.version == "20240128093000" and mig.name == "add_email"


def test_dbmate_transaction_option_and_continuation_lines(tmp_path):
    text = "-- Purpose: a long purpose\n--   that goes on\n-- migrate:up transaction:false\nSELECT 1;\n"
    mig = parse_migration_file(write(tmp_path, "1_x.sql", text))
    assert mig.metadata.transaction is False and not mig.transactional
    assert mig.metadata.get("Purpose") == "a long purpose that goes on"


def test_custom_header_keys_are_kept(tmp_path):
    mig = parse_migration_file(write(tmp_path, "1_x.sql", "-- Reviewer: dba-team\n-- migrate:up\nSELECT 1;\n"))
    assert mig.metadata.get("Reviewer") == "dba-team"


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("-- Transacton: false\n-- migrate:up\nSELECT 1;\n", "did you mean 'Transaction'", 1),
        ("-- Purpose: a\n-- Purpose: b\n-- migrate:up\nSELECT 1;\n", "given twice", 2),
        ("-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", "second '-- migrate:up'", 3),
        ("-- migrate:down\nSELECT 1;\n-- migrate:up\nSELECT 2;\n", "comes before", 1),
        ("-- Depends: abc\n-- migrate:up\nSELECT 1;\n", "Depends must list migration versions", 1),
        ("-- migrate:up transaction:perhaps\nSELECT 1;\n", "true or false", 1),
    ],
)
def test_malformed_files_name_the_line(tmp_path, text, message, line):
    with pytest.raises(MigrationFileError) as info:
        parse_migration_file(write(tmp_path, "1_bad.sql", text))
    assert message in info.value.message and info.value.line == line


def test_checksum_ignores_line_endings_and_trailing_whitespace_only():
    base = "-- migrate:up\nSELECT 1;\n"
    assert checksum(base) == checksum(base.replace("\n", "\r\n")) == checksum("\ufeff" + base + "  \n\n")
    assert checksum(base) != checksum(base.replace("1", "2"))
    assert checksum(base) != checksum(base.replace("SELECT", "SELECT "))  # inner whitespace is an edit


def test_plain_sql_file_without_markers_is_all_up_when_allowed(tmp_path):
    path = write(tmp_path, "V1__init.sql", "CREATE TABLE t (id int);\n")
    mig = parse_sql_migration(path, "1", "init", path.read_text(), require_up=False)
    assert [s.sql for s in mig.statements("up", "postgresql")] == ["CREATE TABLE t (id int)"]
    assert not mig.has_down


def test_python_migration_header_from_docstring(tmp_path):
    path = write(tmp_path, "5_py.py", '"""\nPurpose: backfill\nTransaction: false\n"""\n\ndef up(ctx):\n    pass\n')
    mig = parse_migration_file(path)
    assert mig.kind == "python" and mig.metadata.transaction is False and not mig.has_down


def test_python_migration_without_up_is_refused(tmp_path):
    with pytest.raises(MigrationFileError, match="neither up"):
        parse_migration_file(write(tmp_path, "5_py.py", "def down(ctx):\n    pass\n"))
