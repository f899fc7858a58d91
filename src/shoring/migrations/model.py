"""A migration file read from disk: header metadata, up and down sections, checksum."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from shoring.errors import MigrationFileError, ShoringError
from shoring.migrations.checksum import checksum
from shoring.migrations.header import Metadata, parse_bool, parse_header
from shoring.statement_splitter import LineIndex, SplitError, split_sql

_MARKER = re.compile(r"^[ \t]*--[ \t]*migrate:(\S*)(.*)$", re.I | re.M)
_MARKER_NAMES = ("up", "down")


@dataclass(frozen=True)
class Statement:
    index: int  # 1-based within its section
    sql: str
    line: int  # 1-based line in the file
    column: int
    leading: str = ""  # the comments just above it (suppressions live there)
    action: Any = field(default=None, compare=False)  # runs in place of `sql` (a backfill's batch loop)


@dataclass(frozen=True)
class Section:
    text: str
    offset: int  # where the section's text starts in the file
    line: int  # line of the marker


@dataclass
class Migration:
    version: str
    name: str
    path: Path
    kind: str  # "sql", "python" (up(ctx)/down(ctx) code) or "operations" (a Python file's operations = [...])
    text: str
    metadata: Metadata
    up: Section | None
    down: Section | None
    checksum: str = field(default="")
    python_functions: frozenset[str] = frozenset()
    undo_path: Path | None = None  # a Flyway U file holding the down section

    @property
    def transactional(self) -> bool:
        if self.kind == "operations" and self.metadata.transaction is None:
            return not any(op.outside_transaction for _, op in self.operations())
        return self.metadata.transaction is not False

    def transactional_on(self, dialect: str) -> bool:
        """transactional, on this engine: an operation may need to commit statement by statement on one only."""
        if self.kind == "operations" and self.metadata.transaction is None:
            return not any(op.outside_transaction_on(dialect) for _, op in self.operations())
        return self.transactional

    @property
    def has_down(self) -> bool:
        if self.kind == "python":
            return "down" in self.python_functions
        if self.kind == "operations":
            return all(undoable_somewhere(op) for _, op in self.operations())
        return self.down is not None and bool(self.down.text.strip(" \t\r\n;"))

    def reversible_on(self, dialect: str) -> bool:
        """has_down, on this engine (an operation may be undoable on one engine and not on another)."""
        if self.kind != "operations":
            return self.has_down
        from shoring.operations.dialects import DIALECTS

        return all(undoable(op, DIALECTS[dialect]) for _, op in self.operations())

    @property
    def has_sql(self) -> bool:
        """Whether it runs as SQL statements shoring can read (a SQL file, or compiled operations)."""
        return self.kind in ("sql", "operations")

    def operations(self) -> list:
        """(line, operation) of an operations migration (imports the file once)."""
        cache = self.__dict__
        if "_operations" not in cache:
            from shoring.operations.compile import load_operations

            cache["_operations"] = load_operations(self)
        return cache["_operations"]

    @property
    def label(self) -> str:
        return f"{self.version} {self.name}"

    @cached_property
    def _line_index(self) -> LineIndex:
        return LineIndex(self.text)

    def statements(self, direction: str, dialect: str) -> list[Statement]:
        """The SQL statements of the up or down section, split as `dialect` reads them (cached)."""
        key = (direction, dialect)
        cache = self.__dict__.setdefault("_statements", {})
        if key not in cache:
            section = self.up if direction == "up" else self.down
            if self.kind == "operations":
                cache[key] = self._compiled(direction, dialect)
            elif self.kind != "sql" or section is None:
                cache[key] = []
            elif direction == "down" and self.undo_path is not None:
                cache[key] = split_statements(section.text, dialect, self.undo_path, LineIndex(section.text))
            else:
                cache[key] = split_statements(section.text, dialect, self.path, self._line_index, section.offset)
        return cache[key]

    def _compiled(self, direction: str, dialect: str) -> list[Statement]:
        from shoring.operations.compile import compile_operations

        if direction == "down" and not self.reversible_on(dialect):
            return []
        return [Statement(index=i, sql=sql, line=line, column=1, action=action)
                for i, (line, sql, action) in enumerate(compile_operations(self, direction, dialect), 1)]

    def load_module(self) -> Any:
        """Import a Python migration (only when it is about to run)."""
        import importlib.util

        spec = importlib.util.spec_from_file_location(f"shoring_migration_{self.version}", self.path)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except Exception as exc:  # the user's code: report it as a file error, at its line in this file
            import traceback

            here = self.path.resolve()
            lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == here]
            line = lines[-1] if lines else getattr(exc, "lineno", None)
            what = exc.message if isinstance(exc, ShoringError) else f"{type(exc).__name__}: {exc}"
            raise MigrationFileError(f"cannot import: {what}", path=self.path, line=line) from None
        return module


def raise_site(exc: BaseException, path: Path) -> str | None:
    """`file:line` where the user's code raised `exc`: the innermost frame of the migration file or of the
    user's own modules (not shoring's, the standard library's or an installed package's, whose lines say
    nothing about the migration), shown relative to the current folder when it can be."""
    import sysconfig
    import traceback

    import shoring

    skip = [str(Path(shoring.__file__).resolve().parent)] + [
        str(Path(p).resolve()) for p in {sysconfig.get_paths()[k] for k in ("stdlib", "purelib", "platlib")}]
    here = path.resolve()
    frames = traceback.extract_tb(exc.__traceback__)
    mine = [f for f in frames if Path(f.filename).resolve() == here
            or not any(str(Path(f.filename).resolve()).startswith(s) for s in skip)]
    if not mine:
        return None
    frame = mine[-1]
    shown = Path(frame.filename)
    try:
        shown = shown.resolve().relative_to(Path.cwd())
    except ValueError:
        pass
    return f"{shown}:{frame.lineno}"


def undoable(op: Any, dialect: Any) -> bool:
    from shoring.errors import ShoringError

    try:
        return op.down(dialect) is not None
    except ShoringError:
        return True  # undoable, but not written this way on this engine: compiling for it says more


def undoable_somewhere(op: Any) -> bool:
    """Without an engine: the operation has a down on an engine it compiles for (or compiles for none here)."""
    from shoring.errors import ShoringError
    from shoring.operations.dialects import DIALECTS

    compiled = False
    for dialect in DIALECTS.values():
        try:
            if op.down(dialect) is not None:
                return True
        except ShoringError:
            continue
        compiled = True
    return not compiled


def split_statements(text: str, dialect: str, path: Path | str, index: LineIndex, offset: int = 0) -> list[Statement]:
    try:
        fragments = split_sql(text, dialect)
    except SplitError as exc:
        line, _ = index.position(offset + exc.offset)
        raise MigrationFileError(exc.message, path=path, line=line) from None
    out = []
    for i, frag in enumerate(fragments, 1):
        line, column = index.position(offset + frag.start)
        out.append(Statement(index=i, sql=frag.sql, line=line, column=column, leading=frag.leading))
    return out


_FILENAME = re.compile(r"^(\d+)_(.+)\.(sql|py)$")
#: Flyway's versioned migrations, V<version>__<description>.sql, where 1_1 means 1.1: they run unchanged.
_FLYWAY_FILENAME = re.compile(r"^V(\d+(?:[._]\d+)*)__(.+)\.sql$")
#: Flyway's undo files, U<version>__<description>.sql: the down section of the V file of that version.
_FLYWAY_UNDO = re.compile(r"^U(\d+(?:[._]\d+)*)__.+\.sql$")
#: Flyway's repeatable files (R__) have no shoring equivalent: refused by name.
_FLYWAY_UNSUPPORTED = re.compile(r"^R__.+\.sql$")


def parse_filename(path: Path) -> tuple[str, str, str] | None:
    m = _FILENAME.match(path.name)
    if m:
        return m.group(1), m.group(2), m.group(3)
    m = _FLYWAY_FILENAME.match(path.name)
    if m:
        return m.group(1).replace("_", "."), m.group(2), "sql"
    return None


def is_flyway_file(path: Path) -> bool:
    return bool(_FLYWAY_FILENAME.match(path.name))


def flyway_undo_version(path: Path) -> str | None:
    m = _FLYWAY_UNDO.match(path.name)
    return m.group(1).replace("_", ".") if m else None


def attach_undo(mig: Migration, path: Path) -> None:
    """A Flyway U file becomes the down section of its V file (the checksum covers both)."""
    text = read_text(path)
    if mig.down is not None and mig.down.text.strip():
        raise MigrationFileError(f"{mig.path.name} has a '-- migrate:down' section and this undo file too: keep one", path=path)
    mig.down = Section(text=text, offset=0, line=1)
    mig.undo_path = path
    mig.checksum = checksum(mig.text + "\n-- undo: " + path.name + "\n" + text)


def read_text(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise MigrationFileError(f"cannot read: {exc.strerror}", path=path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise MigrationFileError("not UTF-8 text", path=path, line=line) from None
    nul = text.find("\x00")
    if nul >= 0:
        # no engine takes a NUL inside SQL text (PostgreSQL and SQLite refuse it, drivers truncate):
        # a file holding one is damaged, and refused before anything runs
        line = text.count("\n", 0, nul) + 1
        column = nul - (text.rfind("\n", 0, nul) + 1) + 1
        raise MigrationFileError(f"contains a NUL byte (column {column}); the file is damaged or not text",
                                 path=path, line=line)
    return text


def parse_sql_migration(path: Path, version: str, name: str, text: str, *, require_up: bool = True) -> Migration:
    """Parse shoring's (and dbmate's) format: header, `-- migrate:up`, `-- migrate:down`.

    With require_up=False (linting files from other tools) a file without markers is all up section.
    """
    markers: dict[str, tuple[int, int, int]] = {}  # name -> (marker start, body start, line)
    options_transaction = None
    index = LineIndex(text)
    for m in _MARKER.finditer(text):
        which = m.group(1).lower()
        line = index.line(m.start())
        if which not in _MARKER_NAMES:
            import difflib

            close = difflib.get_close_matches(which, _MARKER_NAMES, n=1, cutoff=0.5)
            hint = f" (did you mean 'migrate:{close[0]}'?)" if close else ""
            raise MigrationFileError(f"unknown section marker 'migrate:{which}'{hint}", path=path, line=line)
        if which in markers:
            raise MigrationFileError(f"second '-- migrate:{which}' (first on line {markers[which][2]})", path=path, line=line)
        body_start = m.end() + 1 if m.end() < len(text) else m.end()
        markers[which] = (m.start(), body_start, line)
        opts = m.group(2).strip()
        if opts:
            om = re.fullmatch(r"transaction\s*:\s*(\S+)", opts, re.I)
            if not om or which != "up":
                raise MigrationFileError(f"unknown option {opts!r} after 'migrate:{which}'", path=path, line=line)
            options_transaction = parse_bool(om.group(1), "transaction", path, line)
    if "up" not in markers:
        if require_up:
            if "down" in markers:
                raise MigrationFileError("'-- migrate:down' without '-- migrate:up' before it", path=path, line=markers["down"][2])
            raise MigrationFileError("no '-- migrate:up' section (every migration needs one)", path=path, line=1)
        header_end = 0
        up = Section(text=text if "down" not in markers else text[: markers["down"][0]], offset=0, line=1)
    else:
        header_end = markers["up"][0]
        up_end = markers["down"][0] if "down" in markers else len(text)
        if "down" in markers and markers["down"][0] < markers["up"][0]:
            raise MigrationFileError("'-- migrate:down' comes before '-- migrate:up'", path=path, line=markers["down"][2])
        up = Section(text=text[markers["up"][1] : up_end], offset=markers["up"][1], line=markers["up"][2])
    down = None
    if "down" in markers:
        down = Section(text=text[markers["down"][1] :], offset=markers["down"][1], line=markers["down"][2])
    header_lines = list(enumerate(text[:header_end].splitlines(), 1)) if "up" in markers else _leading_comment_lines(text)
    metadata = parse_header(header_lines, path)
    if options_transaction is not None:
        if metadata.transaction is not None and metadata.transaction != options_transaction:
            raise MigrationFileError(
                "'-- Transaction:' header and 'migrate:up transaction:' disagree", path=path, line=markers["up"][2]
            )
        from dataclasses import replace

        metadata = replace(metadata, transaction=options_transaction)
    return Migration(
        version=version, name=name, path=path, kind="sql", text=text, metadata=metadata, up=up, down=down,
        checksum=checksum(text),
    )


def _leading_comment_lines(text: str) -> list[tuple[int, str]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.strip().startswith("--"):
            break
        out.append((number, line))
    return out


def parse_python_migration(path: Path, version: str, name: str, text: str) -> Migration:
    """Read a Python migration without running it: header from the docstring, which functions exist."""
    import ast
    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        raise MigrationFileError(f"Python syntax error: {exc.msg}", path=path, line=exc.lineno) from None
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    if "up" not in names and "operations" not in names:
        raise MigrationFileError("Python migration defines neither up(ctx) nor operations = [...]", path=path, line=1)
    if "operations" in names and ("up" in names or "down" in names):
        raise MigrationFileError("Python migration defines both operations = [...] and up(ctx)/down(ctx): use one",
                                 path=path, line=1)
    doc = ast.get_docstring(tree, clean=False) or ""
    header: list[tuple[int, str]] = []
    if doc and tree.body and isinstance(tree.body[0], ast.Expr):
        first = tree.body[0].lineno
        header = [(first + i, line) for i, line in enumerate(doc.splitlines())]
    metadata = parse_header(header, path, comment_prefix=False)
    return Migration(
        version=version, name=name, path=path, kind="operations" if "operations" in names else "python", text=text, metadata=metadata, up=None, down=None,
        checksum=checksum(text), python_functions=frozenset(names),
    )


def parse_migration_file(path: Path) -> Migration:
    parsed = parse_filename(path)
    if parsed is None and _FLYWAY_UNSUPPORTED.match(path.name):
        raise MigrationFileError("Flyway repeatable migrations (R__) are not supported: make it a versioned migration", path=path)
    if parsed is None:
        raise MigrationFileError(
            "cannot tell the version from the file name (name it <version>_<name>.sql or .py, e.g. 20240128093000_add_users.sql)",
            path=path,
        )
    version, name, ext = parsed
    text = read_text(path)
    if ext == "py":
        return parse_python_migration(path, version, name, text)
    # A Flyway file is plain SQL: all of it is the up section (it may still use shoring's markers).
    return parse_sql_migration(path, version, name, text, require_up=not is_flyway_file(path))
