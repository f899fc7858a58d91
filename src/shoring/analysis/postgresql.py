"""PostgreSQL statements to operations, through PostgreSQL's own parser (pglast's libpg_query).

The parse tree is read as JSON (`parse_sql_json`): building pglast's Python node objects costs
about twenty times more and this reader needs only a few fields of each statement.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any, Callable, Iterator

from shoring.analysis.model import ColumnSpec, Operation


class ParseProblem(Exception):
    def __init__(self, message: str, offset: int | None = None):
        super().__init__(message)
        self.message = message
        self.offset = offset


def reader(engine: str):
    """The statement reader analysis uses for `engine` (shoring.engines.description names this module)."""
    return parse


def parse(sql: str) -> list[Operation]:
    """Operations of one statement; ParseProblem when PostgreSQL's parser rejects it."""
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(sql))
    except parser.ParseError as exc:
        loc = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else None
        raise ParseProblem(str(exc.args[0]), _char_offset(sql, loc) if loc else 0) from None
    ops: list[Operation] = []
    for raw in tree.get("stmts", ()):
        ops.extend(read_node(raw.get("stmt", {})))
    if _non_ascii(sql):
        for op in ops:
            if op.offset is not None:
                op.offset = _char_offset(sql, op.offset)
    return ops


def read_node(node: dict) -> list[Operation]:
    ops: list[Operation] = []
    for name, body in node.items():
        reader = _READERS.get(name)
        ops.extend(reader(body) if reader else [Operation("other", attrs={"statement": name})])
    return ops


_LEAD = re.compile(r"(?:\s+|--[^\n]*|/\*.*?\*/)*", re.S)


def parse_many(text: str) -> list[tuple[int, int, list[Operation]]]:
    """(start, end, operations) of every statement of a whole section, from one parser call.

    Offsets are characters into `text`; operation offsets are relative to their statement's start.
    ParseProblem when any statement fails: the caller then splits and parses one by one, so that
    the finding points at the statement that failed.
    """
    tree = _section_tree(text)
    ascii_text = text.isascii()
    raw = None if ascii_text else text.encode("utf-8")

    def chars(byte_offset: int) -> int:
        return byte_offset if ascii_text else len(raw[:byte_offset].decode("utf-8", errors="ignore"))

    out = []
    for stmt in tree.get("stmts", ()):
        loc_b = stmt.get("stmt_location", 0)
        len_b = stmt.get("stmt_len", 0)
        loc = chars(loc_b)
        end = chars(loc_b + len_b) if len_b else len(text)
        start = _LEAD.match(text, loc).end()
        while end > start and text[end - 1].isspace():
            end -= 1
        ops = read_node(stmt.get("stmt", {}))
        start_b = start if ascii_text else len(text[:start].encode("utf-8"))
        for op in ops:
            if op.offset is not None:
                op.offset = (op.offset - start_b) if ascii_text else chars(op.offset) - start
        out.append((start, end, ops))
    return out


@functools.lru_cache(maxsize=64)
def _section_tree(text: str) -> dict:
    """The parser's tree of a section, kept for the next caller: `plan` analyses each migration and then
    lints the same ones, and the section is parsed once. Nothing writes into the tree (its readers build
    new Operations from it), so sharing it is safe."""
    from pglast import parser

    try:
        return json.loads(parser.parse_sql_json(text))
    except parser.ParseError as exc:
        raise ParseProblem(str(exc.args[0])) from None


def _non_ascii(sql: str) -> bool:
    return not sql.isascii()


def _char_offset(sql: str, byte_offset: int | None) -> int | None:
    """libpg_query reports byte offsets; a statement with non-ASCII text needs characters."""
    if byte_offset is None or sql.isascii():
        return byte_offset
    return len(sql.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


# --- small helpers over the JSON tree -----------------------------------------------------------

def relname(rv: dict | None) -> str | None:
    """Schema-qualified name as PostgreSQL resolves it (unquoted names are already lower case)."""
    if not rv:
        return None
    schema = rv.get("schemaname")
    name = rv.get("relname")
    return f"{schema}.{name}" if schema and schema != "public" else name


def _names(items: list | None) -> list[str]:
    return [i["String"]["sval"] for i in items or () if "String" in i]


def _qualified(items: list | None) -> str | None:
    parts = _names(items)
    if parts and parts[0] == "public" and len(parts) > 1:
        parts = parts[1:]
    return ".".join(parts) or None


def _loc(node: dict | None) -> int | None:
    if not node:
        return None
    loc = node.get("location")
    return loc if isinstance(loc, int) and loc >= 0 else None


_TYPE_ALIASES = {
    "integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8", "real": "float4",
    "double precision": "float8", "decimal": "numeric", "boolean": "bool", "character varying": "varchar",
    "character": "bpchar", "char": "bpchar", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp", "time with time zone": "timetz",
}
SERIAL_TYPES = {"serial": "int4", "serial4": "int4", "bigserial": "int8", "serial8": "int8", "smallserial": "int2", "serial2": "int2"}


def type_name(tn: dict | None) -> str:
    """A type as one normalised string: "int4", "varchar(20)", "numeric(10,2)", "text[]"."""
    if not tn:
        return "unknown"
    names = _names(tn.get("names"))
    if names and names[0] == "pg_catalog":
        names = names[1:]
    base = ".".join(names).lower() if names else "unknown"
    base = _TYPE_ALIASES.get(base, base)
    mods = []
    for m in tn.get("typmods") or ():
        const = m.get("A_Const")
        if const is not None:
            if "ival" in const:
                mods.append(str(const["ival"].get("ival", 0)))
            elif "sval" in const:
                mods.append(const["sval"].get("sval", ""))
        elif "ColumnRef" in m:
            mods.append(".".join(_names(m["ColumnRef"].get("fields"))))
    out = f"{base}({','.join(mods)})" if mods else base
    if tn.get("arrayBounds"):
        out += "[]" * len(tn["arrayBounds"])
    return out


# PostgreSQL function volatility, as data. Anything not listed is "unknown" and treated as volatile:
# a user-defined default function might be, and a wrong "safe" costs a table rewrite.
VOLATILE_FUNCTIONS = frozenset({
    "random", "random_normal", "clock_timestamp", "timeofday", "gen_random_uuid", "uuid_generate_v1",
    "uuid_generate_v1mc", "uuid_generate_v4", "uuidv4", "uuidv7", "nextval", "setval", "txid_current",
    "pg_current_xact_id", "gen_random_bytes", "setseed",
})
STABLE_FUNCTIONS = frozenset({
    "now", "transaction_timestamp", "statement_timestamp", "current_setting", "current_database",
    "current_schema", "to_timestamp", "to_date", "to_char", "age", "jsonb_build_object", "json_build_object",
    "jsonb_build_array", "json_build_array", "array_length", "lower", "upper", "concat", "length", "abs",
    "make_interval", "make_date", "make_timestamp", "make_timestamptz", "date_trunc", "coalesce", "greatest",
    "least", "to_jsonb", "to_json", "md5", "btrim", "trim", "round", "replace", "substring", "left", "right",
    "inet", "timezone", "jsonb", "array", "localtimestamp", "current_timestamp", "current_date",
})


def found(tree: Any, kinds: frozenset[str], inside: bool = False) -> Iterator[tuple[str, Any]]:
    """(node name, body) of every node of `kinds` anywhere in a JSON parse tree; `inside`: also the
    ones inside a node found."""
    stack = [tree]
    while stack:
        cur = stack.pop()
        if isinstance(cur, list):
            stack.extend(cur)
        elif isinstance(cur, dict):
            for key, val in cur.items():
                if key in kinds:
                    yield key, val
                    if not inside:
                        continue
                if isinstance(val, (dict, list)):
                    stack.append(val)


_VOLATILITY_NODES = frozenset({"FuncCall", "SQLValueFunction", "CurrentOfExpr", "SubLink", "ColumnRef"})


def expression_volatility(node: Any) -> str:
    """constant | stable | volatile | unknown (an unlisted function) for an expression tree."""
    worst = "constant"
    rank = {"constant": 0, "stable": 1, "unknown": 2, "volatile": 3}
    for key, val in found(node, _VOLATILITY_NODES, inside=True):
        if key == "FuncCall":
            fname = (_names(val.get("funcname")) or ["?"])[-1].lower()
            kind = "volatile" if fname in VOLATILE_FUNCTIONS else "stable" if fname in STABLE_FUNCTIONS else "unknown"
        else:
            kind = "stable" if key in ("SQLValueFunction", "CurrentOfExpr") else "unknown"
        if rank[kind] > rank[worst]:
            worst = kind
    return worst


def _deparse_hint(node: Any) -> str:
    """A short text of a default expression for messages (function name or constant)."""
    if not isinstance(node, dict):
        return "?"
    if "FuncCall" in node:
        return (_names(node["FuncCall"].get("funcname")) or ["?"])[-1] + "()"
    if "A_Const" in node:
        c = node["A_Const"]
        for key in ("sval", "ival", "fval", "boolval"):
            if key in c:
                v = c[key]
                inner = next(iter(v.values()), 0) if isinstance(v, dict) and v else (0 if key == "ival" else v)
                return f"'{inner}'" if key == "sval" else str(inner).lower()
        if c.get("isnull"):
            return "NULL"
    if "TypeCast" in node:
        return _deparse_hint(node["TypeCast"].get("arg"))
    if "SQLValueFunction" in node:
        return node["SQLValueFunction"].get("op", "SVFOP").replace("SVFOP_", "").lower()
    return "expression"


def column_spec(cd: dict) -> ColumnSpec:
    tn = cd.get("typeName")
    typ = type_name(tn)
    spec = ColumnSpec(name=cd.get("colname", "?"), type=typ)
    if typ in SERIAL_TYPES:
        spec.serial = True
    for c in cd.get("constraints") or ():
        con = c.get("Constraint", {})
        ct = con.get("contype")
        if ct == "CONSTR_NOTNULL":
            spec.not_null = True
        elif ct == "CONSTR_DEFAULT":
            expr = con.get("raw_expr")
            spec.default = _deparse_hint(expr)
            if isinstance(expr, dict) and "A_Const" in expr and expr["A_Const"].get("isnull"):
                spec.default = None
            else:
                spec.default_kind = expression_volatility(expr)
                spec.default_node = expr
        elif ct == "CONSTR_IDENTITY":
            spec.identity = True
        elif ct == "CONSTR_GENERATED":
            spec.generated = "stored" if con.get("generated_kind", "s") == "s" else "virtual"
        elif ct == "CONSTR_PRIMARY":
            spec.primary_key = True
            spec.not_null = True
        elif ct == "CONSTR_UNIQUE":
            spec.unique = True
        elif ct == "CONSTR_FOREIGN":
            spec.references = relname(con.get("pktable"))
        elif ct == "CONSTR_CHECK":
            spec.check = True
    return spec


def _not_null_target(expr: dict | None) -> str | None:
    """`CHECK (c IS NOT NULL)` -> "c"."""
    nt = (expr or {}).get("NullTest")
    if nt and nt.get("nulltesttype") == "IS_NOT_NULL":
        fields = _names(nt.get("arg", {}).get("ColumnRef", {}).get("fields"))
        return fields[-1] if fields else None
    return None


def _columns_in(expr: Any) -> set[str]:
    return {names[-1] for _, ref in found(expr, _COLUMN_REF) if (names := _names(ref.get("fields")))}


_COLUMN_REF, _RANGE_VAR, _LIMIT = frozenset({"ColumnRef"}), frozenset({"RangeVar"}), frozenset({"limitCount"})
_CTE = frozenset({"CommonTableExpr"})


_CONSTRAINT_KINDS = {
    "CONSTR_CHECK": "check", "CONSTR_FOREIGN": "foreign_key", "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary_key", "CONSTR_EXCLUSION": "exclude", "CONSTR_NOTNULL": "not_null",
}


def constraint_attrs(con: dict) -> dict[str, Any]:
    kind = _CONSTRAINT_KINDS.get(con.get("contype"), con.get("contype", "?").lower())
    attrs: dict[str, Any] = {"constraint": kind, "not_valid": bool(con.get("skip_validation"))}
    if kind == "foreign_key":
        attrs["references"] = relname(con.get("pktable"))
        attrs["columns"] = _names(con.get("fk_attrs"))
    elif kind in ("unique", "primary_key"):
        attrs["columns"] = _names(con.get("keys"))
        if con.get("indexname"):
            attrs["using_index"] = con["indexname"]
    elif kind == "check":
        attrs["not_null_of"] = _not_null_target(con.get("raw_expr"))
        attrs["columns"] = sorted(_columns_in(con.get("raw_expr")))
    if con.get("conname"):
        attrs["name"] = con["conname"]
    return attrs


# --- statement readers ------------------------------------------------------------------------

def _create(body: dict) -> list[Operation]:
    table = relname(body.get("relation"))
    columns, constraints, refs, likes = [], [], [], []
    for el in body.get("tableElts") or ():
        if "TableLikeClause" in el:
            likes.append(relname(el["TableLikeClause"].get("relation")))
        elif "ColumnDef" in el:
            spec = column_spec(el["ColumnDef"])
            columns.append(spec)
            if spec.references:
                refs.append(spec.references)
            for c in el["ColumnDef"].get("constraints") or ():
                if c.get("Constraint", {}).get("contype") == "CONSTR_CHECK":  # a column CHECK is a table check
                    constraints.append(constraint_attrs(c["Constraint"]))
        elif "Constraint" in el:
            con = constraint_attrs(el["Constraint"])
            constraints.append(con)
            if con.get("references"):
                refs.append(con["references"])
    attrs = {
        "columns": columns, "constraints": constraints, "references": refs,
        "if_not_exists": bool(body.get("if_not_exists")),
        "temporary": body.get("relation", {}).get("relpersistence") == "t",
        "sources": [n for n in likes if n],  # LIKE t reads t's definition
    }
    if body.get("partbound"):
        attrs["partition_of"] = relname((body.get("inhRelations") or [{}])[0].get("RangeVar"))
    return [Operation("create_table", table=table, attrs=attrs, offset=_loc(body.get("relation")))]


def _create_table_as(body: dict) -> list[Operation]:
    into = body.get("into", {})
    table = relname(into.get("rel"))
    sources = sorted(_range_vars(body.get("query")))
    if body.get("objtype") == "OBJECT_MATVIEW":
        return [Operation("create_view", table=table, attrs={"materialized": True, "sources": sources})]
    return [Operation("create_table", table=table, attrs={
        "columns": [], "constraints": [], "as_select": True, "sources": sources,
        "if_not_exists": bool(body.get("if_not_exists")),
    })]


def _range_vars(node: Any, *, besides: str | None = None) -> set[str]:
    """The relations a tree names (tables, views), without the names of its CTEs (WITH x AS ...:
    `FROM x` reads the CTE, which the server locks nothing for) and without `besides`."""
    names = {name for _, rv in found(node, _RANGE_VAR) if (name := relname(rv)) and name != besides}
    if names:
        ctes = {c.get("ctename") for _, c in found(node, _CTE)}
        names -= ctes
    return names


_AT_SIMPLE = {
    "AT_SetNotNull": "set_not_null",
    "AT_DropNotNull": "drop_not_null",
    "AT_ValidateConstraint": "validate_constraint",
    "AT_DropConstraint": "drop_constraint",
}
_AT_OPTIONS = {
    "AT_SetStatistics", "AT_SetStorage", "AT_SetRelOptions", "AT_ResetRelOptions", "AT_ChangeOwner",
    "AT_SetCompression", "AT_SetOptions", "AT_ResetOptions", "AT_ReplicaIdentity", "AT_ClusterOn",
    "AT_DropCluster", "AT_EnableRowSecurity", "AT_DisableRowSecurity", "AT_ForceRowSecurity",
    "AT_NoForceRowSecurity", "AT_GenericOptions",
}
_AT_TRIGGERS = {
    "AT_EnableTrig", "AT_EnableAlwaysTrig", "AT_EnableReplicaTrig", "AT_DisableTrig", "AT_EnableTrigAll",
    "AT_DisableTrigAll", "AT_EnableTrigUser", "AT_DisableTrigUser", "AT_EnableRule", "AT_DisableRule",
}


def _alter_table(body: dict) -> list[Operation]:
    table = relname(body.get("relation"))
    objtype = body.get("objtype", "OBJECT_TABLE")
    ops = []
    for raw in body.get("cmds") or ():
        cmd = raw.get("AlterTableCmd", {})
        sub = cmd.get("subtype", "")
        col = cmd.get("name")
        d = cmd.get("def") or {}
        if objtype == "OBJECT_INDEX":
            ops.append(Operation("set_table_options", table=table, attrs={"subtype": sub, "index": True}))
            continue
        if sub == "AT_AddColumn":
            cd = d.get("ColumnDef", {})
            spec = column_spec(cd)
            ops.append(Operation("add_column", table=table, column=spec.name, offset=_loc(cd),
                                 attrs={"spec": spec, "if_not_exists": bool(cmd.get("missing_ok"))}))
        elif sub == "AT_DropColumn":
            ops.append(Operation("drop_column", table=table, column=col, attrs={
                "if_exists": bool(cmd.get("missing_ok")), "cascade": cmd.get("behavior") == "DROP_CASCADE"}))
        elif sub == "AT_AlterColumnType":
            cd = d.get("ColumnDef", {})
            ops.append(Operation("alter_column_type", table=table, column=col, offset=_loc(cd), attrs={
                "type": type_name(cd.get("typeName")), "using": bool(cd.get("raw_default"))}))
        elif sub in _AT_SIMPLE:
            ops.append(Operation(_AT_SIMPLE[sub], table=table, column=col if "Constraint" not in sub else None,
                                 name=col if "Constraint" in sub else None,
                                 attrs={"if_exists": bool(cmd.get("missing_ok"))}))
        elif sub == "AT_ColumnDefault":
            if d:
                ops.append(Operation("set_default", table=table, column=col, attrs={
                    "default": _deparse_hint(d), "default_kind": expression_volatility(d), "default_node": d}))
            else:
                ops.append(Operation("drop_default", table=table, column=col))
        elif sub == "AT_AddConstraint":
            con = d.get("Constraint", {})
            attrs = constraint_attrs(con)
            if attrs["constraint"] == "not_null":  # PostgreSQL 18 spells SET NOT NULL this way too
                for c in attrs.get("columns") or _names(con.get("keys")):
                    ops.append(Operation("set_not_null", table=table, column=c))
                continue
            ops.append(Operation("add_constraint", table=table, name=attrs.pop("name", None), attrs=attrs, offset=_loc(con)))
        elif sub == "AT_AttachPartition":
            ops.append(Operation("attach_partition", table=table, attrs={
                "partition": relname(d.get("PartitionCmd", {}).get("name"))}))
        elif sub in ("AT_DetachPartition", "AT_DetachPartitionFinalize"):
            pc = d.get("PartitionCmd", {})
            ops.append(Operation("detach_partition", table=table, attrs={
                "partition": relname(pc.get("name")), "concurrently": bool(pc.get("concurrent")),
                "finalize": sub == "AT_DetachPartitionFinalize"}))
        elif sub in _AT_TRIGGERS:
            ops.append(Operation("toggle_trigger", table=table, name=col, attrs={"subtype": sub}))
        elif sub in _AT_OPTIONS:
            ops.append(Operation("set_table_options", table=table, attrs={"subtype": sub}))
        else:
            ops.append(Operation("alter_table_other", table=table, column=col, attrs={"subtype": sub}))
    return ops


def _rename(body: dict) -> list[Operation]:
    rtype = body.get("renameType")
    table = relname(body.get("relation"))
    new = body.get("newname")
    if rtype == "OBJECT_COLUMN":
        return [Operation("rename_column", table=table, column=body.get("subname"), attrs={"new_name": new})]
    if rtype in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE"):
        return [Operation("rename_table", table=table, attrs={"new_name": new})]
    if rtype == "OBJECT_INDEX":
        return [Operation("rename_index", name=table, attrs={"new_name": new})]
    if rtype in ("OBJECT_VIEW", "OBJECT_MATVIEW"):
        return [Operation("rename_table", table=table, attrs={"new_name": new, "view": True})]
    if rtype == "OBJECT_SCHEMA":
        return [Operation("rename_schema", name=body.get("subname"), attrs={"new_name": new})]
    if rtype == "OBJECT_TRIGGER":
        return [Operation("rename_trigger", table=table, name=body.get("subname"), attrs={"new_name": new})]
    if rtype == "OBJECT_TABCONSTRAINT":
        return [Operation("alter_table_other", table=table, name=body.get("subname"), attrs={"subtype": "rename_constraint"})]
    return [Operation("other", table=table, attrs={"statement": f"RenameStmt {rtype}"})]


def _index(body: dict) -> list[Operation]:
    cols = []
    for p in body.get("indexParams") or ():
        el = p.get("IndexElem", {})
        cols.append(el.get("name") or "(expression)")
    return [Operation("create_index", table=relname(body.get("relation")), name=body.get("idxname"), attrs={
        "concurrently": bool(body.get("concurrent")), "unique": bool(body.get("unique")),
        "if_not_exists": bool(body.get("if_not_exists")), "columns": cols,
        "index_type": body.get("accessMethod", "btree"), "partial": "whereClause" in body,
    })]


_DROP_KINDS = {
    "OBJECT_TABLE": "drop_table", "OBJECT_FOREIGN_TABLE": "drop_table", "OBJECT_INDEX": "drop_index",
    "OBJECT_SCHEMA": "drop_schema", "OBJECT_TYPE": "drop_type", "OBJECT_DOMAIN": "drop_type",
    "OBJECT_VIEW": "drop_view", "OBJECT_MATVIEW": "drop_view", "OBJECT_FUNCTION": "drop_function",
    "OBJECT_PROCEDURE": "drop_function", "OBJECT_ROUTINE": "drop_function", "OBJECT_SEQUENCE": "drop_sequence",
    "OBJECT_TRIGGER": "drop_trigger", "OBJECT_EXTENSION": "drop_extension",
}


def _drop(body: dict) -> list[Operation]:
    kind = _DROP_KINDS.get(body.get("removeType"), "other")
    ops = []
    common = {"if_exists": bool(body.get("missing_ok")), "cascade": body.get("behavior") == "DROP_CASCADE",
              "concurrently": bool(body.get("concurrent"))}
    for obj in body.get("objects") or ():
        if "List" in obj:
            parts = _names(obj["List"].get("items"))
        elif "String" in obj:
            parts = [obj["String"]["sval"]]
        elif "TypeName" in obj:
            parts = _names(obj["TypeName"].get("names"))
        elif "ObjectWithArgs" in obj:
            parts = _names(obj["ObjectWithArgs"].get("objname"))
        else:
            parts = ["?"]
        if parts and parts[0] == "public" and len(parts) > 1:
            parts = parts[1:]
        name = ".".join(parts)
        if kind in ("drop_table", "drop_view"):
            ops.append(Operation(kind, table=name, attrs=dict(common)))
        elif kind == "drop_trigger":
            ops.append(Operation(kind, table=".".join(parts[:-1]) or None, name=parts[-1], attrs=dict(common)))
        elif kind == "other":
            ops.append(Operation("other", name=name, attrs={"statement": f"DROP {body.get('removeType')}"}))
        else:
            ops.append(Operation(kind, name=name, attrs=dict(common)))
    return ops


def _truncate(body: dict) -> list[Operation]:
    cascade = body.get("behavior") == "DROP_CASCADE"
    return [Operation("truncate", table=relname(r.get("RangeVar")), attrs={"cascade": cascade})
            for r in body.get("relations") or ()]


#: how PostgreSQL reads a boolean option's value (`FULL`, `FULL true`, `FULL 0`, `FULL off`)
_FALSE_WORDS = frozenset({"false", "off", "no", "0", "f", "n"})


def _def_on(params: list | None) -> set[str]:
    """The options of `(NAME [value], ...)` that are switched on: a bare name, or a true value."""
    on = set()
    for p in params or ():
        el = p.get("DefElem", {})
        arg = el.get("arg")
        if isinstance(arg, dict):
            if "String" in arg:
                value = str(arg["String"].get("sval", "")).lower()
            elif "Integer" in arg:
                value = str(arg["Integer"].get("ival", 0))
            elif "Boolean" in arg:
                value = "true" if arg["Boolean"].get("boolval") else "false"
            else:
                value = "true"
            if value in _FALSE_WORDS:
                continue
        on.add(el.get("defname", "").lower())
    return on


_REINDEX_TARGETS = {
    "REINDEX_OBJECT_INDEX": "index", "REINDEX_OBJECT_TABLE": "table", "REINDEX_OBJECT_SCHEMA": "schema",
    "REINDEX_OBJECT_DATABASE": "database", "REINDEX_OBJECT_SYSTEM": "system",
}


def _reindex(body: dict) -> list[Operation]:
    target = _REINDEX_TARGETS.get(body.get("kind"), "table")
    rel = relname(body.get("relation")) or body.get("name")
    concurrently = "concurrently" in _def_on(body.get("params")) or bool(body.get("concurrent"))
    if target == "index":
        return [Operation("reindex", name=rel, attrs={"target": target, "concurrently": concurrently})]
    return [Operation("reindex", table=rel if target == "table" else None, name=rel,
                      attrs={"target": target, "concurrently": concurrently})]


def _vacuum(body: dict) -> list[Operation]:
    if not body.get("is_vacuumcmd", False):
        rels = [relname(r.get("VacuumRelation", {}).get("relation")) for r in body.get("rels") or ()]
        return [Operation("analyze", table=r) for r in rels] or [Operation("analyze", attrs={"database": True})]
    full = "full" in _def_on(body.get("options"))
    rels = [relname(r.get("VacuumRelation", {}).get("relation")) for r in body.get("rels") or ()]
    return [Operation("vacuum", table=r, attrs={"full": full}) for r in rels] or [
        Operation("vacuum", attrs={"full": full, "database": True})]


def _cluster(body: dict) -> list[Operation]:
    return [Operation("cluster", table=relname(body.get("relation")), name=body.get("indexname"))]


def _set_value(args: list | None) -> str:
    out = []
    for a in args or ():
        c = a.get("A_Const")
        if c is None:
            out.append("?")
            continue
        if "sval" in c:
            out.append(str(c["sval"].get("sval", "")))
        elif "ival" in c:
            out.append(str(c["ival"].get("ival", 0)))
        elif "fval" in c:
            out.append(str(c["fval"].get("fval", "")))
        else:
            out.append("?")
    return ", ".join(out)


def _variable_set(body: dict) -> list[Operation]:
    kind = body.get("kind")
    name = (body.get("name") or "").lower()
    if kind in ("VAR_RESET", "VAR_RESET_ALL"):
        return [Operation("reset", name=name or "all")]
    if kind == "VAR_SET_MULTI":
        return [Operation("set", name=name, attrs={"value": "", "local": bool(body.get("is_local"))})]
    value = "DEFAULT" if kind == "VAR_SET_DEFAULT" else _set_value(body.get("args"))
    return [Operation("set", name=name, attrs={"value": value, "local": bool(body.get("is_local"))})]


_TX = {
    "TRANS_STMT_BEGIN": "begin", "TRANS_STMT_START": "begin", "TRANS_STMT_COMMIT": "commit",
    "TRANS_STMT_ROLLBACK": "rollback", "TRANS_STMT_SAVEPOINT": "savepoint", "TRANS_STMT_RELEASE": "release",
    "TRANS_STMT_ROLLBACK_TO": "rollback_to", "TRANS_STMT_PREPARE": "prepare",
    "TRANS_STMT_COMMIT_PREPARED": "commit", "TRANS_STMT_ROLLBACK_PREPARED": "rollback",
}


def _transaction(body: dict) -> list[Operation]:
    return [Operation("transaction", attrs={"action": _TX.get(body.get("kind"), "other")})]


def _has_limit(node: Any) -> bool:
    """A LIMIT anywhere inside (the seed's batch: `WHERE id IN (SELECT id ... LIMIT n)`)."""
    return any(count is not None for _, count in found(node, _LIMIT))


def _read_besides(body: dict, table: str | None, *fields: str) -> list[str]:
    """The other relations an UPDATE or DELETE reads (FROM/USING, subqueries in SET and WHERE)."""
    return sorted(_range_vars([body.get(f) for f in fields], besides=table)) if any(body.get(f) for f in fields) else []


def _update(body: dict) -> list[Operation]:
    where = body.get("whereClause")
    table = relname(body.get("relation"))
    return [Operation("update", table=table, attrs={
        "where": where is not None, "batched": _has_limit(where),
        "columns": [t.get("ResTarget", {}).get("name") for t in body.get("targetList") or ()],
        "sources": _read_besides(body, table, "targetList", "fromClause", "whereClause", "withClause"),
    })]


def _delete(body: dict) -> list[Operation]:
    where = body.get("whereClause")
    table = relname(body.get("relation"))
    return [Operation("delete", table=table, attrs={
        "where": where is not None, "batched": _has_limit(where),
        "sources": _read_besides(body, table, "usingClause", "whereClause", "withClause")})]


def _insert(body: dict) -> list[Operation]:
    sel = body.get("selectStmt", {}).get("SelectStmt", {})
    table = relname(body.get("relation"))
    return [Operation("insert", table=table, attrs={
        "from_select": bool(sel.get("fromClause")),
        "columns": [c.get("ResTarget", {}).get("name") for c in body.get("cols") or ()],  # [] when not listed
        "sources": sorted(_range_vars([sel, body.get("withClause")], besides=table))})]


def _select(body: dict) -> list[Operation]:
    sources = sorted(_range_vars({k: v for k, v in body.items() if k != "lockingClause"}))
    attrs: dict[str, Any] = {"sources": sources}
    if body.get("lockingClause"):
        attrs["locked"] = _row_locked(body, sources)
    return [Operation("select", attrs=attrs)]


def _row_locked(body: dict, sources: list[str]) -> list[str]:
    """The tables whose rows SELECT ... FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE locks: those
    named after OF (by name or alias), every table it reads without OF."""
    clauses = [c.get("LockingClause", {}) for c in body["lockingClause"]]
    if any(not c.get("lockedRels") for c in clauses):
        return sources
    aliases = {(rv.get("alias") or {}).get("aliasname") or rv.get("relname"): relname(rv)
               for _, rv in found(body.get("fromClause"), _RANGE_VAR)}
    named = {aliases.get(rv.get("RangeVar", {}).get("relname"), relname(rv.get("RangeVar")))
             for c in clauses for rv in c["lockedRels"]}
    return sorted(n for n in named if n)


def query_sources(sql: str) -> list[str]:
    """The relations a query reads (a view's definition), anywhere in it; [] if it cannot be read."""
    from pglast import parser

    try:
        return sorted(_range_vars(json.loads(parser.parse_sql_json(sql))))
    except parser.ParseError:
        return []


def _create_enum(body: dict) -> list[Operation]:
    labels = [v["String"]["sval"] for v in body.get("vals") or () if "String" in v]
    return [Operation("create_type", name=_qualified(body.get("typeName")), attrs={"enum_values": labels})]


def _alter_enum(body: dict) -> list[Operation]:
    name = _qualified(body.get("typeName"))
    if body.get("oldVal"):
        return [Operation("rename_enum_value", name=name, attrs={"value": body["oldVal"], "new_name": body.get("newVal")})]
    neighbor = body.get("newValNeighbor")
    after = bool(body.get("newValIsAfter"))
    return [Operation("add_enum_value", name=name, attrs={
        "value": body.get("newVal"), "before": neighbor if neighbor and not after else None,
        "after": neighbor if neighbor and after else None, "if_not_exists": bool(body.get("skipIfNewValExists"))})]


def _create_domain(body: dict) -> list[Operation]:
    check = any(c.get("Constraint", {}).get("contype") == "CONSTR_CHECK" for c in body.get("constraints") or ())
    return [Operation("create_domain", name=_qualified(body.get("domainname")), attrs={"check": check})]


def _alter_domain(body: dict) -> list[Operation]:
    action = {"C": "add_constraint", "V": "validate_constraint", "X": "drop_constraint", "N": "drop_not_null",
              "O": "set_not_null", "T": "default"}.get(body.get("subtype"), "other")
    con = (body.get("def") or {}).get("Constraint", {})
    return [Operation("alter_domain", name=_qualified(body.get("typeName")), attrs={
        "action": action, "check": con.get("contype") == "CONSTR_CHECK", "not_valid": bool(con.get("skip_validation"))})]


def _create_trigger(body: dict) -> list[Operation]:
    return [Operation("create_trigger", table=relname(body.get("relation")), name=body.get("trigname"))]


def _refresh(body: dict) -> list[Operation]:
    return [Operation("refresh_view", table=relname(body.get("relation")), attrs={"concurrently": bool(body.get("concurrent"))})]


_LOCK_MODES = {
    1: "AccessShareLock", 2: "RowShareLock", 3: "RowExclusiveLock", 4: "ShareUpdateExclusiveLock",
    5: "ShareLock", 6: "ShareRowExclusiveLock", 7: "ExclusiveLock", 8: "AccessExclusiveLock",
}


def _lock(body: dict) -> list[Operation]:
    mode = _LOCK_MODES.get(body.get("mode", 8), "AccessExclusiveLock")
    return [Operation("lock_table", table=relname(r.get("RangeVar")), attrs={"mode": mode}) for r in body.get("relations") or ()]


def _comment(body: dict) -> list[Operation]:
    """COMMENT ON TABLE t / COLUMN t.c lock the table (SHARE UPDATE EXCLUSIVE); on other objects, nothing read here."""
    kind = body.get("objtype")
    obj = body.get("object") or {}
    parts = _names(obj.get("List", {}).get("items")) if "List" in obj else []
    if kind == "OBJECT_COLUMN":
        parts = parts[:-1]
    if kind in ("OBJECT_TABLE", "OBJECT_COLUMN") and parts:
        return [Operation("comment", table=_qualified([{"String": {"sval": p}} for p in parts]))]
    return [Operation("comment")]


def _set_schema(body: dict) -> list[Operation]:
    """ALTER TABLE t SET SCHEMA s moves the table: to code using the old name it is a rename."""
    if body.get("objectType") in ("OBJECT_TABLE", "OBJECT_FOREIGN_TABLE") and body.get("relation"):
        table = relname(body["relation"])
        return [Operation("rename_table", table=table, attrs={
            "new_name": relname({"schemaname": body.get("newschema"), "relname": body["relation"].get("relname")})})]
    return [Operation("other", attrs={"statement": f"ALTER {body.get('objectType', '?')} SET SCHEMA"})]


def _simple(kind: str, field: str | None = None, table: bool = False) -> Callable[[dict], list[Operation]]:
    def read(body: dict) -> list[Operation]:
        value = body.get(field) if field else None
        if isinstance(value, dict):
            value = relname(value) if "relname" in value else None
        elif isinstance(value, list):
            value = _qualified(value)
        return [Operation(kind, table=value if table else None, name=None if table else value)]

    return read


_READERS: dict[str, Callable[[dict], list[Operation]]] = {
    "CreateStmt": _create,
    "CreateTableAsStmt": _create_table_as,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "IndexStmt": _index,
    "DropStmt": _drop,
    "TruncateStmt": _truncate,
    "ReindexStmt": _reindex,
    "VacuumStmt": _vacuum,
    "ClusterStmt": _cluster,
    "VariableSetStmt": _variable_set,
    "TransactionStmt": _transaction,
    "UpdateStmt": _update,
    "DeleteStmt": _delete,
    "InsertStmt": _insert,
    "SelectStmt": _select,
    "CreateEnumStmt": _create_enum,
    "AlterEnumStmt": _alter_enum,
    "CreateDomainStmt": _create_domain,
    "AlterDomainStmt": _alter_domain,
    "CreateTrigStmt": _create_trigger,
    "RefreshMatViewStmt": _refresh,
    "LockStmt": _lock,
    "DropdbStmt": _simple("drop_database", "dbname"),
    "CreatedbStmt": _simple("create_database", "dbname"),
    "CreateSchemaStmt": _simple("create_schema", "schemaname"),
    "CompositeTypeStmt": lambda b: [Operation("create_type", name=relname(b.get("typevar")))],
    "ViewStmt": lambda b: [Operation("create_view", table=relname(b.get("view")), attrs={
        "replace": bool(b.get("replace")), "sources": sorted(_range_vars(b.get("query")))})],
    "CreateFunctionStmt": _simple("create_function", "funcname"),
    "CreateSeqStmt": _simple("create_sequence", "sequence"),
    "AlterSeqStmt": _simple("alter_sequence", "sequence"),
    "CreateExtensionStmt": _simple("create_extension", "extname"),
    "CommentStmt": _comment,
    "AlterObjectSchemaStmt": _set_schema,
    "GrantStmt": lambda b: [Operation("grant")],
    "GrantRoleStmt": lambda b: [Operation("grant")],
    "DoStmt": lambda b: [Operation("do_block", attrs={"statement": "DO"})],
    "CallStmt": lambda b: [Operation("do_block", attrs={"statement": "CALL"})],
}


# --- deparsing (suggestions only) -----------------------------------------------------------------

_FIELD_NODES = {"typeName": "TypeName", "relation": "RangeVar", "pktable": "RangeVar"}
_CONST_NODES = {"ival": ("Integer", 0), "sval": ("String", ""), "fval": ("Float", "0"), "boolval": ("Boolean", False),
                "bsval": ("BitString", "")}


def _to_ast(value: Any, field: str | None = None) -> Any:
    from pglast import ast

    if isinstance(value, list):
        return tuple(_to_ast(v) for v in value)
    if not isinstance(value, dict):
        return value
    if field in _FIELD_NODES:
        cls = getattr(ast, _FIELD_NODES[field])
        return cls(**{k: _to_ast(v, k) for k, v in value.items() if k != "location"})
    if len(value) == 1:
        (name, body), = value.items()
        if name == "A_Const" and isinstance(body, dict):
            if body.get("isnull"):
                return ast.A_Const(isnull=True)
            for key, (cls_name, empty) in _CONST_NODES.items():
                if key in body:
                    return ast.A_Const(val=getattr(ast, cls_name)(body[key].get(key, empty)))
        cls = getattr(ast, name, None)
        if isinstance(cls, type) and isinstance(body, dict):
            return cls(**{k: _to_ast(v, k) for k, v in body.items() if k != "location"})
    return {k: _to_ast(v, k) for k, v in value.items()}


def is_simple(node: Any) -> bool:
    """A default whose short form (see _deparse_hint) is exact SQL."""
    if not isinstance(node, dict):
        return False
    if "FuncCall" in node:
        return not node["FuncCall"].get("args") and len(node["FuncCall"].get("funcname", ())) == 1
    if "A_Const" in node:
        return not any(k in node["A_Const"] for k in ("sval", "bsval"))  # strings need quoting rules
    return False


def deparse(node: Any) -> str | None:
    """SQL text of an expression from the JSON parse tree, or None if pglast cannot print it."""
    from pglast import stream

    try:
        return stream.RawStream()(_to_ast(node))
    except Exception:  # noqa: BLE001 - a suggestion falls back to the short form
        return None
