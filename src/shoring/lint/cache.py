"""A cache of lint results (ruff's idea): an unchanged tree re-lints without parsing a statement.

One entry per lint run, a JSON file under ``<project>/.shoring/cache/lint/`` (or ``$SHORING_CACHE_DIR/lint``)
named by the SHA-256 of everything the verdict depends on:

- shoring's version and a fingerprint of its own source files (name, size, mtime: a rule edited in a
  development install is a new rule set; the rules and which engines each checks are in them), the
  list of rule modules and the excluded rule ids;
- the engine, the server version lint assumes, the config file's bytes and the settings lint reads
  (lint section, lock_timeout, statement_timeout, the migrations folder);
- every file of the run in lint order: its path as findings print it, whether it is in the project's
  migrations folder, and the SHA-256 of its content. A file's verdict depends on the schema the files
  before it built (a table created earlier is exempt from some rules), so one key over the whole
  ordered list is the only key that can never serve a stale verdict: changing, adding, removing or
  renaming any file re-lints the run;
- the files lint reports on (`--changed-since`), when it reports on a subset.

A run with `--database` is not cached: its verdict depends on the live schema, read anew each run.
An entry that cannot be read (truncated, edited, another shoring's) is ignored and rewritten.

An entry is one JSON object whose last member is the findings exactly as `lint --format json` prints
them, and whose other members (the key, the counts, the findings' length) come first: a hit reads
those and passes the findings through as text, neither decoding nor encoding 10k findings again
(most of a re-lint's time otherwise). Other formats decode them.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shoring.lint.base import Finding

#: Bumped when an entry's layout changes: older entries are then simply never found.
FORMAT = 2
#: Entries kept per cache folder; older ones are removed when a new one is written.
KEEP = 32
#: What separates an entry's small members from its findings (no other member holds a string
#: that could contain it: the key is hexadecimal, the rest are numbers).
_FINDINGS = ', "findings": '


@dataclass(frozen=True)
class Stored:
    """One run's result as stored: the findings as JSON text, and the counts the summary and the
    exit code need."""

    findings_json: str
    files: int
    statements: int
    errors: int
    warnings: int
    info: int

    def findings(self) -> list[Finding]:
        from shoring.lint.base import Finding

        return [Finding(**f) for f in json.loads(self.findings_json)]


def cache_dir(root: Path) -> Path:
    base = os.environ.get("SHORING_CACHE_DIR")
    return (Path(base) if base else root / ".shoring" / "cache") / "lint"


def _source_fingerprint() -> str:
    """shoring's own code as it is on disk: a changed rule or fact is a different verdict.

    Names, sizes and modification times, no content: one stat per file, a few milliseconds."""
    import shoring

    package = os.path.dirname(shoring.__file__)
    lines: list[str] = []
    stack = [("", package)]
    while stack:
        rel, folder = stack.pop()
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for entry in entries:
            name = entry.name
            if entry.is_dir():
                if name != "__pycache__":
                    stack.append((f"{rel}{name}/", entry.path))
            elif name.endswith((".py", ".toml", ".json")):
                st = entry.stat()
                lines.append(f"{rel}{name}\0{st.st_size}\0{st.st_mtime_ns}\n")
    return hashlib.sha256("".join(sorted(lines)).encode()).hexdigest()


def run_key(files: list[Path], shown: dict[Path, str], in_project: dict[Path, bool], parts: dict) -> str:
    """The key of one run: `parts` (engine, version, config, rules...) and every file, in lint order."""
    from shoring import __version__

    digest = hashlib.sha256()
    digest.update(json.dumps({"format": FORMAT, "shoring": __version__, "source": _source_fingerprint(), **parts},
                             sort_keys=True, default=str).encode())
    for path in files:
        with open(path, "rb") as f:
            content = hashlib.sha256(f.read()).hexdigest()
        digest.update(f"\n{shown[path]}\0{int(in_project[path])}\0{content}".encode())
    return digest.hexdigest()


def load(folder: Path, key: str) -> Stored | None:
    """The result stored under `key`, or None when absent or unreadable."""
    try:
        with open(folder / f"{key}.json", encoding="utf-8") as f:
            text = f.read()
        head, sep, rest = text.partition(_FINDINGS)
        if not sep or not rest.endswith("}"):
            return None
        data = json.loads(head + "}")
        findings = rest[:-1]
        if (data.get("key") != key or data.get("format") != FORMAT or len(findings) != data["length"]
                or not (findings.startswith("[") and findings.endswith("]"))):
            return None
        return Stored(findings, int(data["files"]), int(data["statements"]),
                      int(data["errors"]), int(data["warnings"]), int(data["info"]))
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # absent, truncated, or not ours: lint again and overwrite it


def store(folder: Path, key: str, findings: list[Finding], files: int, statements: int) -> None:
    """Write the entry atomically (a reader never sees half of it); a cache that cannot be written is no error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        listed = json.dumps([f.to_dict() for f in findings])  # as `lint --format json` writes them
        severities = [f.severity for f in findings]
        head = json.dumps({"format": FORMAT, "key": key, "files": files, "statements": statements,
                           "errors": severities.count("error"), "warnings": severities.count("warning"),
                           "info": severities.count("info"), "length": len(listed)})
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(head[:-1] + _FINDINGS + listed + "}")
        os.replace(tmp, folder / f"{key}.json")
        _prune(folder)
    except OSError:
        pass


def _prune(folder: Path) -> None:
    entries = sorted(folder.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        try:
            old.unlink()
        except OSError:
            pass
