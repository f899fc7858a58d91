"""Lint migration files: read them, analyse them oldest first, run the rules, apply suppressions.

Files in shoring's (and dbmate's) format have a header and `-- migrate:up` / `-- migrate:down`
sections. Any other SQL file (Flyway `V1__x.sql`, Alembic `--sql` output, a hand-written script)
is "plain": the whole file is the up section, and it runs in one transaction unless it manages
its own with BEGIN/COMMIT or says `-- Transaction: false`.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from shoring.analysis.analyze import analyze_migration, python_statement
from shoring.analysis.catalog import Catalog
from shoring.analysis.versions import ServerVersion, parse_server_version
from shoring.errors import MigrationFileError
from shoring.rules.base import Finding, MigrationContext, Rule
from shoring.rules.registry import all_rules
from shoring.rules.suppressions import apply_suppressions

_SHORING_NAME = re.compile(r"^(\d+)_(.+)\.(sql|py)$")
_FLYWAY_NAME = re.compile(r"^([VUR])(\d+(?:[._]\d+)*)?__(.+)\.sql$", re.I)
_MARKER = re.compile(r"^[ \t]*--[ \t]*migrate:(up|down)\b", re.I | re.M)
_EXPLICIT_TX = re.compile(r"^\s*(?:BEGIN|START\s+TRANSACTION)\s*(?:TRANSACTION|WORK)?\s*;", re.I | re.M)


@dataclass
class LintOptions:
    engine: str = "postgresql"
    server_version: str | None = None
    exclude: frozenset[str] = frozenset()  # rule ids
    exclude_paths: tuple[str, ...] = ()  # glob patterns, relative to root
    root: Path = field(default_factory=Path.cwd)
    runner_settings: dict[str, bool] = field(default_factory=dict)  # timeouts shoring's runner sets


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
    seen: set[Path] = set()
    for p in paths:
        if p.is_dir():
            candidates = sorted(x for x in p.rglob("*") if x.is_file() and x.suffix in (".sql", ".py")
                                and not any(part.startswith((".", "__")) for part in x.relative_to(p).parts))
        else:
            candidates = [p]
        for c in candidates:
            if c.suffix == ".py" and not _SHORING_NAME.match(c.name):
                continue  # helper modules, Alembic env.py...: not migrations shoring can read
            r = c.resolve()
            if r in seen or _excluded(c, options):
                continue
            seen.add(r)
            found.append(c)
    found.sort(key=_order_key)
    return found


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
    m = _SHORING_NAME.match(path.name)
    if m:
        return (0, (int(m.group(1)),), path.name)
    m = _FLYWAY_NAME.match(path.name)
    if m and m.group(2):
        rank = {"V": 0, "U": 1}.get(m.group(1).upper(), 2)
        return (0, tuple(int(x) for x in re.split(r"[._]", m.group(2))), str(rank) + path.name)
    parts = tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name))
    return (1, (), str(parts))


def _undo_files(files: list[Path]) -> dict[Path, Path]:
    """V<version>__x.sql -> the Flyway U<version>__y.sql beside it, among the files being linted."""
    undo: dict[tuple[Path, str], Path] = {}
    for p in files:
        m = _FLYWAY_NAME.match(p.name)
        if m and m.group(1).upper() == "U" and m.group(2):
            undo.setdefault((p.parent, m.group(2)), p)
    out = {}
    for p in files:
        m = _FLYWAY_NAME.match(p.name)
        if m and m.group(1).upper() == "V" and m.group(2) and (p.parent, m.group(2)) in undo:
            out[p] = undo[(p.parent, m.group(2))]
    return out


def _version_and_name(path: Path) -> tuple[str, str]:
    m = _SHORING_NAME.match(path.name)
    if m:
        return m.group(1), m.group(2)
    m = _FLYWAY_NAME.match(path.name)
    if m:
        return (m.group(2) or "R"), m.group(3)
    return path.stem, path.stem


def load_file(path: Path):
    """(migration, kind) for a file; MigrationFileError when it cannot be read as one."""
    from shoring.migrations.model import parse_python_migration, parse_sql_migration, read_text

    text = read_text(path)
    version, name = _version_and_name(path)
    if path.suffix == ".py":
        return parse_python_migration(path, version, name, text), "python"
    if _MARKER.search(text):
        return parse_sql_migration(path, version, name, text), "shoring"
    return parse_sql_migration(path, version, name, text, require_up=False), "plain"


def display_paths(files: list[Path], root: Path) -> dict[Path, str]:
    """Each file as findings print it: relative to the working directory when it is inside it."""
    import os

    cwd = os.getcwd()
    out = {}
    for p in files:
        absolute = os.path.abspath(p)
        rel = os.path.relpath(absolute, cwd)
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


def lint_files(files: list[Path], options: LintOptions) -> LintResult:
    """Lint files oldest first (each file's analysis sees the schema the earlier ones built)."""
    import gc

    # Parse trees are many small dicts that die young; the cyclic collector would rescan the
    # long-lived catalog and findings after every few thousand of them, for nothing (it tripled the time).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _lint_files(files, options)
    finally:
        if enabled:
            gc.enable()


def _lint_files(files: list[Path], options: LintOptions) -> LintResult:
    version = parse_server_version(options.engine, options.server_version)
    rules = [r for r in all_rules() if options.engine in r.engines]
    active = [r for r in rules if r.id not in options.exclude]
    by_kind: dict[str, list[Rule]] = {}
    migration_rules: list[Rule] = []
    for r in active:
        if r.per_operation:
            for k in r.kinds:
                by_kind.setdefault(k, []).append(r)
        else:
            migration_rules.append(r)
    catalog = Catalog()
    findings: list[Finding] = []
    statements = 0
    undo_of = _undo_files(files)
    consumed = set(undo_of.values())
    shown_of = display_paths(files, options.root)
    for path in files:
        if path in consumed:
            continue  # linted as the down section of its V file
        shown = shown_of[path]
        try:
            migration, kind = load_file(path)
        except MigrationFileError as exc:
            if "invalid-migration-file" not in options.exclude:
                findings.append(Finding("invalid-migration-file", "error", shown, exc.line or 1, 1, exc.message,
                                        "-- fix the line named above; see `shoring lint --explain invalid-migration-file`"))
            continue
        ctx = _analyse(path, shown, migration, kind, version, catalog, options, undo_of.get(path), shown_of)
        statements += len(ctx.up) + len(ctx.down)
        file_findings: list[Finding] = []
        for section in ("up", "down"):
            for st in ctx.section(section):
                for op in st.operations:
                    for rule in by_kind.get(op.kind, ()):
                        if section in rule.sections:
                            file_findings.extend(rule.check(ctx, st, op))
        for rule in migration_rules:
            file_findings.extend(rule.check(ctx))
        kept = apply_suppressions(ctx, file_findings, {r.id for r in rules}, options.exclude)
        kept.sort(key=lambda f: (f.line, f.column, f.rule))
        findings.extend(kept)
    return LintResult(findings=findings, files=len(files), statements=statements, version=version, rules=active)


def _analyse(path: Path, shown: str, migration, kind: str, version: ServerVersion, catalog: Catalog,
             options: LintOptions, undo: Path | None, shown_of: dict[Path, str]) -> MigrationContext:
    engine = options.engine
    key = f"{migration.version}:{path}"
    catalog.begin(key)
    explicit = False
    if kind == "python":
        up = [python_statement(migration, "up")]
        down = [python_statement(migration, "down")] if migration.has_down else []
    else:
        if kind == "plain" and migration.metadata.transaction is None and _EXPLICIT_TX.search(migration.text):
            from dataclasses import replace

            # the file manages its own transactions: statements outside BEGIN..COMMIT autocommit
            migration = replace(migration, metadata=replace(migration.metadata, transaction=False))
            explicit = True
        up = analyze_migration(migration, engine, version, direction="up", catalog=catalog)
        down = analyze_migration(migration, engine, version, direction="down", catalog=catalog)
    down_display = None
    if undo is not None and kind == "plain" and not down:
        # a Flyway undo script is this migration's down section
        from shoring.analysis.analyze import analyze_statements
        from shoring.migrations.model import LineIndex, read_text, split_statements

        text = read_text(undo)
        statements = split_statements(text, engine, undo, LineIndex(text))
        down = analyze_statements(statements, engine, version, catalog=catalog, transactional=migration.transactional,
                                  section="down", replay=False)
        down_display = shown_of.get(undo) or display_path(undo, options.root)
    runner = options.runner_settings if kind in ("shoring", "python") else {}
    from shoring.analysis.analyze import TRANSACTIONAL_DDL

    return MigrationContext(
        path=path, display=shown, engine=engine, version=version, kind=kind, migration=migration,
        up=up, down=down, catalog=catalog, wrapped=migration.transactional and TRANSACTIONAL_DDL[engine],
        runner_settings=runner, new_columns=set(catalog.added), undo_file=undo,
        explicit_transactions=explicit, down_display=down_display,
    )
