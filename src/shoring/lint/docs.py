"""Each rule's documentation page (docs/rules/<id>.md), rendered from the rule itself.

The pages in the repository are written by `python -m shoring.lint.docs [DIR]`; a test checks they
match, and lints every Bad and Good example they show.
"""

from __future__ import annotations

import sys
from pathlib import Path

from shoring.lint.base import ENGINE_NAMES, Rule

HEADING = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}


def render_page(rule: Rule) -> str:
    engines = ", ".join(ENGINE_NAMES[e] for e in rule.engines)
    out = [
        f"# {rule.id}",
        "",
        f"**Severity:** {rule.severity} · **Engines:** {engines}",
        "",
        rule.summary + ".",
        "",
        "## Why",
        "",
        rule.why,
        "",
        "## Fix",
        "",
        rule.fix,
        "",
    ]
    for engine in rule.engines:
        ex = rule.examples[engine]
        for label, text in (("Bad", ex.bad), ("Good", ex.good)):
            out += [f"## {label} ({HEADING[engine]})", "", "```sql", text.rstrip("\n"), "```", ""]
    if rule.anchors:
        out += ["## Same hazard elsewhere", "", rule.anchors, ""]
    out += ["## Suppress", "", f"`-- shoring:ignore {rule.id} <why>` on the line above the statement, "
            f"or `-- shoring:ignore-file {rule.id} <why>` anywhere in the file.", ""]
    return "\n".join(out)


def write_pages(directory: Path) -> list[Path]:
    from shoring.lint.registry import all_rules

    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in all_rules():
        path = directory / f"{rule.id}.md"
        path.write_text(render_page(rule), encoding="utf-8")
        written.append(path)
    index = ["# Lint rules", "", "| rule | severity | engines | catches |", "|---|---|---|---|"]
    for rule in all_rules():
        engines = ", ".join(HEADING[e] for e in rule.engines)
        index.append(f"| [{rule.id}]({rule.id}.md) | {rule.severity} | {engines} | {rule.summary} |")
    (directory / "README.md").write_text("\n".join(index) + "\n", encoding="utf-8")
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/rules")
    for p in write_pages(target):
        print(p)
