"""A down section is analysed as it runs: each statement sees what the ones before it in the section did.

The catalog the next migrations are analysed against stays the state after up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import lint_text, rules_of

HEADER = "-- Purpose: p\n-- Rollback: r\n-- Estimated-Time: 1 s\n"

#: engine -> (migrations, the finding the down section would get if it did not see its own statements)
CASES = {
    # the demo's add_email_verification: the index is dropped before the column, as SQLite requires
    "sqlite": ("""-- file: 20240101000000_users.sql
{header}-- migrate:up
CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);
-- migrate:down
DROP TABLE users;
-- file: 20240102000000_verified.sql
{header}-- migrate:up
ALTER TABLE users ADD COLUMN email_verified BOOLEAN DEFAULT FALSE;
CREATE INDEX idx_users_email_verified ON users (email_verified);
-- migrate:down
DROP INDEX IF EXISTS idx_users_email_verified;
ALTER TABLE users DROP COLUMN email_verified;
""", "sqlite-unsupported-alter"),
    # a table the down section creates is new to the statements after it: nobody else uses it yet
    "postgresql": ("""-- file: 20240101000000_archive.sql
{header}-- migrate:up
CREATE TABLE archive (id bigint);
-- migrate:down
DROP TABLE archive;
-- file: 20240102000000_drop_archive.sql
{header}-- migrate:up
DROP TABLE archive;
-- migrate:down
CREATE TABLE archive (id bigint);
CREATE INDEX archive_id ON archive (id);
""", "create-index-without-concurrently"),
    # the column the down section adds back has a known type: widening it is done in place
    "mysql": ("""-- file: 20240101000000_users.sql
{header}-- migrate:up
CREATE TABLE users (id BIGINT PRIMARY KEY, nick VARCHAR(20));
-- migrate:down
DROP TABLE users;
-- file: 20240102000000_drop_nick.sql
{header}-- migrate:up
ALTER TABLE users DROP COLUMN nick;
-- migrate:down
ALTER TABLE users ADD COLUMN nick VARCHAR(20);
ALTER TABLE users MODIFY nick VARCHAR(40);
""", "column-type-change"),
}


@pytest.mark.parametrize("engine", sorted(CASES))
def test_down_statements_see_the_ones_before_them(tmp_path: Path, engine: str):
    text, false_finding = CASES[engine]
    findings = lint_text(tmp_path, text.format(header=HEADER), engine)
    assert false_finding not in rules_of(findings), [(f.rule, f.file, f.line) for f in findings]


def test_the_next_migration_sees_the_state_after_up_not_after_down(tmp_path: Path):
    text = CASES["sqlite"][0] + """-- file: 20240103000000_drop_verified.sql
{header}-- migrate:up
ALTER TABLE users DROP COLUMN email_verified;
-- migrate:down
SELECT 1;
"""
    findings = lint_text(tmp_path, text.format(header=HEADER), "sqlite")
    # after the second migration's up the column is still indexed: SQLite refuses to drop it
    refused = [f for f in findings if f.rule == "sqlite-unsupported-alter"]
    assert [Path(f.file).name for f in refused] == ["20240103000000_drop_verified.sql"]
    assert "indexed" in refused[0].message


@pytest.mark.parametrize("engine", sorted(CASES))
def test_analyze_down_returns_the_state_after_down_and_leaves_the_catalog_after_up(tmp_path: Path, engine: str):
    from shoring.analysis import Catalog, analyze_down, analyze_migration
    from shoring.migrations.model import parse_migration_file

    from .conftest import split_files

    catalog = Catalog()
    migrations = []
    for name, body in split_files(CASES[engine][0].format(header=HEADER)):
        (tmp_path / name).write_text(body, encoding="utf-8")
        migrations.append(parse_migration_file(tmp_path / name))
    for m in migrations:
        analyze_migration(m, engine, catalog=catalog)
    after_up = {name: (sorted(t.columns), sorted(t.indexes)) for name, t in catalog.tables.items()}
    down, after_down = analyze_down(migrations[-1], engine, catalog=catalog)
    assert {name: (sorted(t.columns), sorted(t.indexes)) for name, t in catalog.tables.items()} == after_up
    assert after_down.tables != catalog.tables
    assert [st.section for st in down] == ["down", "down"]


def test_a_copy_and_its_catalog_change_independently_of_each_other():
    from shoring.analysis import Catalog, analyze_sql

    catalog = Catalog()
    analyze_sql("CREATE TABLE users (id bigint, email text); CREATE INDEX users_email ON users (email);", catalog=catalog)
    before = catalog.copy()
    analyze_sql("ALTER TABLE users ALTER COLUMN email SET NOT NULL; ALTER TABLE users ADD COLUMN nick text;", catalog=catalog)
    scratch = catalog.copy()
    analyze_sql("ALTER TABLE users DROP COLUMN nick; ALTER TABLE users RENAME TO people;", catalog=scratch)
    assert sorted(before.tables["users"].columns) == ["email", "id"] and not before.tables["users"].columns["email"].not_null
    assert sorted(catalog.tables["users"].columns) == ["email", "id", "nick"]
    assert catalog.tables["users"].columns["email"].not_null and catalog.index_table["users_email"] == "users"
    assert list(scratch.tables) == ["people"] and sorted(scratch.tables["people"].columns) == ["email", "id"]
