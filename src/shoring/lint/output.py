"""Lint results as text, JSON (DESIGN.md contract), SARIF 2.1.0 and GitHub workflow annotations."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from shoring.lint.base import Rule
    from shoring.lint.cache import Stored
    from shoring.lint.files import LintResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_COMMAND = {"error": "error", "warning": "warning", "info": "notice"}
INFORMATION_URI = "https://github.com/shoring/shoring"


def summary(result: LintResult) -> dict[str, Any]:
    counts = {s: sum(f.severity == s for f in result.findings) for s in ("error", "warning", "info")}
    return {"files": result.files, "statements": result.statements, **{f"{k}s" if k != "info" else k: v for k, v in counts.items()}}


def to_json(result: LintResult, engine: str, *, indent: int | None = None) -> str:
    """Compact unless asked: indenting makes `json` encode in Python, not C (0.1 s for 10k findings)."""
    return json.dumps({
        "engine": engine,
        "server_version": result.version.label,
        "findings": [f.to_dict() for f in result.findings],
        "summary": summary(result),
    }, indent=indent)


def stored_to_json(stored: Stored, engine: str, version_label: str) -> str:
    """`to_json` of a result read from the lint cache, byte for byte, with the findings passed
    through as the text they were stored as (to_json's compact form)."""
    summary = {"files": stored.files, "statements": stored.statements, "errors": stored.errors,
               "warnings": stored.warnings, "info": stored.info}
    return (f'{{"engine": {json.dumps(engine)}, "server_version": {json.dumps(version_label)}, '
            f'"findings": {stored.findings_json}, "summary": {json.dumps(summary)}}}')


def to_sarif(result: LintResult, version: str, all_rules: tuple[Rule, ...]) -> str:
    used = sorted({f.rule for f in result.findings})
    rules = [r for r in all_rules if r.id in used]
    index = {r.id: i for i, r in enumerate(rules)}
    descriptors = [{
        "id": r.id,
        "name": "".join(part.capitalize() for part in r.id.split("-")),
        "shortDescription": {"text": r.summary},
        "fullDescription": {"text": r.why},
        "help": {"text": f"{r.why}\nFix: {r.fix}", "markdown": f"{r.why}\n\n**Fix:** {r.fix}"},
        "defaultConfiguration": {"level": SARIF_LEVEL[r.severity]},
        "properties": {"engines": list(r.engines)},
    } for r in rules]
    results = []
    for f in result.findings:
        text = f.message + (f"\n{f.suggestion}" if f.suggestion else "")
        entry: dict[str, Any] = {
            "ruleId": f.rule,
            "level": SARIF_LEVEL[f.severity],
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": f.file},
                "region": {"startLine": f.line, "startColumn": f.column},
            }}],
        }
        if f.rule in index:
            entry["ruleIndex"] = index[f.rule]
        if f.suggestion:
            entry["properties"] = {"suggestion": f.suggestion}
        results.append(entry)
    return json.dumps({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "shoring", "version": version, "informationUri": INFORMATION_URI,
                                "rules": descriptors}},
            "results": results,
            "columnKind": "unicodeCodePoints",
        }],
    }, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def to_github(result: LintResult) -> str:
    lines = []
    for f in result.findings:
        body = f.message + (f"\n{f.suggestion}" if f.suggestion else "")
        lines.append(
            f"::{GITHUB_COMMAND[f.severity]} file={_escape_property(f.file)},line={f.line},col={f.column},"
            f"title={_escape_property(f.rule)}::{_escape_data(body)}"
        )
    return "\n".join(lines)


_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}


def print_text(result: LintResult, console) -> None:
    from rich.text import Text

    for f in result.findings:
        line = Text()
        line.append(f"{f.file}:{f.line}:{f.column}", style="bold")
        line.append(" ")
        line.append(f.rule, style=_STYLE[f.severity])
        line.append(" ")
        line.append(f.message)
        console.print(line, soft_wrap=True)
        if f.suggestion:
            for s in f.suggestion.splitlines():
                console.print(Text("    " + s, style="dim" if s.lstrip().startswith("--") else "green"), soft_wrap=True)
    s = summary(result)
    parts = [f"{s['errors']} error{'s' * (s['errors'] != 1)}", f"{s['warnings']} warning{'s' * (s['warnings'] != 1)}",
             f"{s['info']} info"]
    status = "bold red" if s["errors"] else ("yellow" if s["warnings"] else "green")
    console.print(Text(f"{', '.join(parts)} in {s['files']} file{'s' * (s['files'] != 1)} "
                       f"({s['statements']} statements, {result.version.label})", style=status))
