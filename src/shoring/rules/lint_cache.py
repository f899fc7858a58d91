"""A cache of lint results (ruff's idea): an unchanged tree re-lints without parsing a statement.

One entry per lint run, a JSON file under ``<project>/.shoring/cache/lint/`` (or ``$SHORING_CACHE_DIR/lint``)
named by the SHA-256 of everything the verdict depends on:

- shoring's version and a fingerprint of its own source files (name, size, mtime: a rule edited in a
  development install is a new rule set), the engine's rule ids and the excluded ones;
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
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

from shoring.rules.base import Finding

#: Bumped when an entry's layout changes: older entries are then simply never found.
FORMAT = 1
#: Entries kept per cache folder; older ones are removed when a new one is written.
KEEP = 32


def cache_dir(root: Path) -> Path:
    base = os.environ.get("SHORING_CACHE_DIR")
    return (Path(base) if base else root / ".shoring" / "cache") / "lint"


def _source_fingerprint() -> str:
    """shoring's own code as it is on disk: a changed rule or fact is a different verdict."""
    import shoring

    package = Path(shoring.__file__).parent
    digest = hashlib.sha256()
    for folder, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            if name.endswith((".py", ".toml", ".json")):
                st = os.stat(os.path.join(folder, name))
                digest.update(f"{os.path.relpath(os.path.join(folder, name), package)}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def run_key(files: list[Path], shown: dict[Path, str], in_project: dict[Path, bool], parts: dict) -> str:
    """The key of one run: `parts` (engine, version, config, rules...) and every file, in lint order."""
    from shoring import __version__

    digest = hashlib.sha256()
    digest.update(json.dumps({"format": FORMAT, "shoring": __version__, "source": _source_fingerprint(), **parts},
                             sort_keys=True, default=str).encode())
    for path in files:
        content = hashlib.sha256(path.read_bytes()).hexdigest()
        digest.update(f"\n{shown[path]}\0{int(in_project[path])}\0{content}".encode())
    return digest.hexdigest()


def load(folder: Path, key: str) -> tuple[list[Finding], int, int] | None:
    """(findings, files, statements) stored under `key`, or None when absent or unreadable."""
    try:
        data = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if data.get("key") != key or data.get("format") != FORMAT:
            return None
        findings = [Finding(**f) for f in data["findings"]]
        return findings, int(data["files"]), int(data["statements"])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None  # absent, truncated, or not ours: lint again and overwrite it


def store(folder: Path, key: str, findings: list[Finding], files: int, statements: int) -> None:
    """Write the entry atomically (a reader never sees half of it); a cache that cannot be written is no error."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps({"format": FORMAT, "key": key, "files": files, "statements": statements,
                           "findings": [f.to_dict() for f in findings]})
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(body)
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
