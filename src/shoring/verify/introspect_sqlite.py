"""SQLite schema from the PRAGMA functions, plus what only the stored CREATE text knows.

SQLite keeps each CREATE statement as the user wrote it, so definitions are normalised with
``squash``; CHECK constraints, generated-column expressions and collations appear in no PRAGMA and
are read from that text. Constraints have no names SQLite remembers, so they are keyed by what they
say (``check(price>0)``, ``unique(email)``), which survives the 12-step table rebuild.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from shoring.verify.model import Column, Constraint, Index, Schema, Table, Trigger, View
from shoring.verify.normalize import _matching_close, default_expression, split_top_level, sqlite_type, squash

_OBJECTS = """SELECT type, name, tbl_name, sql FROM sqlite_master
               WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name"""
_HIDDEN_GENERATED = {2: "virtual", 3: "stored"}
_TABLE_CONSTRAINT = re.compile(r"^(constraint\s+(?P<name>\S+)\s+)?(?P<kind>primary key|unique|check|foreign key)\b")
_IDENT = r'(?:"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|[^\s(]+)'


def _unquote(ident: str) -> str:
    if ident[:1] in "\"`[":
        return ident[1:-1].replace(ident[0] * 2, ident[0]) if ident[0] != "[" else ident[1:-1]
    return ident


def _body_items(sql: str) -> list[str]:
    """The comma-separated items between CREATE TABLE's parentheses, squashed."""
    text = squash(sql) or ""
    start = text.find("(")
    if start < 0:
        return []  # CREATE TABLE ... AS SELECT keeps no definitions
    end = _matching_close(text, start)
    return split_top_level(text[start + 1 : end])


def _tail_options(sql: str) -> tuple[tuple[str, str], ...]:
    text = squash(sql) or ""
    start = text.find("(")
    end = _matching_close(text, start) if start >= 0 else -1
    tail = text[end + 1 :] if end >= 0 else ""
    return tuple((opt, "true") for opt in ("without rowid", "strict") if opt in tail)


def _parse_definitions(sql: str) -> tuple[dict[str, dict[str, str]], list[tuple[str | None, str, str]]]:
    """(column name -> {generated, collation, check}, [(constraint name, kind, definition)])."""
    columns: dict[str, dict[str, str]] = {}
    table_constraints: list[tuple[str | None, str, str]] = []
    for item in _body_items(sql):
        m = _TABLE_CONSTRAINT.match(item)
        if m:
            table_constraints.append((m.group("name"), m.group("kind"), item[m.start("kind"):]))
            continue
        name_m = re.match(_IDENT, item)
        if not name_m:
            continue
        info: dict[str, str] = {}
        rest = item[name_m.end():]
        gen = re.search(r"\b(?:generated always )?as\(", rest)
        if gen:
            close = _matching_close(rest, gen.end() - 1)
            kind = "stored" if re.match(r"\s*stored\b", rest[close + 1 :]) else "virtual"
            info["generated"] = f"{kind}: {rest[gen.end():close]}"
        coll = re.search(r"\bcollate (\S+)", rest)
        if coll:
            info["collation"] = coll.group(1)
        for check in re.finditer(r"\b(?:constraint (\S+) )?check\(", rest):
            close = _matching_close(rest, check.end() - 1)
            table_constraints.append((check.group(1), "check", f"check({rest[check.end():close]})"))
        if re.search(r"\bprimary key\b.*\bautoincrement\b", rest):
            info["autoincrement"] = "true"
        columns[_unquote(name_m.group()).lower()] = info
    return columns, table_constraints


def introspect(engine: Any, exclude: frozenset[str]) -> Schema:
    objects = engine.query(_OBJECTS)
    tables: dict[str, Table] = {}
    views: dict[str, View] = {}
    triggers: dict[str, Trigger] = {}
    index_sql = {name: sql for kind, name, _, sql in objects if kind == "index"}
    for kind, name, table, sql in objects:
        if kind == "view" and name not in exclude:
            views[name] = View(name, squash(sql) or "")
        elif kind == "trigger" and table not in exclude:
            key = f"{table}.{name}"
            triggers[key] = Trigger(key, table, squash(sql) or "")
        elif kind == "table" and name not in exclude and not (sql or "").upper().startswith("CREATE VIRTUAL"):
            tables[name] = _table(engine, name, sql or "", index_sql)
    return Schema(engine="sqlite", tables=tables, views=views, triggers=triggers)


def _table(engine: Any, name: str, sql: str, index_sql: dict[str, str | None]) -> Table:
    q = engine.quote
    parsed, parsed_constraints = _parse_definitions(sql)
    info = engine.query(f"PRAGMA table_xinfo({q(name)})")
    pk = sorted((r[5], r[1]) for r in info if r[5])
    single_integer_pk = len(pk) == 1 and any(r[1] == pk[0][1] and (r[2] or "").upper() == "INTEGER" for r in info)
    columns = []
    for cid, col, declared, notnull, default, pk_pos, hidden in info:
        extra = parsed.get(col.lower(), {})
        identity = None
        if pk_pos and single_integer_pk:
            identity = "autoincrement" if extra.get("autoincrement") else "rowid"
        columns.append(Column(
            name=col,
            type=sqlite_type(declared),
            nullable=not notnull and not (pk_pos and single_integer_pk),
            default=default_expression(default),
            generated=extra.get("generated") if hidden in _HIDDEN_GENERATED else None,
            identity=identity,
            collation=extra.get("collation"),
        ))

    constraints: list[Constraint] = []
    if pk:
        cols = tuple(c for _, c in pk)
        constraints.append(Constraint(f"primary key({', '.join(cols)})", "primary key", cols, f"primary key({', '.join(cols)})"))
    indexes: list[Index] = []
    for _, idx_name, unique, origin, partial in engine.query(f"PRAGMA index_list({q(name)})"):
        keys = [r for r in engine.query(f"PRAGMA index_xinfo({q(idx_name)})") if r[5]]
        cols = tuple((r[2] if r[2] is not None else "<expression>") + (" desc" if r[3] else "") for r in keys)
        if origin == "u":
            label = f"unique({', '.join(cols)})"
            constraints.append(Constraint(label, "unique", cols, label))
        elif origin == "c":
            indexes.append(Index(idx_name, cols, bool(unique), squash(index_sql.get(idx_name)) or ""))
    groups: dict[int, list[tuple]] = defaultdict(list)
    for row in engine.query(f"PRAGMA foreign_key_list({q(name)})"):
        groups[row[0]].append(row)
    for rows in groups.values():
        rows.sort(key=lambda r: r[1])
        src = tuple(r[3] for r in rows)
        target = rows[0][2]
        dst = ", ".join(r[4] or "<primary key>" for r in rows)
        definition = (f"foreign key({', '.join(src)}) references {target}({dst}) "
                      f"on update {rows[0][5].lower()} on delete {rows[0][6].lower()}")
        constraints.append(Constraint(definition, "foreign key", src, definition))
    for cname, kind, definition in parsed_constraints:
        if kind == "check":
            constraints.append(Constraint(cname or definition, "check", (), definition))
    return Table(
        name=name,
        columns=tuple(columns),
        constraints=tuple(sorted(constraints, key=lambda c: c.name)),
        indexes=tuple(sorted(indexes, key=lambda i: i.name)),
        options=_tail_options(sql),
    )
