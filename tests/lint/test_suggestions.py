"""Suggestions are SQL a user can paste: they parse, and they quote identifiers that need it."""

from __future__ import annotations

import re

import pytest
from pglast import parser

from shoring.lint.registry import all_rules

from .conftest import lint_text

PG_RULES = [r for r in all_rules() if "postgresql" in r.engines]


def pasteable(suggestion: str) -> list[str]:
    """The suggestion's SQL statements, without comments; none if it has <placeholders> to fill in."""
    lines = [re.sub(r"\s+--.*$", "", line) for line in suggestion.splitlines() if not line.lstrip().startswith("--")]
    sql = "\n".join(lines).strip()
    if not sql or "<" in sql or "..." in sql:
        return []
    return [s for s in parser.split(sql)]


@pytest.mark.parametrize("rule", PG_RULES, ids=[r.id for r in PG_RULES])
def test_postgresql_suggestions_parse(rule, tmp_path):
    findings = lint_text(tmp_path, rule.examples["postgresql"].bad)
    for f in findings:
        for statement in pasteable(f.suggestion):
            parser.parse_sql(statement)  # raises on anything PostgreSQL would not accept


def test_reserved_and_odd_identifiers_are_quoted(tmp_path):
    pg = lint_text(tmp_path, '-- migrate:up\nALTER TABLE "user" ALTER COLUMN "order" SET NOT NULL;\n-- migrate:down\nSELECT 1;\n')
    fix = next(f.suggestion for f in pg if f.rule == "set-not-null-without-check")
    assert 'ALTER TABLE "user" ADD CONSTRAINT user_order_not_null CHECK ("order" IS NOT NULL) NOT VALID;' in fix
    mysql = lint_text(tmp_path, "-- migrate:up\nALTER TABLE `order` ADD COLUMN `key` INT NOT NULL;\n-- migrate:down\nSELECT 1;\n", "mysql")
    fix = next(f.suggestion for f in mysql if f.rule == "add-column-not-null-without-default")
    assert "ALTER TABLE `order` ADD COLUMN `key` int;" in fix
    sqlite = lint_text(tmp_path, '-- migrate:up\nALTER TABLE "Order Items" ALTER COLUMN qty TYPE INTEGER;\n-- migrate:down\nSELECT 1;\n', "sqlite")
    fix = next(f.suggestion for f in sqlite if f.rule == "sqlite-unsupported-alter")
    assert 'DROP TABLE "order items";' in fix and 'ALTER TABLE "order items_new" RENAME TO "order items";' in fix


@pytest.mark.parametrize("engine, sql, operation", [
    ("postgresql", "ALTER TABLE users RENAME COLUMN name TO display_name;", "ExpandRenameColumn"),
    ("postgresql", "ALTER TABLE users ALTER COLUMN age TYPE integer USING age::integer;", "ExpandChangeType"),
    ("postgresql", "UPDATE users SET age = '0' WHERE age IS NULL;", "Backfill"),
    ("mysql", "ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0);", "OnlineAlter"),
])
def test_suggestions_name_an_operation_that_builds(tmp_path, engine, sql, operation):
    """The `operations = [...]` a suggestion offers is Python that makes that operation, with the statement's names."""
    import shoring.operations

    text = ("-- file: 1_users.sql\n-- migrate:up\n"
            "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(50), age VARCHAR(5));\n"
            "-- migrate:down\nDROP TABLE users;\n"
            f"-- file: 2_change.sql\n-- migrate:up\n{sql}\n-- migrate:down\nSELECT 1;\n")
    findings = [f for f in lint_text(tmp_path, text, engine) if f.file.endswith("2_change.sql")]
    hints = [line for f in findings for line in f.suggestion.splitlines() if "operations = [" in line]
    assert hints, [f.rule for f in findings]
    code = hints[0].split("operations = ", 1)[1].split("; later", 1)[0]
    [op] = eval(code, vars(shoring.operations))  # noqa: S307 - our own suggestion, checked to build
    assert type(op).__name__ == operation and op.table == "users"
