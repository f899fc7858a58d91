"""Every rule, by module: one module per rule, listed here as data."""

from __future__ import annotations

import importlib
from functools import lru_cache

from shoring.rules.base import Rule

#: Rule modules in the order `shoring rules` lists them (grouped by hazard).
RULE_MODULES: tuple[str, ...] = (
    # reading the files
    "parse_error",
    "invalid_migration_file",
    "unused_suppression",
    "python_migration_not_analysed",
    # locks and rewrites (PostgreSQL)
    "create_index_without_concurrently",
    "drop_index_without_concurrently",
    "non_transactional_in_transaction",
    "reindex_without_concurrently",
    "detach_partition_without_concurrently",
    "vacuum_full_or_cluster",
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
