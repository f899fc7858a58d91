"""Statements in, analysed statements out: parse, look up the facts, replay into the catalog."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Iterable

from shoring.analysis.catalog import CHANGING_KINDS, Catalog
from shoring.analysis.model import (
    SQLITE_DATABASE,
    AnalyzedStatement,
    Effect,
    Operation,
    stronger,
)
from shoring.analysis.versions import ServerVersion, parse_server_version
from shoring.engines.description import describe

def _facts(engine: str):
    return importlib.import_module(describe(engine).facts)


def _reader(engine: str):
    return importlib.import_module(describe(engine).parser).reader(engine)


def import_engine(engine: str) -> None:
    """Import the engine's parser and facts now, so that processes forked afterwards share them."""
    _reader(engine)
    _facts(engine)
    importlib.import_module(describe(engine).parser_library)


def version_of(engine: str, server_version: ServerVersion | str | None) -> ServerVersion:
    if isinstance(server_version, ServerVersion):
        return server_version
    return parse_server_version(engine, server_version)


def analyze_statements(
    statements: Iterable[Any],
    engine: str = "postgresql",
    server_version: ServerVersion | str | None = None,
    *,
    catalog: Catalog | None = None,
    transactional: bool = True,
    section: str = "up",
) -> list[AnalyzedStatement]:
    """Analyse statements (objects with index, sql, line, column and leading, like migrations.Statement).

    Each statement is analysed against the catalog as the ones before it left it, and replayed into
    it. To analyse without changing a catalog (a down section), pass `catalog.copy()`.
    `transactional` says whether the runner wraps them in one transaction (where the engine allows it).
    """
    version = version_of(engine, server_version)
    catalog = catalog if catalog is not None else Catalog()
    parse = _reader(engine)
    facts = _facts(engine)
    from shoring.analysis.postgresql import ParseProblem

    ddl_commits = not describe(engine).transactional_ddl  # DDL commits whatever came before it (MySQL)
    wrapped = transactional and not ddl_commits
    out: list[AnalyzedStatement] = []
    session: dict[str, str] = dict(catalog.settings)  # the server's defaults where known, then the file's SETs
    block = 1 if wrapped else 0
    in_block = wrapped
    for st in statements:
        a = AnalyzedStatement(index=st.index, line=st.line, column=st.column, sql=st.sql, section=section,
                              leading=getattr(st, "leading", ""))
        try:
            ops = st.ops if getattr(st, "ops", None) is not None else parse(st.sql)
        except ParseProblem as exc:
            a.error, a.error_offset = exc.message, exc.offset
            a.transactional = True
            a.in_transaction, a.transaction = in_block and not ddl_commits, block if in_block else None
            out.append(a)
            continue
        ops = facts.refine(ops, catalog, session)
        a.action = getattr(st, "action", None)
        # an action that runs in place of the statement says how that changes its facts
        adjust = getattr(a.action, "adjust_effect", None)
        if a.action is not None:
            for op in ops:
                if op.kind in ("update", "delete"):
                    op.attrs["batched"] = True  # one key range per round, each committed by itself
                op.attrs.update(getattr(a.action, "op_marks", {}))
        for op in ops:
            if op.table is None and op.kind in ("drop_index", "reindex", "rename_index") and op.name in catalog.index_table:
                op.table = catalog.index_table[op.name]  # the index's table, known from an earlier CREATE INDEX
            if op.table and op.kind != "create_table":
                op.new_table = catalog.is_new(op.table)
            if op.kind == "alter_column_type":
                if "timezone" in session:
                    op.attrs["time_zone"] = session["timezone"]
                if op.get("old_type") is None:
                    col = catalog.column(op.table, op.column)
                    if col is not None:
                        op.attrs["old_type"] = col.type
                op.attrs["checks"] = [c.name or "(unnamed)" for c in catalog.checks_on(op.table, op.column)]
            if op.column and (op.table, op.column) in catalog.added and op.kind != "add_column":
                op.attrs["new_column"] = True  # added earlier in this migration: no running code reads it yet
            if op.kind == "set" and op.name:
                value = str(op.get("value", ""))
                if value == "DEFAULT":
                    session.pop(op.name, None)
                    value = catalog.settings.get(op.name)
                if value is not None:
                    session[op.name] = value
            elif op.kind == "reset":
                for name in list(session) if op.name == "all" else [op.name]:
                    session.pop(name, None)
                    if name in catalog.settings:
                        session[name] = catalog.settings[name]
            eff = facts.effect(op, version, catalog)
            if adjust is not None:
                eff = adjust(eff)
            a.operations.append(op)
            a.effects.append(eff)
            catalog.apply(op)
        _combine(a, facts)
        # transaction blocks: the runner's wrapper, explicit BEGIN/COMMIT, MySQL's implicit commits
        actions = [op.get("action") for op in a.operations if op.kind == "transaction"]
        if "begin" in actions and not in_block:
            block += 1
            in_block = True
        if ddl_commits and not a.transactional:
            a.in_transaction, a.transaction = False, None  # DDL commits whatever came before it
        else:
            a.in_transaction, a.transaction = in_block, block if in_block else None
        if any(x in ("commit", "rollback") for x in actions):
            in_block = False
        out.append(a)
    return out


def replay(statements: list[ParsedStatement], engine: str, catalog: Catalog) -> None:
    """What analysing an up section does to the catalog, without the analysis (a tenth of its cost).

    Parallel lint uses it to give each process the schema its first file starts from. Only the
    operations reach the catalog (see analyze_statements): a statement the parser rejects changes
    nothing, and MySQL's MODIFY is refined against the catalog first.
    """
    refine = _facts(engine).refine
    for st in statements:
        if st.ops is None:
            continue
        for op in refine(st.ops, catalog, {}):
            catalog.apply(op)


def _combine(a: AnalyzedStatement, facts: Any) -> None:
    """Statement-level facts from its operations' effects (one pass: it runs for every statement)."""
    tables: list[str] = []
    index_names = set()
    for op in a.operations:
        if op.table and op.table not in tables:
            tables.append(op.table)
        if op.name and op.kind in ("drop_index", "reindex", "rename_index"):
            index_names.add(op.name)
    online = None
    transactional = compatible = True
    destructive = False
    locks, rewrites, scans, notes = a.locks, a.rewrites, a.scans, a.notes
    for eff in a.effects:
        transactional = transactional and eff.transactional
        compatible = compatible and eff.backward_compatible
        destructive = destructive or eff.destructive
        for rel, mode in eff.locks.items():
            locks[rel] = stronger(locks.get(rel), mode)
            if rel not in tables and rel not in index_names and rel != SQLITE_DATABASE and not rel.endswith(")"):
                tables.append(rel)
        for rel in eff.rewrites:
            if rel not in rewrites:
                rewrites.append(rel)
        for rel in eff.scans:
            if rel not in scans:
                scans.append(rel)
        if eff.online_ddl is not None:
            online = _worse_online(online, eff.online_ddl)
        if eff.note and eff.note not in notes:
            notes.append(eff.note)
    a.transactional, a.backward_compatible, a.destructive = bool(transactional), bool(compatible), bool(destructive)
    a.tables = tables
    facts.blocks(a, online)


def _worse_online(a: tuple[str, str] | None, b: tuple[str, str]) -> tuple[str, str]:
    from shoring.analysis.model import MYSQL_ALGORITHM_ORDER

    if a is None:
        return b
    alg = a[0] if MYSQL_ALGORITHM_ORDER.index(a[0]) >= MYSQL_ALGORITHM_ORDER.index(b[0]) else b[0]
    return alg, stronger(a[1], b[1])


def analyze_sql(
    text: str,
    engine: str = "postgresql",
    server_version: ServerVersion | str | None = None,
    *,
    catalog: Catalog | None = None,
    transactional: bool = True,
) -> list[AnalyzedStatement]:
    """Analyse SQL text (any number of statements) as one migration's up section."""
    from shoring.migrations.model import LineIndex, split_statements

    statements = split_statements(text, engine, "<sql>", LineIndex(text))
    catalog = catalog if catalog is not None else Catalog()
    if catalog.current is None:
        catalog.begin("<sql>")
    return analyze_statements(statements, engine, server_version, catalog=catalog, transactional=transactional)


def analyze_migration(
    migration: Any,
    engine: str = "postgresql",
    server_version: ServerVersion | str | None = None,
    *,
    direction: str = "up",
    catalog: Catalog | None = None,
    statements: list[ParsedStatement] | None = None,
) -> list[AnalyzedStatement]:
    """Analyse one section of a `shoring.migrations.Migration`.

    Pass the same `catalog` for every migration, oldest first, to let later migrations know what
    earlier ones created. The up section is replayed into it; the down section into a copy of the
    state after up (see `analyze_down`), so the catalog stays that state. `statements`: the section
    as `parse_section` returned it, when another process parsed it (parsing needs no catalog;
    analysis does).
    """
    if direction == "down":
        return _down(migration, engine, server_version, catalog, statements)[0]
    catalog = catalog if catalog is not None else Catalog()
    _begin(migration, catalog)
    if migration.kind == "python":
        return [python_statement(migration, direction)]
    if statements is None:
        statements = parse_section(migration, direction, engine)
    return analyze_statements(statements, engine, server_version, catalog=catalog,
                              transactional=migration.transactional_on(engine), section=direction)


def analyze_down(
    migration: Any,
    engine: str = "postgresql",
    server_version: ServerVersion | str | None = None,
    *,
    catalog: Catalog | None = None,
    statements: list[ParsedStatement] | None = None,
) -> tuple[list[AnalyzedStatement], Catalog]:
    """The down section, analysed from the state after up (`catalog`, left as it is): each statement
    sees what the ones before it in the section did. Returns the statements and the catalog after
    down (a copy), which `shoring plan` compares with the state before up."""
    catalog = catalog if catalog is not None else Catalog()
    out, after = _down(migration, engine, server_version, catalog, statements)
    return out, after if after is not None else catalog.copy()


def _down(migration: Any, engine: str, server_version: Any, catalog: Catalog | None,
          statements: list[ParsedStatement] | None) -> tuple[list[AnalyzedStatement], Catalog | None]:
    """The down section replayed into a copy of `catalog`; no copy (None) when nothing in it changes
    the schema the catalog knows (a copy costs as much as the catalog is large: lint does this per file)."""
    catalog = catalog if catalog is not None else Catalog()
    _begin(migration, catalog)
    if migration.kind == "python":
        return [python_statement(migration, "down")], None
    if statements is None:
        statements = parse_section(migration, "down", engine)
    after = catalog.copy() if any(_changes(st) for st in statements) else None
    out = analyze_statements(statements, engine, server_version, catalog=after if after is not None else catalog,
                             transactional=migration.transactional_on(engine), section="down")
    return out, after


def _changes(st: Any) -> bool:
    """Whether replaying the statement may change a catalog (unread statements change nothing)."""
    if not hasattr(st, "ops"):
        return True  # not read yet: it may
    return any(op.kind in CHANGING_KINDS or op.kind == "modify_column" for op in st.ops or ())


def _begin(migration: Any, catalog: Catalog) -> None:
    key = f"{migration.version}:{migration.path}"
    if catalog.current != key:
        catalog.begin(key)


def python_statement(migration: Any, direction: str = "up") -> AnalyzedStatement:
    """A Python migration's up(ctx)/down(ctx) as one opaque step (operations = [...] compiles to SQL instead)."""
    what = f"{direction}(ctx)"
    op = Operation("python", attrs={"function": what})
    a = AnalyzedStatement(index=1, line=1, column=1, sql="", section=direction, operations=[op], effects=[Effect()])
    a.backward_compatible = True
    a.notes.append(f"Python migration ({what}): its code is not analysed; locks and rewrites are unknown")
    return a


@dataclass(slots=True)
class ParsedStatement:
    """A statement with its operations already read (PostgreSQL: one parser call per section)."""

    index: int
    sql: str
    line: int
    column: int
    leading: str
    ops: list[Operation]
    action: Any = None  # runs in place of the statement (a backfill's batch loop)


def parse_section(migration: Any, direction: str, engine: str) -> list[ParsedStatement]:
    """A SQL migration's section with each statement's operations read; ops=None where the parser
    failed (analysis parses that one again to report why). Fresh objects on every call: analysis
    annotates the operations it is given."""
    whole = describe(engine).parses_sections and migration.kind == "sql"
    statements = _parsed_section(migration, direction) if whole else None
    if statements is not None:
        return statements
    parse = _reader(engine)
    from shoring.analysis.postgresql import ParseProblem

    out = []
    for st in migration.statements(direction, engine):
        try:
            ops = parse(st.sql)
        except ParseProblem:
            ops = None
        out.append(ParsedStatement(st.index, st.sql, st.line, st.column, st.leading, ops, st.action))
    return out


def _parsed_section(migration: Any, direction: str) -> list[ParsedStatement] | None:
    """The section parsed in one call; None when some statement fails (then each is parsed alone)."""
    from shoring.analysis.postgresql import ParseProblem, parse_many

    section = migration.up if direction == "up" else migration.down
    if section is None:
        return []
    try:
        parsed = parse_many(section.text)
    except ParseProblem:
        return None
    text, body = migration.text, section.text
    out = []
    prev = 0
    at, line = 0, 1  # statements come in order: count the newlines between them, not from the top each time
    for i, (start, end, ops) in enumerate(parsed, 1):
        offset = section.offset + start
        line += text.count("\n", at, offset)
        at = offset
        column = offset - text.rfind("\n", 0, offset)
        leading = body[prev:start]
        semicolon = body.find(";", end)
        prev = semicolon + 1 if semicolon >= 0 else end
        out.append(ParsedStatement(i, body[start:end], line, column, leading, ops))
    return out
