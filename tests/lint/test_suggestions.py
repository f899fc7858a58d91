"""Suggestions are SQL a user can paste: they parse, and they quote identifiers that need it."""

from __future__ import annotations

import re

import pytest
from pglast import parser

from shoring.rules.registry import all_rules

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
