"""Lint migration files: read them, analyse them oldest first, run the rules, apply suppressions.

Files in shoring's (and dbmate's) format have a header and `-- migrate:up` / `-- migrate:down`
sections. Any other SQL file (Flyway `V1__x.sql`, Alembic `--sql` output, a hand-written script)
is "plain": the whole file is the up section, and it runs in one transaction unless it manages
its own with BEGIN/COMMIT or says `-- Transaction: false`.
"""

from __future__ import annotations

import os
import pickle
import re
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from shoring.analysis.analyze import analyze_migration, import_engine, parse_section, python_statement, replay
from shoring.analysis.catalog import Catalog
from shoring.analysis.versions import ServerVersion, parse_server_version
from shoring.errors import MigrationFileError
from shoring.lint.base import Finding, MigrationContext, Rule
from shoring.lint.files import FLYWAY_NAME as _FLYWAY_NAME
from shoring.lint.files import SHORING_NAME as _SHORING_NAME
from shoring.lint.files import (  # noqa: F401 - the linter's API, defined where a cached re-lint reads it
    LintOptions, LintResult, collect_files, display_path, display_paths, gc_paused, in_folder,
    resolved_parent,
)
from shoring.lint.registry import all_rules
from shoring.lint.suppressions import apply_suppressions

_MARKER = re.compile(r"^[ \t]*--[ \t]*migrate:(up|down)\b", re.I | re.M)
_EXPLICIT_TX = re.compile(r"^\s*(?:BEGIN|START\s+TRANSACTION)\s*(?:TRANSACTION|WORK)?\s*;", re.I | re.M)


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


def load_file(path: Path, as_apply_reads: bool = False):
    """(migration, kind) for a file; MigrationFileError when it cannot be read as one. `as_apply_reads`:
    the file is in the project's migrations folder, so what `apply` refuses is refused here too."""
    from shoring.migrations.model import is_flyway_file, parse_python_migration, parse_sql_migration, read_text

    text = read_text(path)
    version, name = _version_and_name(path)
    if path.suffix == ".py":
        migration = parse_python_migration(path, version, name, text)
        return migration, migration.kind  # "python" (code) or "operations"
    if _MARKER.search(text):
        return parse_sql_migration(path, version, name, text), "shoring"
    strict = as_apply_reads and _SHORING_NAME.match(path.name) is not None and not is_flyway_file(path)
    return parse_sql_migration(path, version, name, text, require_up=strict), "plain"


def _as_loaded(path: Path, migration, as_apply_reads: bool):
    """(migration, kind) exactly as `load_file` would make them from the file, for a migration already
    read; None when `load_file` would read it otherwise (then it reads the file)."""
    from shoring.migrations.model import is_flyway_file

    if migration.undo_path is not None or is_flyway_file(path) or (migration.version, migration.name) != _version_and_name(path):
        return None
    if path.suffix == ".py":
        return migration, migration.kind
    markers = {m.group(1).lower() for m in _MARKER.finditer(migration.text)}
    if markers:
        return (migration, "shoring") if "up" in markers else None  # no up: load_file refuses it
    strict = as_apply_reads and _SHORING_NAME.match(path.name) is not None
    return None if strict else (migration, "plain")


def duplicate_versions(files: list[Path]) -> dict[Path, str]:
    """path -> the file whose version it repeats, for files of one folder whose versions are equal as
    numbers (020260101000000 is 20260101000000), as `apply` refuses them."""
    from shoring.migrations.discovery import same_version

    first: dict[tuple[Path, object], Path] = {}
    out: dict[Path, str] = {}
    parents: dict[Path, Path] = {}
    for path in files:
        m = _FLYWAY_NAME.match(path.name)
        if (m and m.group(1).upper() != "V") or not (m or _SHORING_NAME.match(path.name)):
            continue  # undo and repeatable files, and unversioned SQL, have no version of their own
        key = (resolved_parent(path, parents), same_version(_version_and_name(path)[0].replace("_", ".")))
        if key in first:
            out[path] = first[key].name
        else:
            first[key] = path
    return out


def lint_files(files: list[Path], options: LintOptions) -> LintResult:
    """Lint files oldest first (each file's analysis sees the schema the earlier ones built)."""
    with gc_paused():
        return _lint_files(files, options)


def _lint_files(files: list[Path], options: LintOptions) -> LintResult:
    version = parse_server_version(options.engine, options.server_version)
    rules = [r for r in all_rules() if options.engine in r.engines]
    active = [r for r in rules if r.id not in options.exclude]
    checks: dict[str, dict[str, list]] = {"up": {}, "down": {}}
    migration_rules: list[Rule] = []
    for r in active:
        if r.per_operation:
            for section in r.sections:
                for k in r.kinds:
                    checks[section].setdefault(k, []).append(r.check)
        else:
            migration_rules.append(r)
    undo_of = _undo_files(files)
    consumed = set(undo_of.values())
    run = _Run(options, version, {r.id for r in rules}, checks, migration_rules, undo_of,
               display_paths(files, options.root), duplicate_versions(files))
    to_lint = [p for p in files if p not in consumed]  # an undo file is linted as the down section of its V file
    if options.report is not None:  # a changed undo file is reported through its V file
        changed_undo = {os.path.realpath(v) for v, u in undo_of.items() if os.path.realpath(u) in options.report}
        run.report = options.report | changed_undo
    jobs = _jobs(options, len(to_lint))
    done = _lint_parallel(run, to_lint, jobs) if jobs > 1 else None
    findings, statements = done if done is not None else _lint_slice(run, to_lint)
    reported = len(files) if run.report is None else sum(os.path.realpath(p) in run.report for p in files)
    return LintResult(findings=findings, files=reported, statements=statements, version=version, rules=active)


@dataclass
class _Run:
    """What every file of one lint run shares (built once; forked workers inherit it)."""

    options: LintOptions
    version: ServerVersion
    known: set[str]  # ids of this engine's rules: a suppression may name any of them
    checks: dict[str, dict[str, list]]  # section -> operation kind -> the per-operation checks, in rule order
    migration_rules: list[Rule]
    undo_of: dict[Path, Path]
    shown_of: dict[Path, str]
    duplicates: dict[Path, str] = field(default_factory=dict)
    report: frozenset[str] | None = None  # files to report on (realpath); None: all

    def lint(self, path: Path, read, catalog: Catalog) -> tuple[list[Finding], int]:
        """A file's findings and statement count, given what `_read` returned; moves the catalog past it."""
        if self.report is not None and os.path.realpath(path) not in self.report:
            _replay(path, read, catalog, self.options.engine)  # unchanged: it only builds the schema
            return [], 0
        options, shown = self.options, self.shown_of[path]
        if isinstance(read, MigrationFileError):
            if "invalid-migration-file" in options.exclude:
                return [], 0
            return [Finding("invalid-migration-file", "error", shown, read.line or 1, 1, read.message,
                            "-- fix the line named above; see `shoring lint --explain invalid-migration-file`")], 0
        migration, kind, parsed = read
        duplicate = self.duplicates.get(path)
        if duplicate is not None and "invalid-migration-file" not in options.exclude:
            found_first = [Finding("invalid-migration-file", "error", shown, 1, 1,
                                   f"duplicate version {migration.version} (also used by {duplicate}): apply refuses the folder",
                                   "-- give one of the two files a new version (shoring new NAME writes one)")]
        else:
            found_first = []
        ctx = _analyse(path, shown, migration, kind, self.version, catalog, options, self.undo_of.get(path),
                       self.shown_of, parsed)
        found: list[Finding] = found_first
        for section in ("up", "down"):
            by_kind = self.checks[section]
            for st in ctx.section(section):
                for op in st.operations:
                    for check in by_kind.get(op.kind, ()):
                        found.extend(check(ctx, st, op))
        for rule in self.migration_rules:
            found.extend(rule.check(ctx))
        if kind == "operations":
            found = _not_handled(ctx, found)
        kept = apply_suppressions(ctx, found, self.known, options.exclude)
        kept.sort(key=lambda f: (f.line, f.column, f.rule))
        return kept, len(ctx.up) + len(ctx.down)


def _not_handled(ctx: MigrationContext, found: list[Finding]) -> list[Finding]:
    """Findings an operation does not handle itself (its `lint_handled`), at the line it is written on;
    those it can only soften (its `lint_warns`) as warnings."""
    from dataclasses import replace

    handled: dict[int, frozenset[str]] = {}
    warns: dict[int, frozenset[str]] = {}
    for line, op in ctx.migration.operations():
        handled[line] = handled.get(line, frozenset()) | op.lint_handled
        warns[line] = warns.get(line, frozenset()) | op.lint_warns
    return [replace(f, severity="warning") if f.severity == "error" and f.rule in warns.get(f.line, ()) else f
            for f in found if f.rule not in handled.get(f.line, ())]


def _read(path: Path, engine: str, migrations_dir: Path | None = None, parents: dict[Path, Path] | None = None,
          loaded: dict[Path, object] | None = None):
    """(migration, kind, {"up": statements, "down": statements}) for a file, or its MigrationFileError.

    Reading and parsing need no catalog: a worker parses all its files before it knows the schema
    they start from. `parents`: each folder resolved once per run, not once per file. `loaded`: the
    migrations the caller already read (LintOptions.loaded).
    """
    try:
        in_project = migrations_dir is not None and resolved_parent(path, parents) == migrations_dir
        known = loaded.get(path) if loaded else None
        as_loaded = _as_loaded(path, known, in_project) if known is not None else None
        migration, kind = as_loaded or load_file(path, as_apply_reads=in_project)
        parsed = None if kind == "python" else {d: parse_section(migration, d, engine) for d in ("up", "down")}
    except MigrationFileError as exc:  # unreadable, or operations that cannot be compiled for this engine
        return exc
    return migration, kind, parsed


def _replay(path: Path, read, catalog: Catalog, engine: str) -> None:
    """What linting the file does to the catalog (its up section replayed), without the analysis."""
    if isinstance(read, MigrationFileError):
        return
    migration, kind, parsed = read
    catalog.begin(f"{migration.version}:{path}")
    if parsed is not None:
        replay(parsed["up"], engine, catalog)


# --- several processes ------------------------------------------------------------------------------
# Files are linted oldest first because each one's analysis needs the schema the earlier ones built.
# In parallel, each process takes a contiguous slice of the files, reads and parses it (most of the
# work, and independent of the schema), then waits for the catalog its slice starts from: the process
# before it replays its own slice into its starting catalog (cheap: no facts, no rules) and passes
# the result on. Then every process lints its slice as the serial loop would, and this one (which
# takes the first slice) joins the findings in order: the output is the serial run's, byte for byte.

#: Files per process below which forking and passing catalogs cost more than they save (on 2 CPUs:
#: 50 files no gain, 100 files 0.33 s -> 0.31 s, 200 files 0.47 s -> 0.39 s).
PARALLEL_MIN_FILES = 50
#: Each process waits for the catalog of the slices before it (about 40 ms a hop for 1000 files),
#: and a container's CPU quota may be far below the CPUs it sees: never more processes by default.
PARALLEL_MAX_JOBS = 8


def _jobs(options: LintOptions, files: int) -> int:
    if options.jobs is not None:
        return max(1, min(options.jobs, files))
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, PARALLEL_MAX_JOBS, files // PARALLEL_MIN_FILES))


def _lint_slice(run: _Run, paths: list[Path], start=None, forward=None) -> tuple[list[Finding], int]:
    """Findings and statement count of `paths`, from the catalog `start` sends (pickled; None: empty).

    With `forward`, first send the catalog after `paths` there. Alone (neither), read each file just
    before linting it; in a chain, read and parse them all before waiting for the catalog.
    """
    engine = run.options.engine
    folder = run.options.migrations_dir.resolve() if run.options.migrations_dir is not None else None
    parents: dict[Path, Path] = {}
    if start is None and forward is None:
        reads = (_read(p, engine, folder, parents, run.options.loaded) for p in paths)
        catalog = _first_catalog(run.options)
    else:
        reads = [_read(p, engine, folder, parents, run.options.loaded) for p in paths]
        snapshot = start.recv_bytes() if start is not None else pickle.dumps(_first_catalog(run.options))
        if forward is not None:
            catalog = pickle.loads(snapshot)
            for path, read in zip(paths, reads):
                _replay(path, read, catalog, engine)
            # from a thread: the next process takes it only when it has parsed its own slice
            sending = threading.Thread(target=_send, args=(forward, pickle.dumps(catalog, pickle.HIGHEST_PROTOCOL)),
                                       daemon=True)
            sending.start()
        catalog = pickle.loads(snapshot)
    findings: list[Finding] = []
    statements = 0
    for path, read in zip(paths, reads):
        found, count = run.lint(path, read, catalog)
        findings.extend(found)
        statements += count
    if forward is not None:
        sending.join()
    return findings, statements


def _first_catalog(options: LintOptions) -> Catalog:
    """What the first file starts from: a copy of the live schema read for this run, or an empty catalog."""
    return options.catalog.copy() if options.catalog is not None else Catalog()


def _send(conn, data: bytes) -> None:
    try:
        conn.send_bytes(data)
    except OSError:
        pass  # the next process is gone: the run is failing, and falls back to the serial one


def _worker(run: _Run, paths: list[Path], start, forward, results) -> None:
    try:
        out = ("ok", *_lint_slice(run, paths, start, forward))
    except BaseException as exc:  # noqa: BLE001 - the parent lints serially, which raises it where it belongs
        out = ("failed", repr(exc))
    results.send(out)


def _lint_parallel(run: _Run, paths: list[Path], jobs: int) -> tuple[list[Finding], int] | None:
    """Lint in `jobs` processes, forked so that they share every import; None if a worker failed."""
    import multiprocessing
    from multiprocessing.connection import wait

    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return None  # spawned workers would import everything again: not worth it
    if threading.active_count() > 1:
        return None  # forking a process with other threads can deadlock the child on a lock one of them held
    import_engine(run.options.engine)  # before forking, so that no worker imports it again
    fork = multiprocessing.get_context("fork")
    size = -(-len(paths) // jobs)
    slices = [paths[i:i + size] for i in range(0, len(paths), size)]
    links = [fork.Pipe(duplex=False) for _ in slices[1:]]  # (receive, send): slice i's catalog comes from slice i-1
    workers = []
    try:
        for i, chunk in enumerate(slices[1:], 1):
            receive, send = fork.Pipe(duplex=False)
            start, forward = links[i - 1][0], links[i][1] if i < len(links) else None
            proc = fork.Process(target=_worker, args=(run, chunk, start, forward, send), daemon=True)
            proc.start()
            workers.append((proc, receive))
            for end in (start, forward, send):  # the worker's ends: only it holds them, so its death reads as EOF
                if end is not None:
                    end.close()
        try:
            findings, statements = _lint_slice(run, slices[0], None, links[0][1] if links else None)
        except Exception:  # noqa: BLE001 - the serial run raises it (or an earlier file's) where it belongs
            return None
        for proc, receive in workers:
            try:
                out = receive.recv() if receive in wait([receive, proc.sentinel]) else None
            except (EOFError, OSError):
                out = None  # it died without a word
            if out is None or out[0] != "ok":
                return None
            findings.extend(out[1])
            statements += out[2]
        return findings, statements
    finally:
        for proc, _ in workers:
            if proc.is_alive():
                proc.terminate()
            proc.join()


def _analyse(path: Path, shown: str, migration, kind: str, version: ServerVersion, catalog: Catalog,
             options: LintOptions, undo: Path | None, shown_of: dict[Path, str],
             parsed: dict[str, list] | None = None) -> MigrationContext:
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
        parsed = parsed or {}
        up = analyze_migration(migration, engine, version, direction="up", catalog=catalog, statements=parsed.get("up"))
        down = analyze_migration(migration, engine, version, direction="down", catalog=catalog,
                                 statements=parsed.get("down"))
    down_display = None
    if undo is not None and kind == "plain" and not down:
        # a Flyway undo script is this migration's down section
        from shoring.analysis.analyze import analyze_statements
        from shoring.migrations.model import LineIndex, read_text, split_statements

        text = read_text(undo)
        statements = split_statements(text, engine, undo, LineIndex(text))
        down = analyze_statements(statements, engine, version, catalog=catalog.copy(),
                                  transactional=migration.transactional_on(engine), section="down")
        down_display = shown_of.get(undo) or display_path(undo, options.root)
    runner = {}
    if kind in ("shoring", "python", "operations"):
        if callable(options.runner_settings):
            options.runner_settings = options.runner_settings()
        runner = options.runner_settings
    from shoring.engines.description import describe

    return MigrationContext(
        path=path, display=shown, engine=engine, version=version, kind=kind, migration=migration,
        up=up, down=down, catalog=catalog, wrapped=migration.transactional_on(engine) and describe(engine).transactional_ddl,
        runner_settings=runner, new_columns=set(catalog.added), undo_file=undo,
        explicit_transactions=explicit, down_display=down_display,
    )
