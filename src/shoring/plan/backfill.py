"""Batched backfills written as the seed writes them: a PL/pgSQL DO block that loops over batches.

Analysis sees a DO block as opaque code. The plan looks inside with PostgreSQL's own PL/pgSQL
parser (pglast) for the seed's pattern: a LOOP around an UPDATE or DELETE whose rows are picked by
a `LIMIT n` subquery, maybe a `pg_sleep` between batches, maybe a COMMIT per batch. From it: the
table, the batch size, the pause, and a query counting the rows still to do, so the estimate can
scale with the real table.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BatchedLoop:
    kind: str  # update | delete
    table: str
    statement: str  # the loop's UPDATE/DELETE with PL/pgSQL variables replaced by their initial values
    batch_size: int | None
    pause_seconds: float
    commits: bool  # COMMIT inside the loop: each batch is its own transaction
    remaining_sql: str | None  # SELECT counting the rows the loop will still change (its LIMIT removed)
    where_columns: list[str] = field(default_factory=list)
    pick_columns: list[str] = field(default_factory=list)  # columns the LIMIT subquery filters batches by


@dataclass
class DoBlock:
    loops: list[BatchedLoop]
    statements: int  # SQL statements in the block outside recognised loops
    language: str = "plpgsql"


def do_body(sql: str) -> tuple[str, str] | None:
    """(body, language) of a DO statement."""
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(sql))
    except Exception:  # noqa: BLE001 - not something the parser reads
        return None
    stmts = tree.get("stmts") or []
    if len(stmts) != 1 or "DoStmt" not in stmts[0].get("stmt", {}):
        return None
    body, language = None, "plpgsql"
    for arg in stmts[0]["stmt"]["DoStmt"].get("args") or ():
        el = arg.get("DefElem", {})
        value = el.get("arg", {}).get("String", {}).get("sval")
        if el.get("defname") == "as":
            body = value
        elif el.get("defname") == "language" and value:
            language = value.lower()
    return (body, language) if body is not None else None


def read_do_block(sql: str) -> DoBlock | None:
    """The batched loops of a DO block, or None when it is not PL/pgSQL the parser can read."""
    from pglast import parser

    found = do_body(sql)
    if found is None or found[1] != "plpgsql":
        return None
    body, _ = found
    src = f"CREATE FUNCTION shoring_do_block() RETURNS void LANGUAGE plpgsql AS $shoring_do${body}$shoring_do$"
    try:
        tree = json.loads(parser.parse_plpgsql_json(src))
    except Exception:  # noqa: BLE001 - PL/pgSQL the parser rejects: stays opaque
        return None
    function = tree[0]["PLpgSQL_function"]
    values: dict[str, str] = {}
    for datum in function.get("datums") or ():
        var = datum.get("PLpgSQL_var")
        if var and var.get("default_val"):
            values[var["refname"]] = var["default_val"]["PLpgSQL_expr"]["query"]
    loops: list[BatchedLoop] = []
    counted = [0]

    def walk(stmts: list[dict[str, Any]], in_loop: bool) -> None:
        for s in stmts or ():
            (name, node), = s.items()
            if name in ("PLpgSQL_stmt_loop", "PLpgSQL_stmt_while", "PLpgSQL_stmt_fori"):
                loop = _loop(node.get("body") or [], values)
                if loop is not None:
                    loops.append(loop)
                else:
                    walk(node.get("body") or [], True)
            elif name == "PLpgSQL_stmt_block":
                walk(node.get("body") or [], in_loop)
            elif name == "PLpgSQL_stmt_if":
                walk(node.get("then_body") or [], in_loop)
                walk(node.get("else_body") or [], in_loop)
            elif name == "PLpgSQL_stmt_execsql":
                counted[0] += 1

    walk(function["action"]["PLpgSQL_stmt_block"].get("body") or [], False)
    return DoBlock(loops=loops, statements=counted[0])


def _loop(body: list[dict[str, Any]], values: dict[str, str]) -> BatchedLoop | None:
    dml = None
    pause = 0.0
    commits = False
    for s in body:
        (name, node), = s.items()
        if name == "PLpgSQL_stmt_execsql" and dml is None:
            query = node["sqlstmt"]["PLpgSQL_expr"]["query"]
            if query.lstrip()[:6].upper() in ("UPDATE", "DELETE"):
                dml = query
        elif name == "PLpgSQL_stmt_perform":
            pause += _sleep_seconds(node["expr"]["PLpgSQL_expr"]["query"], values)
        elif name == "PLpgSQL_stmt_commit":
            commits = True
    if dml is None:
        return None
    return _read_dml(dml, values, pause, commits)


def _sleep_seconds(query: str, values: dict[str, str]) -> float:
    from pglast import parse_sql

    try:
        stmt = parse_sql(_substitute(query, values))[0].stmt
    except Exception:  # noqa: BLE001
        return 0.0
    for target in getattr(stmt, "targetList", None) or ():
        call = target.val
        if type(call).__name__ == "FuncCall" and call.funcname[-1].sval == "pg_sleep" and call.args:
            try:
                return float(_constant(call.args[0]))
            except (TypeError, ValueError):
                return 0.0
    return 0.0


def _constant(node: Any) -> Any:
    name = type(node).__name__
    if name == "A_Const":
        val = node.val
        for attr in ("ival", "fval", "sval"):
            if hasattr(val, attr):
                return getattr(val, attr)
    if name == "TypeCast":
        return _constant(node.arg)
    return None


def _substitute(query: str, values: dict[str, str]) -> str:
    """Replace PL/pgSQL variables by their initial values, through the parser (never by text)."""
    from pglast import ast, parse_sql
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    if not values:
        return query
    consts = {}
    for name, expr in values.items():
        try:
            consts[name] = parse_sql(f"SELECT {expr}")[0].stmt.targetList[0].val
        except Exception:  # noqa: BLE001
            continue
    stmt = parse_sql(query)[0].stmt

    class Replace(Visitor):
        def visit_ColumnRef(self, parent, node):  # noqa: N802 - pglast's naming
            fields = node.fields
            if len(fields) == 1 and isinstance(fields[0], ast.String) and fields[0].sval in consts:
                return consts[fields[0].sval]
            return None

    Replace()(stmt)
    return RawStream()(stmt)


def _read_dml(query: str, values: dict[str, str], pause: float, commits: bool) -> BatchedLoop | None:
    from pglast import parse_sql
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    from shoring.analysis.postgresql import relname

    try:
        text = _substitute(query, values)
        stmt = parse_sql(text)[0].stmt
    except Exception:  # noqa: BLE001
        return None
    kind = "update" if type(stmt).__name__ == "UpdateStmt" else "delete"
    rel = stmt.relation
    table = relname({"schemaname": rel.schemaname, "relname": rel.relname})
    limited: list[Any] = []

    class FindLimit(Visitor):
        def visit_SelectStmt(self, parent, node):  # noqa: N802
            if node.limitCount is not None:
                limited.append(node)

    FindLimit()(stmt)
    batch = None
    remaining = None
    pick: list[str] = []
    if limited:
        sel = limited[0]
        pick = _where_columns(sel)
        size = _constant(sel.limitCount)
        try:
            batch = int(size) if size is not None else None
        except (TypeError, ValueError):
            batch = None
        sel.limitCount = None
        remaining = RawStream()(sel)
    elif getattr(stmt, "whereClause", None) is not None:
        remaining = None  # batches chosen by ranges or keys: every row of the table, at most
    return BatchedLoop(kind=kind, table=table, statement=text, batch_size=batch, pause_seconds=pause,
                       commits=commits, remaining_sql=remaining, where_columns=_where_columns(stmt), pick_columns=pick)


def _where_columns(stmt: Any) -> list[str]:
    from pglast import ast
    from pglast.visitors import Visitor

    cols: list[str] = []

    class Cols(Visitor):
        def visit_ColumnRef(self, parent, node):  # noqa: N802
            last = node.fields[-1]
            if isinstance(last, ast.String) and last.sval not in cols:
                cols.append(last.sval)

    where = getattr(stmt, "whereClause", None)
    if where is not None:
        Cols()(where)
    return cols


def where_columns(sql: str) -> list[str]:
    """Columns a PostgreSQL UPDATE/DELETE's WHERE clause mentions."""
    from pglast import parse_sql

    try:
        return _where_columns(parse_sql(sql)[0].stmt)
    except Exception:  # noqa: BLE001
        return []
