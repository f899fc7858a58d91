"""What a lint run is given and what it returns, and which files it lints, in which order.

Kept apart from the linter (and free of the parser, the analysis and the rules) because a re-lint
answered from the lint cache needs only this: the files, their order and their displayed paths
make the cache key, and the stored findings are the result.
"""

from __future__ import annotations

import fnmatch
import gc
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:
    from shoring.analysis.catalog import Catalog
    from shoring.analysis.versions import ServerVersion
    from shoring.lint.base import Finding, Rule

SHORING_NAME = re.compile(r"^(\d+)_(.+)\.(sql|py)$")
FLYWAY_NAME = re.compile(r"^([VUR])(\d+(?:[._]\d+)*)?__(.+)\.sql$", re.I)


@dataclass
class LintOptions:
    engine: str = "postgresql"
    server_version: str | None = None
    exclude: frozenset[str] = frozenset()  # rule ids
    exclude_paths: tuple[str, ...] = ()  # glob patterns, relative to root
    root: Path = field(default_factory=Path.cwd)
    # Timeouts shoring's runner sets itself, or a function that reads them: called only when a file in
    # shoring's format needs them (reading them imports the runner, 45 ms a plain-SQL run need not pay).
    runner_settings: dict[str, bool] | Callable[[], dict[str, bool]] = field(default_factory=dict)
    jobs: int | None = None  # processes to lint with; None: chosen from the CPUs, their load and the files
    # The project's migrations folder: its files are read exactly as `apply` reads them (a file named
    # <version>_<name>.sql there needs its `-- migrate:up` marker), other paths as plain SQL from other tools.
    migrations_dir: Path | None = None
    # The schema the first file starts from: the live database's (`lint --database`), else nothing known.
    catalog: Catalog | None = None
    # `lint --changed-since`: the files to report on (os.path.realpath); the others only feed the schema.
    report: frozenset[str] | None = None
    # Migrations the caller already read and parsed (`shoring plan`), by path: linted as they are, so
    # each file is read and parsed once per command. A file read differently from how lint reads it
    # (a Flyway file, an undo file attached, a plain SQL file) is read again.
    loaded: dict[Path, Any] | None = None


@dataclass
class LintResult:
    findings: list[Finding]
    files: int
    statements: int
    version: ServerVersion
    rules: list[Rule]

    @property
    def errors(self) -> int:
        return sum(f.severity == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.severity == "warning" for f in self.findings)


def collect_files(paths: list[Path], options: LintOptions) -> list[Path]:
    """SQL and Python migration files under the given files and folders, minus excluded paths."""
    found: list[Path] = []
    seen: set[str] = set()
    for p in paths:
        if p.is_dir():
            candidates = [(p / rel, real) for rel, real in sorted(_migration_files(p), key=lambda c: c[0].split("/"))]
        else:
            candidates = [(p, None)]
        for c, real in candidates:
            if c.suffix == ".py" and not SHORING_NAME.match(c.name):
                continue  # helper modules, Alembic env.py...: not migrations shoring can read
            r = real or os.path.realpath(c)  # Path.resolve(), without building a Path
            if r in seen or _excluded(c, options):
                continue
            seen.add(r)
            found.append(c)
    found.sort(key=_order_key)
    return found


def _migration_files(top: Path) -> Iterator[tuple[str, str | None]]:
    """(path relative to `top`, its realpath or None when it is a symbolic link) of every .sql and .py
    file under `top`, as `top.rglob("*")` finds them (symbolic links to folders are not entered), less
    those with a part starting with "." or "__" (.git, __pycache__, hidden files).

    One scandir per folder and no Path per entry: for a thousand files it is a fifth of rglob's time,
    which a re-lint from the cache mostly consists of."""
    stack = [("", os.path.realpath(top), os.fspath(top))]
    while stack:
        rel, real, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except (PermissionError, FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            name = entry.name
            if name.startswith((".", "__")):
                continue
            child = f"{rel}{name}"
            if entry.is_dir() and not entry.is_symlink():
                stack.append((child + "/", f"{real}/{name}", entry.path))
            elif name.endswith((".sql", ".py")) and entry.is_file():
                yield child, (None if entry.is_symlink() else f"{real}/{name}")


def _excluded(path: Path, options: LintOptions) -> bool:
    if not options.exclude_paths:
        return False
    try:
        rel = path.resolve().relative_to(options.root.resolve()).as_posix()
    except ValueError:
        rel = path.as_posix()
    return any(fnmatch.fnmatch(rel, pat) or fnmatch.fnmatch(path.name, pat) for pat in options.exclude_paths)


def _order_key(path: Path) -> tuple:
    """Versioned files first in version order (shoring/dbmate numbers, Flyway V1_2), then by name."""
    m = SHORING_NAME.match(path.name)
    if m:
        return (0, (int(m.group(1)),), path.name)
    m = FLYWAY_NAME.match(path.name)
    if m and m.group(2):
        rank = {"V": 0, "U": 1}.get(m.group(1).upper(), 2)
        return (0, tuple(int(x) for x in re.split(r"[._]", m.group(2))), str(rank) + path.name)
    parts = tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))
    return (1, (), str(parts))


def display_paths(files: list[Path], root: Path) -> dict[Path, str]:
    """Each file as findings print it: relative to the working directory when it is inside it."""
    cwd = os.getcwd()
    inside = cwd.rstrip(os.sep) + os.sep
    out = {}
    for p in files:
        absolute = os.path.abspath(p)
        # os.path.relpath, for the paths under cwd it would not start with "..": a third of the time
        rel = absolute[len(inside):] if absolute.startswith(inside) else os.path.relpath(absolute, cwd)
        out[p] = Path(rel).as_posix() if not rel.startswith("..") else Path(absolute).as_posix()
    return out


def display_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        try:
            return path.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            return path.as_posix()


def resolved_parent(path: Path, parents: dict[Path, Path] | None = None) -> Path:
    """`path.parent.resolve()`, remembered in `parents` (one run's memo): a folder of a thousand
    files is resolved once, not a thousand times."""
    parent = path.parent
    if parents is None:
        return parent.resolve()
    real = parents.get(parent)
    if real is None:
        real = parents[parent] = parent.resolve()
    return real


def in_folder(files: list[Path], folder: Path | None) -> dict[Path, bool]:
    """Whether each file is directly in `folder` (already resolved)."""
    parents: dict[Path, Path] = {}
    return {p: folder is not None and resolved_parent(p, parents) == folder for p in files}


@contextmanager
def gc_paused():
    """Parse trees are many small dicts that die young; the cyclic collector would rescan the
    long-lived catalog and findings after every few thousand of them, for nothing (it tripled the
    lint time, and doubles the time to write 11k findings as JSON)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
