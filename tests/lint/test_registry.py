"""The rule registry and the rules folder agree: a rule file nobody registered never runs, and a
registered name without a file fails only when lint first loads the rules."""

from __future__ import annotations

import importlib
from collections import Counter
from pathlib import Path

import shoring.rules
from shoring.lint.base import Rule
from shoring.lint.registry import RULE_MODULES, all_rules

RULES_DIR = Path(shoring.rules.__file__).parent


def rule_files() -> set[str]:
    return {p.stem for p in RULES_DIR.glob("*.py") if p.name != "__init__.py"}


def test_every_rule_module_is_registered_once():
    twice = sorted(name for name, n in Counter(RULE_MODULES).items() if n > 1)
    assert twice == [], f"registered more than once in shoring.lint.registry.RULE_MODULES: {twice}"


def test_registry_equals_the_rule_files():
    registered = set(RULE_MODULES)
    unregistered = sorted(rule_files() - registered)
    missing = sorted(registered - rule_files())
    assert unregistered == [], f"rule files not in shoring.lint.registry.RULE_MODULES (they never run): {unregistered}"
    assert missing == [], f"registered rules with no file in {RULES_DIR}: {missing}"


def test_every_rule_file_holds_one_rule_named_after_it():
    """Only rules live in rules/ (the linter's own modules are in shoring.lint), and a rule's id is its file's name."""
    for name in sorted(rule_files()):
        rule = getattr(importlib.import_module(f"shoring.rules.{name}"), "RULE", None)
        assert isinstance(rule, Rule), f"shoring/rules/{name}.py has no RULE: move it out of rules/"
        assert rule.id.replace("-", "_") == name, f"shoring/rules/{name}.py holds rule {rule.id}"


def test_rule_ids_are_unique():
    twice = sorted(rule_id for rule_id, n in Counter(r.id for r in all_rules()).items() if n > 1)
    assert twice == []
