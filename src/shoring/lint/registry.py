"""Every rule, by module: one module per rule, listed here as data."""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the cache key reads RULE_MODULES without importing what a rule is made of
    from shoring.lint.base import Rule

#: Rule modules in the order `shoring rules` lists them (grouped by hazard).
RULE_MODULES: tuple[str, ...] = (
    # reading the files
    "parse_error",
    "invalid_migration_file",
    "unused_suppression",
    "python_migration_not_analysed",
    # indexes and maintenance (PostgreSQL)
    "create_index_without_concurrently",
    "drop_index_without_concurrently",
    "non_transactional_in_transaction",
    "reindex_without_concurrently",
    "detach_partition_without_concurrently",
    "vacuum_full_or_cluster",
    # adding columns
    "add_column_volatile_default",
    "add_column_generated_stored",
    "add_column_auto_increment",
    "add_column_not_null_without_default",
    "mysql_add_column_expression_default",
    # constraints
    "set_not_null_without_check",
    "set_not_null_before_backfill",
    "foreign_key_without_not_valid",
    "mysql_foreign_key_copies_table",
    "check_without_not_valid",
    "validate_in_same_transaction",
    "unique_or_primary_key_without_index",
    "exclusion_constraint",
    "foreign_key_without_index",
    "create_domain_with_check",
    # types
    "column_type_change",
    "type_change_with_check",
    "enum_reorder_or_removal",
    "enum_add_value_without_position",
    "prefer_jsonb",
    "prefer_bigint",
    "prefer_identity",
    "prefer_text",
    "prefer_text_over_char",
    "prefer_timestamptz",
    # breaking running code, losing data
    "rename_column",
    "rename_table",
    "drop_column",
    "drop_table",
    "drop_schema",
    "drop_database",
    "drop_not_null",
    "truncate_cascade",
    "breaking_change_not_declared",
    # locks, timeouts, transactions
    "missing_lock_timeout",
    "missing_statement_timeout",
    "statements_after_access_exclusive",
    "multiple_alters_same_table",
    "explicit_transaction_control",
    "unneeded_transaction_false",
    "non_idempotent_statement",
    # data changes
    "unbatched_data_change",
    "backfill_in_schema_migration",
    # the migration as a whole
    "empty_up_section",
    "missing_down",
    "missing_migration_header",
    "identifier_too_long",
    # MySQL/MariaDB online DDL
    "mysql_algorithm_copy_or_lock",
    "mysql_online_ddl_refused",
    "mysql_table_copy",
    "mysql_inline_references_ignored",
    # SQLite
    "sqlite_unsupported_alter",
)


@lru_cache(maxsize=1)
def all_rules() -> tuple[Rule, ...]:
    rules = []
    for name in RULE_MODULES:
        module = importlib.import_module(f"shoring.rules.{name}")
        rules.append(module.RULE)
    return tuple(rules)


def rule_by_id(rule_id: str) -> Rule | None:
    for r in all_rules():
        if r.id == rule_id:
            return r
    return None
