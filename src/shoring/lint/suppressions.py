"""`-- shoring:ignore <rule>[, <rule>] reason` silences rules for the next statement;
`-- shoring:ignore-file <rule>[, <rule>] reason` for the whole file. A suppression that silences
nothing is reported, so stale ones do not pile up and hide the next real problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shoring.lint.base import Finding, MigrationContext

_COMMENT = re.compile(r"(?:--|#)[ \t]*shoring:(ignore-file|ignore)\b[ \t]*([^\n]*)", re.I)
_IDS = re.compile(r"([a-z0-9][a-z0-9-]*(?:[ \t]*,[ \t]*[a-z0-9][a-z0-9-]*)*)[ \t]*(.*)", re.I)
UNUSED_RULE = "unused-suppression"


@dataclass
class Suppression:
    scope: str  # "file" or "statement"
    rules: list[str]
    reason: str
    line: int
    column: int
    target: tuple[str, int] | None = None  # (section, statement index)


def parse_comment(rest: str) -> tuple[list[str], str]:
    m = _IDS.match(rest.strip())
    if not m:
        return [], rest.strip()
    return [r.strip().lower() for r in m.group(1).split(",")], m.group(2).strip()


def find_suppressions(ctx: MigrationContext) -> list[Suppression]:
    text = ctx.migration.text
    line_starts = [0] + [m.end() for m in re.finditer("\n", text)]
    import bisect

    attached: dict[int, tuple[str, int]] = {}  # comment line -> statement it precedes
    for section in ("up", "down"):
        for st in ctx.section(section):
            leading = st.leading
            if "shoring:" not in leading:
                continue
            for m in _COMMENT.finditer(leading):
                if m.group(1).lower() == "ignore":
                    attached[st.line - leading[m.start():].count("\n")] = (section, st.index)
    out = []
    for m in _COMMENT.finditer(text):
        line = bisect.bisect_right(line_starts, m.start())
        column = m.start() - line_starts[line - 1] + 1
        rules, reason = parse_comment(m.group(2))
        if m.group(1).lower() == "ignore-file":
            out.append(Suppression("file", rules, reason, line, column))
        else:
            out.append(Suppression("statement", rules, reason, line, column, attached.get(line)))
    return out


def apply_suppressions(ctx: MigrationContext, findings: list[Finding], known: set[str],
                       excluded: frozenset[str]) -> list[Finding]:
    """Findings minus the suppressed ones, plus one for each suppression that silenced nothing."""
    if "shoring:" not in ctx.migration.text:
        return findings
    sups = find_suppressions(ctx)
    used: set[tuple[int, str]] = set()
    kept = []
    for f in findings:
        silenced = False
        for s in sups:
            if f.rule not in s.rules:
                continue
            if s.scope == "file" or (s.target is not None and s.target == (f.section, f.statement)):
                used.add((s.line, f.rule))
                silenced = True
        if not silenced:
            kept.append(f)
    if UNUSED_RULE in excluded:
        return kept
    from shoring.lint.registry import rule_by_id

    severity = rule_by_id(UNUSED_RULE).severity
    for s in sups:
        if not s.rules:
            kept.append(Finding(UNUSED_RULE, severity, ctx.display, s.line, s.column,
                                "suppression names no rule", "-- shoring:ignore <rule-id> <why>"))
            continue
        if s.scope == "statement" and s.target is None:
            kept.append(Finding(UNUSED_RULE, severity, ctx.display, s.line, s.column,
                                "suppression is not followed by a statement",
                                "-- put `-- shoring:ignore <rule> <why>` on the line just above the statement it is for"))
            continue
        for rule in s.rules:
            if (s.line, rule) in used or rule in excluded:
                continue
            if rule not in known and rule_by_id(rule) is None:
                msg = f"suppression names unknown rule '{rule}'"
                hint = "-- `shoring rules` lists the rule ids"
            elif rule not in known:
                continue  # a rule of another engine: the same file may be linted for it too
            else:
                where = "in this file" if s.scope == "file" else "on the next statement"
                msg = f"suppression of {rule} matches no finding {where}"
                hint = "-- delete this suppression"
            kept.append(Finding(UNUSED_RULE, severity, ctx.display, s.line, s.column, msg, hint))
    return kept
