"""Bad input: one clear line naming the file and line (or the database, password masked), exit 2, database untouched."""

from __future__ import annotations

import pytest


def assert_refused(project, *expected: str, args=("apply",)):
    tables_before = project.tables()
    result = project.run(*args)
    assert result.code == 2, (result.out, result.err)
    lines = [l for l in result.err.splitlines() if l.strip()]
    assert len(lines) == 1, result.err
    for text in expected:
        assert text in lines[0], lines[0]
    assert project.tables() == tables_before
    return lines[0]


@pytest.fixture
def good(project):
    project.sql("1", "ok", "CREATE TABLE ok_table (id INTEGER);", "DROP TABLE ok_table;")
    return project


def test_file_without_up_section(good):
    good.write("2_no_up.sql", "-- Purpose: forgot the marker\nCREATE TABLE x (id INTEGER);\n")
    assert_refused(good, "2_no_up.sql:1:", "no '-- migrate:up' section")


def test_duplicate_version(good):
    good.sql("1", "again", "CREATE TABLE again (id INTEGER);")
    line = assert_refused(good, "duplicate version 1")
    assert "1_again.sql" in line and "1_ok.sql" in line


def test_unknown_depends(good):
    good.sql("2", "dep", "CREATE TABLE dep (id INTEGER);", header="-- Purpose: x\n-- Depends: 99\n")
    assert_refused(good, "2_dep.sql:2:", "Depends on 99")


def test_header_typo(good):
    good.sql("2", "typo", "CREATE TABLE typo (id INTEGER);", header="-- Purpose: x\n-- Transacton: false\n")
    assert_refused(good, "2_typo.sql:2:", "unknown header 'Transacton' (did you mean 'Transaction'?)")


def test_bad_transaction_value(good):
    good.sql("2", "bad", "CREATE TABLE bad (id INTEGER);", header="-- Transaction: maybe\n")
    assert_refused(good, "2_bad.sql:1:", "Transaction must be true or false")


def test_unterminated_string_names_the_line(good):
    good.sql("2", "quote", "CREATE TABLE q (id INTEGER);\nINSERT INTO q VALUES ('oops);")
    assert_refused(good, "2_quote.sql:3:", "unterminated")


def test_marker_typo(good):
    good.write("2_marker.sql", "-- migrate:up\nCREATE TABLE m (id INTEGER);\n-- migrate:dwon\nDROP TABLE m;\n")
    assert_refused(good, "2_marker.sql:3:", "did you mean 'migrate:down'")


def test_file_name_without_version(good):
    good.write("add_things.sql", "-- migrate:up\nSELECT 1;\n")
    assert_refused(good, "add_things.sql", "cannot tell the version")


def test_bad_input_also_stops_status_and_dry_run(good):
    good.write("2_no_up.sql", "CREATE TABLE x (id INTEGER);\n")
    assert_refused(good, "no '-- migrate:up' section", args=("status",))
    assert_refused(good, "no '-- migrate:up' section", args=("apply", "--dry-run"))


def test_unreachable_database_masks_password(tmp_path):
    from conftest import Project

    project = Project(tmp_path / "p", "postgresql://app:s3cret-pw@127.0.0.1:1/appdb")
    result = project.run("status")
    assert result.code == 2
    assert "s3cret-pw" not in result.err + result.out
    assert "postgresql://app:***@127.0.0.1:1/appdb" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_wrong_password_masks_password(mysql_project, tmp_path):
    from shoring.dburl import parse_url
    from conftest import Project

    url = parse_url(mysql_project.url)
    bad = f"mysql://{url.user}:wr0ng-pa55@{url.host}:{url.port}/{url.database}"
    project = Project(tmp_path / "p", bad)
    result = project.run("apply")
    assert result.code == 2
    assert "wr0ng-pa55" not in result.err
    assert "mysql://root:***@" in result.err and "Access denied" in result.err


def test_unknown_database_on_postgres(tmp_path):
    from conftest import Project, require_server

    require_server("postgresql")
    project = Project(tmp_path / "p", "postgresql://postgres@127.0.0.1:5432/no_such_db_here")
    result = project.run("status")
    assert result.code == 2 and 'database "no_such_db_here" does not exist' in result.err


def test_no_database_configured(tmp_path):
    from conftest import Project

    project = Project(tmp_path / "p", "sqlite:///x.db")
    (project.root / "shoring.toml").write_text("migrations = 'migrations'\n")
    result = project.run("status")
    assert result.code == 2 and "no database given" in result.err


def test_config_typo_is_named(tmp_path):
    from conftest import Project

    project = Project(tmp_path / "p", "sqlite:///x.db")
    (project.root / "shoring.toml").write_text("databse = 'sqlite:///x.db'\n")
    result = project.run("status")
    assert result.code == 2 and "unknown setting 'databse' (did you mean 'database'?)" in result.err
