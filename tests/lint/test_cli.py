"""`shoring lint`, `shoring lint --explain` and `shoring rules` as a user runs them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema

from shoring.lint.registry import all_rules

from .conftest import LintProject

SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-2.1.0-subset.schema.json").read_text(encoding="utf-8"))
CLEAN = "-- Purpose: p\n-- Rollback: drop it\n-- Estimated-Time: 1s\n-- migrate:up\nALTER TABLE users ADD COLUMN nick text;\n\n-- migrate:down\nALTER TABLE users DROP COLUMN nick;\n"
HAZARD = "-- migrate:up\nCREATE INDEX idx_users_email ON users (email);\n\n-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS idx_users_email;\n"


def test_clean_project_exits_0(lint_project: LintProject):
    lint_project.write("20240101000000_nick.sql", CLEAN)
    r = lint_project.run("lint")
    assert r.code == 0, r.out
    assert "0 errors, 0 warnings" in r.out


def test_errors_exit_1_and_print_location_rule_message_then_suggestion(lint_project: LintProject):
    lint_project.write("20240101000000_index.sql", HAZARD)
    r = lint_project.run("lint", "--no-color")
    assert r.code == 1
    lines = r.out.splitlines()
    first = next(i for i, line in enumerate(lines) if "create-index-without-concurrently" in line)
    assert re.match(r"^migrations/20240101000000_index\.sql:2:1 create-index-without-concurrently CREATE INDEX on users", lines[first])
    assert "CREATE INDEX CONCURRENTLY idx_users_email ON users (email);" in lines[first + 2]


def test_json_follows_the_design_contract(lint_project: LintProject):
    lint_project.write("20240101000000_index.sql", HAZARD)
    r = lint_project.run("lint", "--format", "json")
    assert r.code == 1
    findings = r.json["findings"]
    f = next(f for f in findings if f["rule"] == "create-index-without-concurrently")
    assert {"rule", "severity", "file", "line", "message", "suggestion"} <= set(f)
    assert (f["severity"], f["file"], f["line"]) == ("error", "migrations/20240101000000_index.sql", 2)
    assert all(x["severity"] in ("error", "warning", "info") for x in findings)


def test_sarif_is_valid_sarif_2_1_0(lint_project: LintProject):
    lint_project.write("20240101000000_index.sql", HAZARD)
    lint_project.write("20240102000000_nick.sql", CLEAN.replace("-- Purpose: p\n", ""))
    r = lint_project.run("lint", "--format", "sarif")
    assert r.code == 1
    log = json.loads(r.out)
    jsonschema.validate(log, SCHEMA)
    run = log["runs"][0]
    levels = {res["ruleId"]: res["level"] for res in run["results"]}
    assert levels["create-index-without-concurrently"] == "error"
    assert levels["missing-migration-header"] == "note"
    rule_ids = [d["id"] for d in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]


def test_sarif_validation_would_catch_a_malformed_log():
    import pytest

    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},
                                                           "results": [{"ruleId": "r", "level": "fatal", "message": {"text": "m"}}]}]}, SCHEMA)


def test_github_annotations(lint_project: LintProject):
    lint_project.write("20240101000000_index.sql", HAZARD)
    r = lint_project.run("lint", "--format", "github")
    assert r.code == 1
    line = next(x for x in r.out.splitlines() if "create-index-without-concurrently" in x)
    assert line.startswith("::error file=migrations/20240101000000_index.sql,line=2,col=1,title=create-index-without-concurrently::")
    assert "%0A" in line and "\n" not in line  # the suggestion rides along, escaped


def test_bad_usage_exits_2(lint_project: LintProject):
    assert lint_project.run("lint", "--engine", "oracle").code == 2
    assert lint_project.run("lint", "no/such/file.sql").code == 2
    r = lint_project.run("lint", "--explain", "create-index-without-concurrenty")
    assert r.code == 2 and "did you mean 'create-index-without-concurrently'" in r.err
    assert lint_project.run("lint", "--exclude", "not-a-rule").code == 2
    (lint_project.root / "shoring.toml").write_text("[lint]\nexlude = ['x']\n", encoding="utf-8")
    r = lint_project.run("lint")
    assert r.code == 2 and "did you mean 'exclude'" in r.err


def test_no_migrations_folder_is_bad_usage(tmp_path: Path):
    project = LintProject(tmp_path / "p")
    project.migrations.rmdir()
    r = project.run("lint")
    assert r.code == 2 and "no migrations folder" in r.err


def test_explain_prints_the_docs_page(lint_project: LintProject):
    r = lint_project.run("lint", "--explain", "set-not-null-without-check", "--no-color")
    assert r.code == 0
    page = (Path(__file__).resolve().parents[2] / "docs" / "rules" / "set-not-null-without-check.md").read_text(encoding="utf-8")
    assert r.out == page


def test_rules_lists_every_rule(lint_project: LintProject):
    r = lint_project.run("rules")
    assert r.code == 0
    for rule in all_rules():
        assert rule.id in r.out
    data = lint_project.run("rules", "--format", "json", "--engine", "sqlite").json["rules"]
    assert {d["id"] for d in data} == {x.id for x in all_rules() if "sqlite" in x.engines}


def test_suppressions_statement_file_unused_and_unknown(lint_project: LintProject):
    lint_project.write("20240101000000_a.sql", """-- migrate:up
-- shoring:ignore create-index-without-concurrently, missing-statement-timeout tiny table, checked
CREATE INDEX idx_a ON users (a);
-- shoring:ignore drop-column nothing to drop here
CREATE INDEX idx_b ON users (b);
-- shoring:ignore-file unbatched-data-change lookup table of 12 rows
UPDATE users SET b = 1;
-- shoring:ignore no-such-rule typo
SELECT 1;

-- migrate:down
DROP INDEX CONCURRENTLY IF EXISTS idx_b;
DROP INDEX CONCURRENTLY IF EXISTS idx_a;
""")
    found = lint_project.run("lint", "--format", "json").json["findings"]
    by_line = {(f["line"], f["rule"]) for f in found}
    assert not any(r == "create-index-without-concurrently" and line == 3 for line, r in by_line)
    assert (5, "create-index-without-concurrently") in by_line
    assert not any(r == "unbatched-data-change" for _, r in by_line)
    unused = {f["line"]: f["message"] for f in found if f["rule"] == "unused-suppression"}
    assert "drop-column matches no finding" in unused[4]
    assert "unknown rule 'no-such-rule'" in unused[8]
    assert 2 not in unused and 6 not in unused


def test_config_exclude_server_version_and_exclude_paths(lint_project: LintProject):
    lint_project.write("20240101000000_reindex.sql", "-- migrate:up\nREINDEX INDEX idx_a;\n\n-- migrate:down\nSELECT 1;\n")
    lint_project.write("legacy/20230101000000_old.sql", HAZARD)
    assert "reindex-without-concurrently" in lint_project.run("lint", "--format", "json").out
    (lint_project.root / "shoring.toml").write_text(
        'database = "postgresql://app@localhost/app"\n[lint]\nserver_version = "11"\n'
        'exclude = ["missing-migration-header"]\nexclude_paths = ["migrations/legacy/*"]\n', encoding="utf-8")
    found = lint_project.run("lint", "--format", "json").json
    rules = {f["rule"] for f in found["findings"]}
    assert "reindex-without-concurrently" not in rules  # no REINDEX CONCURRENTLY before PostgreSQL 12
    assert "missing-migration-header" not in rules
    assert not any("legacy" in f["file"] for f in found["findings"])
    assert found["server_version"] == "PostgreSQL 11"


def test_engine_comes_from_the_flag_then_the_database_url(tmp_path: Path):
    sql = "-- migrate:up\nALTER TABLE orders ADD INDEX idx_s (status), ALGORITHM=COPY;\n\n-- migrate:down\nALTER TABLE orders DROP INDEX idx_s;\n"
    mysql = LintProject(tmp_path / "m", database="mysql://app@localhost/app")
    mysql.write("20240101000000_idx.sql", sql)
    out = mysql.run("lint", "--format", "json").json
    assert out["engine"] == "mysql" and "mysql-algorithm-copy-or-lock" in {f["rule"] for f in out["findings"]}
    maria = LintProject(tmp_path / "r", database="mariadb://app@localhost/app")
    assert maria.run("lint", "--format", "json").json["server_version"].startswith("MariaDB 10.11")
    none = LintProject(tmp_path / "n", database=None)
    none.write("20240101000000_idx.sql", HAZARD)
    assert none.run("lint", "--format", "json").json["engine"] == "postgresql"
    assert none.run("lint", "--format", "json", "--engine", "sqlite").json["engine"] == "sqlite"


def test_plain_sql_from_other_tools(lint_project: LintProject, tmp_path: Path):
    flyway = tmp_path / "flyway"
    flyway.mkdir()
    (flyway / "V1__users.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY, email text);\n", encoding="utf-8")
    (flyway / "V2__index.sql").write_text("CREATE INDEX idx_users_email ON users (email);\n", encoding="utf-8")
    (flyway / "U2__index.sql").write_text("DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;\n", encoding="utf-8")
    alembic = tmp_path / "alembic_upgrade.sql"
    alembic.write_text("BEGIN;\n\nCREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL);\n\n"
                       "ALTER TABLE users ADD COLUMN name text;\n\nUPDATE alembic_version SET version_num='abc';\n\nCOMMIT;\n", encoding="utf-8")
    found = lint_project.run("lint", "--format", "json", str(flyway), str(alembic)).json["findings"]
    rules = {(Path(f["file"]).name, f["rule"], f["severity"]) for f in found}
    # V2 indexes users, created by V1 in an earlier migration: a hazard; V1 has no down: a warning at most
    assert ("V2__index.sql", "create-index-without-concurrently", "error") in rules
    assert ("V1__users.sql", "missing-down", "warning") in rules
    assert not any(name == "V2__index.sql" and rule == "missing-down" for name, rule, _ in rules)  # U2 is its down
    assert not any(rule == "explicit-transaction-control" for _, rule, _ in rules)  # Alembic commits what it begins
    assert not any(rule == "missing-migration-header" for _, rule, _ in rules)


def test_python_migration_is_reported_as_unanalysed(lint_project: LintProject):
    lint_project.write("20240101000000_fill.py", '"""Purpose: fill\\nRollback: none\\nEstimated-Time: 1s"""\n\n\ndef up(ctx):\n    pass\n')
    found = lint_project.run("lint", "--format", "json").json["findings"]
    assert {(f["rule"], f["severity"]) for f in found} == {("python-migration-not-analysed", "info"), ("missing-down", "error")}


def test_a_malformed_file_is_a_finding_not_a_crash(lint_project: LintProject):
    lint_project.write("20240101000000_bad.sql", "-- Purpse: typo\n-- migrate:up\nSELECT 1;\n")
    lint_project.write("20240102000000_ok.sql", HAZARD)
    r = lint_project.run("lint", "--format", "json")
    rules = {(f["file"].split("/")[-1], f["rule"], f["line"]) for f in r.json["findings"]}
    assert ("20240101000000_bad.sql", "invalid-migration-file", 1) in rules
    assert any(name == "20240102000000_ok.sql" for name, _, _ in rules)
