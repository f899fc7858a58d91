"""MySQL/MariaDB and SQLite statements to operations, through sqlglot.

sqlglot reads most DDL of both dialects; what it does not know it returns as a generic `Command`,
which is classified here from its leading words (RENAME TABLE, OPTIMIZE TABLE, CREATE TRIGGER, ...)
so that nothing the server would run goes unnoticed. Imported only when a MySQL or SQLite
migration is analysed: sqlglot takes a few tenths of a second to import.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from shoring.analysis.model import ColumnSpec, Operation
from shoring.analysis.postgresql import ParseProblem
from shoring.engines.description import ENGINES, MYSQL, describe

logging.getLogger("sqlglot").setLevel(logging.ERROR)  # its "falling back to Command" warnings

_DIALECT = {name: d.sqlglot_dialect for name, d in ENGINES.items()}
_TYPE_NAMES = {name: dict(d.sqlglot_type_names) for name, d in ENGINES.items()}  # sqlglot's spelling -> the engine's


def reader(engine: str):
    """The statement reader analysis uses for `engine` (shoring.engines.description names this module)."""
    return lambda sql: parse(sql, engine)


def parse(sql: str, engine: str) -> list[Operation]:
    import sqlglot
    from sqlglot import errors

    dialect = _DIALECT[engine]
    d = describe(engine)
    if d.opens_a_file and not _ALTER_TABLE.match(sql):  # a library Python links: its own parser checks the syntax
        _sqlite_syntax(sql)  # ALTER TABLE forms SQLite lacks are sqlite-unsupported-alter's to explain
    if _COMPOUND.match(sql):
        return _command(sql, engine)  # routine bodies and anonymous blocks: sqlglot reads no compound statements
    if d.online_ddl_clauses:  # ALGORITHM=/LOCK= options, and MariaDB's ALTER ONLINE TABLE
        if _DROP_INDEX_OPTIONS.match(sql):
            return _with_index_options(sql, engine)
        online = _ALTER_ONLINE.match(sql)
        if online:  # MariaDB's ALTER ONLINE TABLE: LOCK=NONE, the server refuses what it cannot do so
            ops = parse(online.group(1) + sql[online.end():], engine)
            for op in ops:
                op.attrs.setdefault("lock", "NONE")
            return ops
        sql = mariadb_as_mysql(sql)
    try:
        trees = [t for t in sqlglot.parse(sql, read=dialect) if t is not None]
    except (errors.ParseError, errors.TokenError) as exc:
        raise ParseProblem(_message(exc), _error_offset(sql, exc)) from None
    ops: list[Operation] = []
    for tree in trees[:1]:  # one statement: a trigger body's inner statements belong to it
        ops.extend(_read(tree, sql, engine))
    return ops


#: sqlglot's descriptions that name its own classes ("Required keyword: 'this' missing for <class
#: 'sqlglot.expressions.query.Where'>"): a user is told where the statement breaks off, not sqlglot's insides.
_INTERNAL = re.compile(r"<class |sqlglot|Required keyword|Invalid expression|Unexpected token", re.I)


#: MariaDB syntax sqlglot does not read, as the MySQL spelling of the same thing (or without a clause
#: that changes nothing the analysis looks at). Each (pattern, replacement) was run on MariaDB 10.11.
_MARIADB_SPELLINGS: list[tuple[re.Pattern[str], str]] = [
    # ALTER INDEX i [NOT] IGNORED, ADD INDEX ... IGNORED: MySQL's INVISIBLE / VISIBLE
    (re.compile(r"\bNOT\s+IGNORED\b", re.I), "VISIBLE"),
    (re.compile(r"\bIGNORED\b", re.I), "INVISIBLE"),
    # ALTER TABLE t WAIT n / NOWAIT: how long to wait for the metadata lock
    (re.compile(r"^(\s*ALTER\s+(?:ONLINE\s+|IGNORE\s+)*TABLE\s+(?:IF\s+EXISTS\s+)?\S+)\s+(?:WAIT\s+\d+|NOWAIT)\b", re.I), r"\1"),
    # CREATE TABLE ... WITH SYSTEM VERSIONING (and a column's WITH/WITHOUT SYSTEM VERSIONING)
    (re.compile(r"\s+WITH(?:OUT)?\s+SYSTEM\s+VERSIONING\b", re.I), ""),
    # CREATE TABLE ... PARTITION BY ...: how the new table is stored, nothing to analyse
    (re.compile(r"^(\s*CREATE\s+(?:OR\s+REPLACE\s+)?TABLE\b.*\))\s*PARTITION\s+BY\b.*$", re.I | re.S), r"\1"),
    # AS (expr) PERSISTENT: MariaDB's word for STORED
    (re.compile(r"\)\s*PERSISTENT\b", re.I), ") STORED"),
    # the inet6 type: read as INET, written back as inet6 (see _type_text)
    (re.compile(r"\binet6\b", re.I), "INET"),
]
_MARIADB_WORDS = re.compile(r"IGNORED|WAIT|SYSTEM\s+VERSIONING|PARTITION\s+BY|PERSISTENT|inet6", re.I)


def mariadb_as_mysql(sql: str) -> str:
    """The statement with MariaDB-only spellings replaced by what sqlglot's MySQL dialect reads."""
    if not _MARIADB_WORDS.search(sql):
        return sql
    for pattern, replacement in _MARIADB_SPELLINGS:
        sql = pattern.sub(replacement, sql)
    return sql


def _message(exc: Exception) -> str:
    errs = getattr(exc, "errors", None)
    if errs:
        desc = errs[0].get("description") or str(exc)
        near = errs[0].get("highlight")
        if _INTERNAL.search(desc):
            desc = "syntax error: something is missing or out of place"
        return f"{desc} near {near!r}" if near else desc
    first = str(exc).splitlines()[0]
    return "syntax error: the statement cannot be read" if _INTERNAL.search(first) else first


_ALTER_TABLE = re.compile(r"\s*ALTER\s+TABLE\s", re.I)
_SQLITE_SYNTAX = re.compile(r"syntax error|incomplete input|unrecognized token", re.I)
_sqlite_parser: Any = None


def _sqlite_syntax(sql: str) -> None:
    """ParseProblem when SQLite's own parser rejects the statement's syntax: EXPLAIN compiles it in an
    empty in-memory database without running it (names that do not exist there are no syntax error)."""
    global _sqlite_parser
    import sqlite3

    if re.match(r"\s*EXPLAIN\b", sql, re.I):
        return
    if _sqlite_parser is None:
        _sqlite_parser = sqlite3.connect(":memory:", check_same_thread=False)
    try:
        _sqlite_parser.execute("EXPLAIN " + sql).fetchall()
    except sqlite3.OperationalError as exc:
        message = str(exc)
        if not _SQLITE_SYNTAX.search(message):
            return
        near = re.search(r'near "(.+?)"', message) or re.search(r'unrecognized token: "(.+?)"', message)
        offset = sql.find(near.group(1)) if near else len(sql.rstrip())
        raise ParseProblem(message if "syntax error" in message else f"syntax error: {message}", max(offset, 0)) from None
    except (sqlite3.Error, ValueError):
        return  # parameters, several statements, ...: syntax is not what failed


def _error_offset(sql: str, exc: Exception) -> int | None:
    errs = getattr(exc, "errors", None)
    if not errs:
        return None
    line, col = errs[0].get("line"), errs[0].get("col")
    if not line or col is None:
        return None
    lines = sql.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(col - 1, 0)


def name_of(node: Any) -> str | None:
    """Table or column name, lower case (MySQL column and SQLite names are case-insensitive)."""
    from sqlglot import exp

    if node is None:
        return None
    if isinstance(node, exp.Schema):
        node = node.this
    if isinstance(node, exp.Table):
        parts = [p.name for p in (node.args.get("db"), node.this) if p is not None and p.name]
        return ".".join(parts).lower() if parts else None
    if isinstance(node, (exp.Column, exp.Identifier)):
        return node.name.lower()
    if isinstance(node, str):
        return node.lower()
    return getattr(node, "name", None) and node.name.lower()


def _type_text(dtype: Any, engine: str) -> str:
    if dtype is None:
        return "unknown"
    text = dtype.sql(dialect=_DIALECT[engine]).lower().replace(" ", "")
    return _TYPE_NAMES[engine].get(text, text)  # MySQL has no INET: it was MariaDB's inet6


def column_spec(cd: Any, engine: str) -> ColumnSpec:
    from sqlglot import exp

    dtype = cd.args.get("kind")
    spec = ColumnSpec(name=name_of(cd.this) or "?", type=_type_text(dtype, engine))
    if dtype is not None and dtype.this in (exp.DataType.Type.ENUM, exp.DataType.Type.SET):
        spec.enum_values = tuple(e.name for e in dtype.expressions)
    for con in cd.args.get("constraints") or ():
        kind = con.args.get("kind")
        if isinstance(kind, exp.NotNullColumnConstraint):
            spec.not_null = not kind.args.get("allow_null")
        elif isinstance(kind, exp.DefaultColumnConstraint):
            value = kind.this
            if isinstance(value, exp.Null):
                continue
            spec.default = value.sql(dialect=_DIALECT[engine])
            spec.default_kind = _default_kind(value)
        elif isinstance(kind, exp.AutoIncrementColumnConstraint):
            spec.serial = True
        elif isinstance(kind, exp.PrimaryKeyColumnConstraint):
            spec.primary_key = True
            spec.not_null = True
        elif isinstance(kind, exp.UniqueColumnConstraint):
            spec.unique = True
        elif isinstance(kind, exp.Reference):
            spec.references = name_of(kind.this)
        elif isinstance(kind, exp.CheckColumnConstraint):
            spec.check = True
        elif isinstance(kind, exp.ComputedColumnConstraint):
            spec.generated = "stored" if kind.args.get("persisted") else "virtual"
        elif isinstance(kind, exp.GeneratedAsIdentityColumnConstraint):
            spec.identity = True
        elif isinstance(kind, exp.CharacterSetColumnConstraint):
            spec.charset = kind.this.name.lower()
    return spec


def _default_kind(value: Any) -> str:
    from sqlglot import exp

    if isinstance(value, (exp.Literal, exp.Boolean)) or (isinstance(value, exp.Neg) and isinstance(value.this, exp.Literal)):
        return "constant"
    if isinstance(value, (exp.CurrentTimestamp, exp.CurrentDate, exp.CurrentTime, exp.CurrentDatetime)):
        return "stable"
    if isinstance(value, exp.Paren):
        inner = value.this
        if isinstance(inner, exp.Literal):
            return "constant"
        return "statement_expression" if _same_for_every_row(inner) else "expression"
    if isinstance(value, (exp.Column, exp.Var)):  # TRUE/FALSE/CURRENT_TIMESTAMP spelled as words
        word = value.name.upper()
        if word in ("TRUE", "FALSE", "NULL"):
            return "constant"
        if word.startswith(("CURRENT_", "LOCALTIME", "NOW")):
            return "stable"
    return "expression"


#: functions MariaDB 10.11 computes once for an ADD COLUMN ... DEFAULT (expr), adding the column
#: instantly (checked on the server: tests/plan/mariadb_ddl_cases.py); uuid(), sysdate() and
#: utc_timestamp() are computed for each row and copy the table
ONCE_PER_STATEMENT = frozenset({
    "currenttimestamp", "now", "currentdate", "curdate", "rand", "concat", "lower", "upper",
})


def _same_for_every_row(node: Any) -> bool:
    """An expression default with no column in it and only functions of ONCE_PER_STATEMENT."""
    from sqlglot import exp

    for sub in node.walk():
        if isinstance(sub, exp.Column):
            return False
        if isinstance(sub, exp.Func):
            name = sub.name if isinstance(sub, exp.Anonymous) else type(sub).__name__
            if name.lower() not in ONCE_PER_STATEMENT:
                return False
    return True


def _constraint_ops(node: Any, table: str | None, engine: str) -> list[Operation]:
    """An ADD CONSTRAINT / ADD INDEX action (or a table-level constraint in CREATE TABLE)."""
    from sqlglot import exp

    name = None
    parts = [node]
    if isinstance(node, exp.Constraint):
        name = name_of(node.this)
        parts = list(node.expressions)
    ops = []
    for part in parts:
        if isinstance(part, exp.ForeignKey):
            ref = part.args.get("reference")
            ops.append(Operation("add_constraint", table=table, name=name, attrs={
                "constraint": "foreign_key", "columns": [name_of(c) for c in part.expressions],
                "references": name_of(ref.this if ref is not None else None)}))
        elif isinstance(part, exp.PrimaryKey):
            ops.append(Operation("add_constraint", table=table, name=name, attrs={
                "constraint": "primary_key", "columns": [name_of(c) for c in part.expressions]}))
        elif isinstance(part, exp.UniqueColumnConstraint):
            schema = part.this
            cols = [name_of(c) for c in schema.expressions] if isinstance(schema, exp.Schema) else []
            iname = name_of(schema.this) if isinstance(schema, exp.Schema) else name
            ops.append(Operation("create_index", table=table, name=iname or name, attrs={
                "unique": True, "columns": cols, "constraint": "unique"}))
        elif isinstance(part, exp.CheckColumnConstraint):
            cols = sorted({c.name.lower() for c in part.find_all(exp.Column)})
            cond = part.this
            not_null_of = None
            if isinstance(cond, exp.Not) and isinstance(cond.this, exp.Is) and isinstance(cond.this.expression, exp.Null):
                not_null_of = name_of(cond.this.this)
            ops.append(Operation("add_constraint", table=table, name=name, attrs={
                "constraint": "check", "columns": cols, "not_null_of": not_null_of}))
        elif isinstance(part, exp.IndexColumnConstraint):
            kind = (part.args.get("kind") or "").lower()
            ops.append(Operation("create_index", table=table, name=name_of(part.this), attrs={
                "columns": [name_of(c) for c in part.expressions], "index_type": kind or "btree",
                "unique": kind == "unique"}))
        else:
            ops.append(Operation("alter_table_other", table=table, attrs={"subtype": type(part).__name__}))
    return ops


def _read(tree: Any, sql: str, engine: str) -> list[Operation]:
    from sqlglot import exp

    if isinstance(tree, exp.Create):
        return _create(tree, engine)
    if isinstance(tree, exp.Alter):
        return _alter(tree, engine)
    if isinstance(tree, exp.Drop):
        return _drop(tree)
    if isinstance(tree, exp.TruncateTable):
        return [Operation("truncate", table=name_of(t)) for t in tree.expressions]
    if isinstance(tree, exp.Update):
        return [Operation("update", table=name_of(tree.this), attrs={
            "where": tree.args.get("where") is not None, "batched": tree.args.get("limit") is not None or _limited(tree.args.get("where")),
            "columns": [name_of(e.this) for e in tree.expressions if isinstance(e, exp.EQ)]})]
    if isinstance(tree, exp.Delete):
        return [Operation("delete", table=name_of(tree.this), attrs={
            "where": tree.args.get("where") is not None, "batched": tree.args.get("limit") is not None or _limited(tree.args.get("where"))})]
    if isinstance(tree, exp.Insert):
        target = tree.this.this if isinstance(tree.this, exp.Schema) else tree.this
        source = tree.expression
        from_select = isinstance(source, exp.Select) and source.args.get("from_") is not None
        sources = sorted({name_of(t) for t in source.find_all(exp.Table)}) if source is not None else []
        return [Operation("insert", table=name_of(target), attrs={"from_select": from_select, "sources": sources})]
    if isinstance(tree, (exp.Select, exp.Union)):
        return [Operation("select", attrs={"sources": sorted({name_of(t) for t in tree.find_all(exp.Table)})})]
    if isinstance(tree, exp.Set):
        return _set(tree)
    if isinstance(tree, exp.Pragma):
        return _pragma(tree)
    if isinstance(tree, exp.Transaction):
        return [Operation("transaction", attrs={"action": "begin"})]
    if isinstance(tree, exp.Commit):
        return [Operation("transaction", attrs={"action": "commit"})]
    if isinstance(tree, exp.Rollback):
        return [Operation("transaction", attrs={"action": "rollback_to" if tree.args.get("savepoint") else "rollback"})]
    if isinstance(tree, exp.Block) and tree.expressions:
        return _read(tree.expressions[0], sql, engine)
    if isinstance(tree, exp.Command):
        return _command(sql, engine)
    return [Operation("other", attrs={"statement": type(tree).__name__})]


def _limited(where: Any) -> bool:
    from sqlglot import exp

    return where is not None and any(s.args.get("limit") is not None for s in where.find_all(exp.Select))


def _create(tree: Any, engine: str) -> list[Operation]:
    from sqlglot import exp

    kind = (tree.args.get("kind") or "").upper()
    exists = bool(tree.args.get("exists"))
    if kind == "TABLE":
        target = tree.this
        if isinstance(target, exp.Schema):
            table = name_of(target.this)
            columns, constraints, refs = [], [], []
            for el in target.expressions:
                if isinstance(el, exp.ColumnDef):
                    spec = column_spec(el, engine)
                    columns.append(spec)
                    if spec.references:
                        refs.append(spec.references)
                else:
                    for op in _constraint_ops(el, table, engine):
                        con = dict(op.attrs)
                        if op.kind == "create_index":
                            con["constraint"] = "unique" if con.get("unique") else "index"
                        con["name"] = op.name
                        constraints.append(con)
                        if con.get("references"):
                            refs.append(con["references"])
            temporary = any(isinstance(p, exp.TemporaryProperty) for p in (tree.args.get("properties") or exp.Properties()).expressions)
            return [Operation("create_table", table=table, attrs={
                "columns": columns, "constraints": constraints, "references": refs, "if_not_exists": exists,
                "temporary": temporary})]
        sources = sorted({name_of(t) for t in tree.expression.find_all(exp.Table)}) if tree.expression is not None else []
        return [Operation("create_table", table=name_of(target), attrs={
            "columns": [], "constraints": [], "as_select": tree.expression is not None, "sources": sources,
            "if_not_exists": exists})]
    if kind == "INDEX":
        index = tree.this
        params = index.args.get("params")
        cols = []
        if params is not None:
            for c in params.args.get("columns") or ():
                col = c.this if isinstance(c, exp.Ordered) else c
                cols.append(name_of(col) if isinstance(col, (exp.Column, exp.Identifier)) else "(expression)")
        return [Operation("create_index", table=name_of(index.args.get("table")), name=name_of(index.this), attrs={
            "unique": bool(tree.args.get("unique")), "if_not_exists": exists, "columns": cols,
            "concurrently": bool(tree.args.get("concurrently"))})]
    if kind == "VIEW":
        return [Operation("create_view", table=name_of(tree.this))]
    if kind in ("DATABASE", "SCHEMA"):
        return [Operation("create_database" if kind == "DATABASE" else "create_schema", name=name_of(tree.this))]
    if kind in ("FUNCTION", "PROCEDURE"):
        return [Operation("create_function", name=name_of(tree.this))]
    if kind == "TRIGGER":
        return [Operation("create_trigger", name=name_of(tree.this))]
    return [Operation("other", attrs={"statement": f"CREATE {kind}"})]


_DROP_KINDS = {"TABLE": "drop_table", "VIEW": "drop_view", "INDEX": "drop_index", "DATABASE": "drop_database",
               "SCHEMA": "drop_database", "TRIGGER": "drop_trigger", "FUNCTION": "drop_function",
               "PROCEDURE": "drop_function"}


def _drop(tree: Any) -> list[Operation]:
    kind = _DROP_KINDS.get((tree.args.get("kind") or "").upper(), "other")
    common = {"if_exists": bool(tree.args.get("exists")), "cascade": bool(tree.args.get("cascade"))}
    targets = tree.args.get("tables") or ([tree.this] if tree.this is not None else [])
    on = tree.args.get("cluster")
    table_of_index = name_of(on.this) if on is not None and on.this is not None else None
    ops = []
    for t in targets:
        name = name_of(t)
        if kind in ("drop_table", "drop_view"):
            ops.append(Operation(kind, table=name, attrs=dict(common)))
        elif kind == "drop_index":
            ops.append(Operation(kind, table=table_of_index, name=name, attrs=dict(common)))
        elif kind == "other":
            ops.append(Operation("other", name=name, attrs={"statement": f"DROP {tree.args.get('kind')}"}))
        else:
            ops.append(Operation(kind, name=name, attrs=dict(common)))
    return ops


def _alter(tree: Any, engine: str) -> list[Operation]:
    from sqlglot import exp

    table = name_of(tree.this)
    kind = (tree.args.get("kind") or "TABLE").upper()
    if kind != "TABLE":
        return [Operation("other", table=table, attrs={"statement": f"ALTER {kind}"})]
    options: dict[str, str] = {}
    ops: list[Operation] = []
    for opt in tree.args.get("options") or ():
        if isinstance(opt, exp.AlgorithmProperty):
            options["algorithm"] = opt.this.name.upper()
        elif isinstance(opt, exp.LockProperty):
            options["lock"] = opt.this.name.upper()
        elif isinstance(opt, exp.EngineProperty):
            ops.append(Operation("rebuild_table", table=table, attrs={"reason": "ENGINE="}))
        else:  # COMMENT '...', AUTO_INCREMENT = n, ROW_FORMAT = ..., DEFAULT CHARSET = ..., STATS_* = ...
            ops.append(Operation("set_table_options", table=table, attrs={"subtype": _table_option(opt)}))
    for act in tree.args.get("actions") or ():
        ops.extend(_alter_action(act, table, engine))
    for op in ops:
        op.attrs.update(options)
    if not ops and options:
        ops.append(Operation("alter_table_other", table=table, attrs={"subtype": "options", **options}))
    return ops


_TABLE_OPTIONS = {"SchemaCommentProperty": "comment", "AutoIncrementProperty": "auto_increment",
                  "RowFormatProperty": "row_format", "CharacterSetProperty": "default_charset",
                  "CollateProperty": "default_collate"}


def _table_option(opt: Any) -> str:
    """A table option of ALTER TABLE by its name: "comment", "row_format", "stats_persistent", ..."""
    from sqlglot import exp

    name = _TABLE_OPTIONS.get(type(opt).__name__)
    if name is None and type(opt) is exp.Property:
        name = opt.name.lower()  # KEY_BLOCK_SIZE, STATS_PERSISTENT, PACK_KEYS, ...
    return name or type(opt).__name__


def _alter_action(act: Any, table: str | None, engine: str) -> list[Operation]:
    from sqlglot import exp

    if isinstance(act, exp.ColumnDef):
        spec = column_spec(act, engine)
        pos = act.args.get("position")
        position = None
        if pos is not None:
            position = (pos.args.get("position") or "").upper() or None
        return [Operation("add_column", table=table, column=spec.name, attrs={
            "spec": spec, "if_not_exists": bool(act.args.get("exists")), "position": position})]
    if isinstance(act, exp.Drop):
        kind = (act.args.get("kind") or "").upper()
        targets = act.args.get("tables") or []
        exists = bool(act.args.get("exists"))
        if kind == "COLUMN":
            # MySQL/MariaDB take the column out of its indexes, dropping only those left with none
            attrs = {"if_exists": exists, "shrinks_indexes": describe(engine).drop_column_shrinks_indexes}
            return [Operation("drop_column", table=table, column=name_of(t), attrs=dict(attrs)) for t in targets]
        if kind in ("INDEX", "KEY"):
            return [Operation("drop_index", table=table, name=name_of(t), attrs={"if_exists": exists}) for t in targets]
        constraint = {"FOREIGN KEY": "foreign_key", "CHECK": "check", "CONSTRAINT": None, "PRIMARY KEY": "primary_key"}.get(kind)
        return [Operation("drop_constraint", table=table, name=name_of(t), attrs={"constraint": constraint, "if_exists": exists})
                for t in targets] or [Operation("drop_constraint", table=table, attrs={"constraint": constraint})]
    if isinstance(act, exp.DropPrimaryKey):
        return [Operation("drop_constraint", table=table, attrs={"constraint": "primary_key"})]
    if isinstance(act, exp.ModifyColumn):
        return _modify(act, table, engine)
    if isinstance(act, exp.AlterColumn):
        col = name_of(act.this)
        if act.args.get("dtype") is not None:
            return [Operation("alter_column_type", table=table, column=col, attrs={
                "type": _type_text(act.args["dtype"], engine), "using": bool(act.args.get("using"))})]
        if act.args.get("drop"):
            return [Operation("drop_default", table=table, column=col)]
        if act.args.get("default") is not None:
            value = act.args["default"]
            return [Operation("set_default", table=table, column=col, attrs={
                "default": value.sql(dialect=_DIALECT[engine]), "default_kind": _default_kind(value)})]
        if act.args.get("allow_null") is not None:
            return [Operation("drop_not_null" if act.args["allow_null"] else "set_not_null", table=table, column=col)]
        return [Operation("alter_table_other", table=table, column=col, attrs={"subtype": "alter_column"})]
    if isinstance(act, exp.RenameColumn):
        return [Operation("rename_column", table=table, column=name_of(act.this), attrs={"new_name": name_of(act.args.get("to"))})]
    if isinstance(act, exp.AlterRename):  # "alter": an ALTER TABLE clause (online DDL), not RENAME TABLE
        return [Operation("rename_table", table=table, attrs={"new_name": name_of(act.this), "alter": True})]
    if isinstance(act, exp.AddConstraint):
        ops = []
        for e in act.expressions:
            ops.extend(_constraint_ops(e, table, engine))
        return ops
    if isinstance(act, exp.ForceProperty):
        return [Operation("rebuild_table", table=table, attrs={"reason": "FORCE"})]
    return [Operation("alter_table_other", table=table, attrs={"subtype": type(act).__name__})]


def _modify(act: Any, table: str | None, engine: str) -> list[Operation]:
    """MySQL MODIFY/CHANGE redefine a column whole; what changed needs the old definition (analysis
    fills attrs["old"] from the catalog and refines the kind, see `refine_modify`)."""
    spec = column_spec(act.this, engine)
    old_name = name_of(act.args.get("rename_from")) or spec.name
    return [Operation("modify_column", table=table, column=old_name, attrs={"spec": spec, "new_name": spec.name})]


def refine_modify(op: Operation, old: ColumnSpec | None) -> list[Operation]:
    """MODIFY/CHANGE COLUMN as the operations it amounts to, given the column's old definition."""
    spec: ColumnSpec = op.get("spec")
    common = {k: v for k, v in op.attrs.items() if k in ("algorithm", "lock")}
    out: list[Operation] = []
    if op.get("new_name") and op.get("new_name") != op.column:
        out.append(Operation("rename_column", table=op.table, column=op.column, offset=op.offset,
                             attrs={"new_name": op.get("new_name"), **common}))
    col = op.get("new_name") or op.column
    recoded = old is not None and bool(spec.charset and old.charset) and spec.charset != old.charset
    if old is None or old.type != spec.type or recoded:  # a new CHARACTER SET converts every value
        out.append(Operation("alter_column_type", table=op.table, column=col, offset=op.offset, attrs={
            "type": spec.type, "old_type": old.type if old else None, "spec": spec,
            "old_charset": old.charset if old else None,
            "old_enum": old.enum_values if old else None, **common}))
    if old is not None and old.not_null != spec.not_null:
        out.append(Operation("set_not_null" if spec.not_null else "drop_not_null", table=op.table, column=col,
                             offset=op.offset, attrs={"implicit_default": spec.not_null and spec.default is None, **common}))
    elif old is None and spec.not_null:
        out.append(Operation("set_not_null", table=op.table, column=col, offset=op.offset, attrs={"maybe": True, **common}))
    if old is not None and (old.default != spec.default) and not out:
        kind = "set_default" if spec.default is not None else "drop_default"
        out.append(Operation(kind, table=op.table, column=col, offset=op.offset, attrs={
            "default": spec.default, "default_kind": spec.default_kind, **common}))
    if not out:
        out.append(Operation("alter_table_other", table=op.table, column=col, offset=op.offset, attrs={"subtype": "modify_unchanged", **common}))
    return out


def _set(tree: Any) -> list[Operation]:
    from sqlglot import exp

    ops = []
    for item in tree.expressions:
        eq = item.this
        if isinstance(eq, exp.EQ):
            name = eq.this.name.lower()
            value = eq.expression.sql() if eq.expression is not None else ""
            ops.append(Operation("set", name=name.removeprefix("@@session.").removeprefix("@@"), attrs={"value": value.strip("'\""), "local": False}))
        else:
            ops.append(Operation("set", name=item.sql().lower(), attrs={"value": ""}))
    return ops


def _pragma(tree: Any) -> list[Operation]:
    from sqlglot import exp

    node = tree.this
    if isinstance(node, exp.EQ):
        return [Operation("set", name=node.this.name.lower(), attrs={"value": node.expression.name, "pragma": True})]
    return [Operation("other", attrs={"statement": "PRAGMA"})]


_COMMANDS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"RENAME\s+TABLE\s+(?P<table>\S+)\s+TO\s+(?P<new>[^\s,;]+)", re.I), "rename_table"),
    (re.compile(r"OPTIMIZE\s+(?:NO_WRITE_TO_BINLOG\s+|LOCAL\s+)?TABLE\s+(?P<table>[^\s,;]+)", re.I), "rebuild_table"),
    (re.compile(r"ALTER\s+TABLE\s+(?P<table>\S+)\s+CONVERT\s+TO\s+CHARACTER\s+SET", re.I), "rebuild_table"),
    (re.compile(r"ALTER\s+TABLE\s+(?P<table>\S+)\s+(?:ADD|DROP)\s+SYSTEM\s+VERSIONING", re.I), "rebuild_table"),
    (re.compile(r"CREATE\s+(?:DEFINER\s*=\s*\S+\s+)?TRIGGER\s+(?:IF\s+NOT\s+EXISTS\s+)?(?P<name>\S+)\s+.*?\bON\s+(?P<table>[^\s(]+)", re.I | re.S), "create_trigger"),
    (re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:PROCEDURE|FUNCTION|EVENT)\b", re.I), "create_function"),
    (re.compile(r"(?:CALL|BEGIN\s+NOT\s+ATOMIC)\b", re.I), "do_block"),
    (re.compile(r"VACUUM\b", re.I), "vacuum"),
    (re.compile(r"(?:BEGIN|START\s+TRANSACTION)\b", re.I), "transaction"),
    (re.compile(r"ANALYZE\b", re.I), "other"),
]
_COMPOUND = re.compile(
    r"\s*(?:BEGIN\s+NOT\s+ATOMIC\b|CREATE\s+(?:OR\s+REPLACE\s+)?(?:DEFINER\s*=\s*\S+\s+)?(?:PROCEDURE|FUNCTION|EVENT|TRIGGER)\b)",
    re.I,
)
_INDEX_OPTIONS = re.compile(r"\s+(?:ALGORITHM|LOCK)\s*=?\s*(\w+)", re.I)
_ALTER_ONLINE = re.compile(r"(\s*ALTER\s+)ONLINE\s+", re.I)
_DROP_INDEX_OPTIONS = re.compile(r"\s*DROP\s+INDEX\b.*\s(?:ALGORITHM|LOCK)\s*=?\s*\w+", re.I | re.S)


def _with_index_options(sql: str, engine: str) -> list[Operation]:
    """CREATE/DROP INDEX ... ALGORITHM=x LOCK=y (MySQL 8, MariaDB): sqlglot reads neither option."""
    options = {}
    for m in re.finditer(r"\b(ALGORITHM|LOCK)\s*=?\s*(\w+)", sql, re.I):
        options[m.group(1).lower()] = m.group(2).upper()
    stripped = re.sub(r"\s+(?:ALGORITHM|LOCK)\s*=?\s*\w+", "", sql, flags=re.I)
    ops = parse(stripped, engine)
    for op in ops:
        op.attrs.update(options)
    return ops


def _unquote(name: str) -> str:
    return name.strip("`\"[]").lower()


def _command(sql: str, engine: str) -> list[Operation]:
    # CREATE INDEX ... ALGORITHM=INPLACE LOCK=NONE: sqlglot does not read the trailing options
    if re.match(r"\s*CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b", sql, re.I) and _INDEX_OPTIONS.search(sql):
        return _with_index_options(sql, engine)
    if re.match(r"\s*CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX\b.*\sINVISIBLE\s*;?\s*$", sql, re.I | re.S):
        return parse(re.sub(r"\s+INVISIBLE(\s*;?\s*)$", r"\1", sql, flags=re.I), engine)  # hidden from the planner: built all the same
    for pattern, kind in _COMMANDS:
        m = pattern.match(sql.lstrip())
        if not m:
            continue
        groups = m.groupdict()
        table = _unquote(groups["table"]) if groups.get("table") else None
        attrs: dict[str, Any] = {}
        if kind == "rename_table":
            attrs["new_name"] = _unquote(groups["new"])
        elif kind == "rebuild_table":
            upper = sql.upper()
            attrs["reason"] = ("CONVERT TO CHARACTER SET" if "CONVERT" in upper else
                               "SYSTEM VERSIONING" if "SYSTEM" in upper else "OPTIMIZE TABLE")
        elif kind == "transaction":
            attrs["action"] = "begin"
        elif kind == "vacuum":
            attrs["full"] = True  # SQLite VACUUM always rebuilds the whole database file
        elif kind == "other":
            attrs["statement"] = sql.split(None, 1)[0].upper()
        name = _unquote(groups["name"]) if groups.get("name") else None
        return [Operation(kind, table=table, name=name, attrs=attrs)]
    objects = _STATEMENT_OBJECTS.get(engine)  # the words after CREATE/DROP/ALTER the engine knows, where listed
    unknown = _UNKNOWN_OBJECT.match(sql) if objects else None
    if unknown and unknown.group(2).upper() not in objects[unknown.group(1).upper()]:
        raise ParseProblem(f"syntax error near {unknown.group(2)!r}: {unknown.group(1).upper()} {unknown.group(2)} "
                           f"is not a MySQL/MariaDB statement",
                           unknown.start(2))
    if _SCHEMA_CHANGE.match(sql):
        # a schema change sqlglot cannot read: saying nothing would hide whatever hazard it holds
        raise ParseProblem("cannot read this statement (sqlglot does not know this syntax; check it against the server)", 0)
    return [Operation("other", attrs={"statement": " ".join(sql.split()[:2]).upper()})]


#: The words MySQL/MariaDB accept after CREATE / ALTER / DROP (objects, and the modifiers that may come
#: first). sqlglot reads what it does not know as a Command, so a misspelt object would pass unseen.
_MYSQL_MODIFIERS = {"OR", "DEFINER", "ALGORITHM", "SQL", "IF", "ONLINE", "OFFLINE", "IGNORE", "TEMPORARY"}
_MYSQL_OBJECTS: dict[str, set[str]] = {
    "CREATE": _MYSQL_MODIFIERS | {"TABLE", "INDEX", "UNIQUE", "FULLTEXT", "SPATIAL", "VIEW", "TRIGGER", "PROCEDURE",
                                  "FUNCTION", "EVENT", "DATABASE", "SCHEMA", "USER", "ROLE", "SERVER", "TABLESPACE",
                                  "LOGFILE", "SEQUENCE", "PACKAGE", "AGGREGATE", "RESOURCE"},
    "ALTER": _MYSQL_MODIFIERS | {"TABLE", "VIEW", "PROCEDURE", "FUNCTION", "EVENT", "DATABASE", "SCHEMA", "USER",
                                 "SERVER", "TABLESPACE", "LOGFILE", "SEQUENCE", "INSTANCE", "RESOURCE", "UNDO"},
    "DROP": _MYSQL_MODIFIERS | {"TABLE", "TABLES", "INDEX", "VIEW", "TRIGGER", "PROCEDURE", "FUNCTION", "EVENT",
                                "DATABASE", "SCHEMA", "USER", "ROLE", "SERVER", "TABLESPACE", "LOGFILE", "SEQUENCE",
                                "PACKAGE", "PREPARE", "RESOURCE", "UNDO", "SPATIAL"},
}
#: per engine (its description's name), the words after CREATE / ALTER / DROP it knows, where shoring lists them
_STATEMENT_OBJECTS = {MYSQL.name: _MYSQL_OBJECTS}
_UNKNOWN_OBJECT = re.compile(r"\s*(CREATE|ALTER|DROP)\s+([A-Za-z_]+)", re.I)

_SCHEMA_CHANGE = re.compile(r"\s*(?:ALTER\s+TABLE|CREATE\s+(?:TEMPORARY\s+)?TABLE|CREATE\s+(?:UNIQUE\s+|FULLTEXT\s+|SPATIAL\s+)?INDEX|DROP\s+(?:TABLE|INDEX|COLUMN))\b", re.I)
