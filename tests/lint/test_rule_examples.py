"""Every rule's docs page exists, matches the rule, and its Bad and Good examples lint as it says."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from shoring.lint.docs import HEADING, render_page
from shoring.lint.registry import all_rules

from .conftest import lint_text, rules_of

DOCS = Path(__file__).resolve().parents[2] / "docs" / "rules"
ENGINE_OF = {v: k for k, v in HEADING.items()}
CASES = [(r.id, engine) for r in all_rules() for engine in r.engines]


def examples_on_page(rule_id: str) -> dict[tuple[str, str], str]:
    """{(Bad|Good, engine): sql} read from docs/rules/<id>.md, the page users read."""
    text = (DOCS / f"{rule_id}.md").read_text(encoding="utf-8")
    found = {}
    for m in re.finditer(r"^## (Bad|Good) \(([^)]+)\)\n\n```sql\n(.*?)\n```", text, re.M | re.S):
        found[(m.group(1), ENGINE_OF[m.group(2)])] = m.group(3) + "\n"
    return found


@pytest.mark.parametrize("rule_id", [r.id for r in all_rules()])
def test_docs_page_is_current(rule_id):
    rule = next(r for r in all_rules() if r.id == rule_id)
    page = DOCS / f"{rule_id}.md"
    assert page.is_file(), f"missing {page}; run: python -m shoring.lint.docs docs/rules"
    assert page.read_text(encoding="utf-8") == render_page(rule), "stale page; run: python -m shoring.lint.docs docs/rules"


def test_docs_index_lists_every_rule():
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for rule in all_rules():
        assert f"[{rule.id}]({rule.id}.md)" in index
    stray = {p.stem for p in DOCS.glob("*.md")} - {r.id for r in all_rules()} - {"README"}
    assert not stray, f"pages for rules that do not exist: {stray}"


@pytest.mark.parametrize("rule_id,engine", CASES)
def test_bad_example_is_caught(rule_id, engine, tmp_path):
    bad = examples_on_page(rule_id)[("Bad", engine)]
    findings = lint_text(tmp_path, bad, engine)
    assert rule_id in rules_of(findings), [(f.rule, f.message) for f in findings]


@pytest.mark.parametrize("rule_id,engine", CASES)
def test_good_example_passes(rule_id, engine, tmp_path):
    good = examples_on_page(rule_id)[("Good", engine)]
    findings = lint_text(tmp_path, good, engine)
    assert rule_id not in rules_of(findings)
    loud = [(f.rule, f.severity, f.message) for f in findings if f.severity in ("error", "warning")]
    assert not loud, "a Good example must lint without errors or warnings"


def test_every_rule_has_an_example_per_engine():
    for rule in all_rules():
        assert set(rule.examples) == set(rule.engines), rule.id
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.id)
        assert rule.severity in ("error", "warning", "info")
