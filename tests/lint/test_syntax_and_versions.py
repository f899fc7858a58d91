"""What lint must agree with the engine and with `apply` on: syntax errors, duplicate versions, files
without markers, and which MySQL-family server a mysql:// URL points at (issue 15)."""

from __future__ import annotations

import pytest
from support import run_cli

from .conftest import LintProject

TYPO = "-- migrate:up\nCREATE TABLEE t1 (id int);\n\n-- migrate:down\nDROP TABLE t1;\n"
BROKEN = "-- migrate:up\nDELETE FROM t WHERE;\nSELECT * FROM t WHERE (a = ;\n\n-- migrate:down\n"
CREATE_A = "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n"
INTERNALS = ("<class", "sqlglot", "Required keyword", "missing for")


@pytest.mark.parametrize("engine", ["postgresql", "mysql", "sqlite"])
def test_a_misspelt_statement_is_a_parse_error_on_every_engine(tmp_path, engine):
    project = LintProject(tmp_path, database=None)
    project.write("20260101000000_typo.sql", TYPO)
    r = project.run("lint", "--engine", engine, "--format", "json")
    errors = [f for f in r.json["findings"] if f["rule"] == "parse-error"]
    assert [(f["line"], f["severity"]) for f in errors] == [(2, "error")]
    assert "TABLEE" in errors[0]["message"]
    assert r.code == 1


@pytest.mark.parametrize("engine", ["mysql", "sqlite"])
def test_parse_errors_do_not_leak_the_parser_internals(tmp_path, engine):
    project = LintProject(tmp_path, database=None)
    project.write("20260101000000_broken.sql", BROKEN)
    r = project.run("lint", "--engine", engine, "--format", "json")
    errors = [f for f in r.json["findings"] if f["rule"] == "parse-error"]
    assert [f["line"] for f in errors] == [2, 3]
    for f in errors:
        assert "syntax error" in f["message"]
        assert not [word for word in INTERNALS if word in f["message"]], f["message"]


def test_plan_rates_a_statement_the_engine_cannot_parse_high(project):
    project.write("20260101000000_typo.sql", TYPO)
    r = project.run("plan", "--format", "json")
    m = r.json["migrations"][0]
    assert m["risk"] == "high"
    assert any("not valid SQL" in reason["text"] for reason in m["risk_reasons"]), m["risk_reasons"]


@pytest.mark.parametrize("names", [("020260101000000_b.sql", "20260101000000_a.sql"), ("1_a.sql", "1_b.sql")])
def test_duplicate_versions_are_an_error_in_lint_as_in_apply(tmp_path, names):
    project = LintProject(tmp_path, database=f"sqlite:///{tmp_path / 'app.db'}")
    for name in names:
        project.write(name, CREATE_A)
    r = project.run("lint", "--format", "json")
    duplicates = [f for f in r.json["findings"] if f["rule"] == "invalid-migration-file"]
    assert len(duplicates) == 1 and "duplicate version" in duplicates[0]["message"]
    assert r.code == 1
    applied = project.run("apply")
    assert applied.code == 2 and "duplicate version" in applied.err
    assert not (tmp_path / "app.db").exists()  # refused before connecting


def test_a_file_without_markers_in_the_migrations_folder_is_refused_by_lint_as_by_apply(tmp_path):
    project = LintProject(tmp_path, database=f"sqlite:///{tmp_path / 'app.db'}")
    project.write("20260101000000_plain.sql", "CREATE TABLE a (id int);\n")
    r = project.run("lint", "--format", "json")
    refused = [f for f in r.json["findings"] if f["rule"] == "invalid-migration-file"]
    applied = project.run("apply")
    assert applied.code == 2
    assert len(refused) == 1 and refused[0]["message"] in applied.err
    # the same file elsewhere is plain SQL from another tool: the whole file is its up section
    elsewhere = tmp_path / "exported"
    elsewhere.mkdir()
    (elsewhere / "20260101000000_plain.sql").write_text("CREATE TABLE a (id int);\n", encoding="utf-8")
    other = project.run("lint", str(elsewhere), "--format", "json")
    assert not [f for f in other.json["findings"] if f["rule"] == "invalid-migration-file"]


def test_a_mysql_url_that_points_at_mariadb_is_linted_as_mariadb(tmp_path):
    from conftest import MYSQL_ADMIN_URL, require_server

    require_server("mysql")
    from shoring.engines import connect

    with connect(MYSQL_ADMIN_URL) as engine:
        actual = engine.server_version
    if "mariadb" not in actual.lower():
        pytest.skip(f"the MySQL-family server is not MariaDB ({actual})")
    project = LintProject(tmp_path, database=MYSQL_ADMIN_URL.replace("mariadb://", "mysql://"))
    project.write("20260101000000_a.sql", CREATE_A)
    r = run_cli(tmp_path, ["lint", "--format", "json"])
    number = actual.split("-")[0]
    assert r.json["server_version"] == f"MariaDB {number}"
