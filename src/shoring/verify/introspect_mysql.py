"""MySQL / MariaDB schema from information_schema, for the connection's current database.

MariaDB and MySQL 8 spell a few things differently (integer display widths, quoted or bare literal
defaults, ``current_timestamp()`` with or without parentheses); those are normalised so a schema
compares equal to itself on either. View definitions name their own database in every column
reference; that qualifier is removed, so a copy of a schema under another name compares equal.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from shoring.verify.model import Column, Constraint, Function, Index, Schema, Sequence, Table, Trigger, View
from shoring.verify.normalize import default_expression, mysql_type, squash

TABLES = """SELECT TABLE_NAME, TABLE_TYPE, ENGINE, TABLE_COLLATION FROM information_schema.TABLES
             WHERE TABLE_SCHEMA = DATABASE()"""
COLUMNS = """SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA,
                    GENERATION_EXPRESSION, COLLATION_NAME
               FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()
              ORDER BY TABLE_NAME, ORDINAL_POSITION"""
CONSTRAINTS = """SELECT TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE FROM information_schema.TABLE_CONSTRAINTS
                  WHERE TABLE_SCHEMA = DATABASE()"""
KEY_COLUMNS = """SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME,
                        REFERENCED_COLUMN_NAME
                   FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE()
                  ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION"""
REFERENTIAL = """SELECT TABLE_NAME, CONSTRAINT_NAME, UPDATE_RULE, DELETE_RULE
                   FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"""
CHECKS = "SELECT * FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE()"
INDEXES = """SELECT * FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()
              ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"""
VIEWS = """SELECT TABLE_NAME, VIEW_DEFINITION, CHECK_OPTION, SECURITY_TYPE FROM information_schema.VIEWS
            WHERE TABLE_SCHEMA = DATABASE()"""
TRIGGERS = """SELECT TRIGGER_NAME, EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, ACTION_ORIENTATION,
                     ACTION_STATEMENT
                FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"""
ROUTINES = """SELECT SPECIFIC_NAME, ROUTINE_NAME, ROUTINE_TYPE, DTD_IDENTIFIER, ROUTINE_DEFINITION, IS_DETERMINISTIC,
                     SQL_DATA_ACCESS, SECURITY_TYPE
                FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"""
PARAMETERS = """SELECT SPECIFIC_NAME, PARAMETER_MODE, PARAMETER_NAME, DTD_IDENTIFIER
                  FROM information_schema.PARAMETERS WHERE SPECIFIC_SCHEMA = DATABASE() AND ORDINAL_POSITION > 0
                 ORDER BY SPECIFIC_NAME, ORDINAL_POSITION"""

_KINDS = {"PRIMARY KEY": "primary key", "UNIQUE": "unique", "FOREIGN KEY": "foreign key", "CHECK": "check"}
_GENERATED = re.compile(r"\b(VIRTUAL|STORED|PERSISTENT) GENERATED\b", re.I)
_STRING_TYPES = ("char", "varchar", "text", "tinytext", "mediumtext", "longtext", "enum", "set", "binary",
                 "varbinary", "date", "datetime", "timestamp", "time", "year")


def _rows(engine: Any, sql: str) -> list[dict[str, Any]]:
    """Rows as dicts, for information_schema tables whose columns differ between MySQL and MariaDB."""
    with engine.conn.cursor() as cur:
        cur.execute(sql)
        names = [d[0].upper() for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]


def _default(raw: Any, column_type: str, extra: str, mariadb: bool) -> str | None:
    if raw is None:
        return None
    text = str(raw)
    if mariadb:
        return default_expression(text)  # MariaDB already quotes literals and spells NULL as NULL
    # MySQL 8 prints literals bare and marks expressions DEFAULT_GENERATED
    if "DEFAULT_GENERATED" in extra.upper():
        return default_expression(text)
    base = column_type.split("(")[0].split()[0].lower()
    if base in _STRING_TYPES:
        return "'" + text.replace("'", "''") + "'"
    return default_expression(text)


def introspect(engine: Any, exclude: frozenset[str]) -> Schema:
    mariadb = engine.is_mariadb
    database = engine.query_one("SELECT DATABASE()")[0]
    qualifier = re.compile(re.escape(engine.quote(database)) + r"\.")

    kinds: dict[str, str] = {}
    options: dict[str, tuple[tuple[str, str], ...]] = {}
    collations: dict[str, str] = {}
    for name, kind, storage, collation in engine.query(TABLES):
        if name in exclude:
            continue
        kinds[name] = kind
        if kind in ("BASE TABLE", "SYSTEM VERSIONED"):
            options[name] = tuple(
                (k, v.lower()) for k, v in (("engine", storage), ("collation", collation)) if v
            ) + ((("system versioned", "true"),) if kind == "SYSTEM VERSIONED" else ())
            collations[name] = collation

    columns: dict[str, list[Column]] = defaultdict(list)
    for table, name, ctype, nullable, default, extra, expression, collation in engine.query(COLUMNS):
        if table not in options:
            continue
        extra = extra or ""
        generated = _GENERATED.search(extra)
        rest = _GENERATED.sub("", extra)
        rest = re.sub(r"\b(auto_increment|DEFAULT_GENERATED)\b", "", rest, flags=re.I)
        rest = squash(rest) or None
        if rest:
            rest = rest.replace("current_timestamp()", "current_timestamp")
        columns[table].append(Column(
            name=name,
            type=mysql_type(ctype),
            nullable=nullable == "YES",
            default=None if generated else _default(default, ctype, extra, mariadb),
            generated=f"{'stored' if generated.group(1).upper() != 'VIRTUAL' else 'virtual'}: {squash(expression)}"
            if generated else None,
            identity="auto_increment" if "auto_increment" in extra.lower() else None,
            collation=collation if collation and collation != collations.get(table) else None,
            extra=rest,
        ))

    key_columns: dict[tuple[str, str], list[str]] = defaultdict(list)
    references: dict[tuple[str, str], tuple[str | None, str, list[str]]] = {}
    for table, name, column, ref_schema, ref_table, ref_column in engine.query(KEY_COLUMNS):
        key_columns[(table, name)].append(column)
        if ref_table:
            schema = None if ref_schema == database else ref_schema
            _, _, cols = references.setdefault((table, name), (schema, ref_table, []))
            cols.append(ref_column)
    rules = {(t, n): (u, d) for t, n, u, d in engine.query(REFERENTIAL)}
    checks: dict[tuple[str | None, str], str] = {}
    for row in _rows(engine, CHECKS):
        checks[(row.get("TABLE_NAME"), row["CONSTRAINT_NAME"])] = squash(row["CHECK_CLAUSE"]) or ""

    constraints: dict[str, list[Constraint]] = defaultdict(list)
    for table, name, kind in engine.query(CONSTRAINTS):
        if table not in options:
            continue
        cols = tuple(key_columns.get((table, name), ()))
        if kind == "FOREIGN KEY":
            schema, ref_table, ref_cols = references[(table, name)]
            target = f"{schema}.{ref_table}" if schema else ref_table
            update, delete = rules.get((table, name), ("RESTRICT", "RESTRICT"))
            definition = f"foreign key ({', '.join(cols)}) references {target} ({', '.join(ref_cols)})"
            definition += f" on update {update.lower()} on delete {delete.lower()}"
        elif kind == "CHECK":
            clause = checks.get((table, name), checks.get((None, name), ""))
            definition = f"check ({clause})"
        else:
            definition = f"{kind.lower()} ({', '.join(cols)})"
        constraints[table].append(Constraint(name, _KINDS.get(kind, kind.lower()), cols, definition))

    parts: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in _rows(engine, INDEXES):
        if row["TABLE_NAME"] in options:
            parts[(row["TABLE_NAME"], row["INDEX_NAME"])].append(row)
    indexes: dict[str, list[Index]] = defaultdict(list)
    for (table, name), rows in parts.items():
        cols = []
        for r in rows:
            col = r.get("COLUMN_NAME") or f"({squash(r.get('EXPRESSION'))})"
            if r.get("SUB_PART"):
                col += f"({r['SUB_PART']})"
            if r.get("COLLATION") == "D":
                col += " desc"
            cols.append(col)
        unique = str(rows[0]["NON_UNIQUE"]) == "0"
        flags = []
        if str(rows[0].get("IGNORED", "NO")).upper() == "YES" or str(rows[0].get("IS_VISIBLE", "YES")).upper() == "NO":
            flags.append(" invisible")
        definition = f"{'unique ' if unique else ''}{rows[0]['INDEX_TYPE'].lower()} ({', '.join(cols)}){''.join(flags)}"
        indexes[table].append(Index(name, tuple(cols), unique, definition))

    tables = {
        name: Table(
            name=name,
            columns=tuple(columns[name]),
            constraints=tuple(sorted(constraints[name], key=lambda c: c.name)),
            indexes=tuple(sorted(indexes[name], key=lambda i: i.name)),
            options=options[name],
        )
        for name in sorted(options)
    }

    views = {}
    for name, definition, check, security in engine.query(VIEWS):
        if name in exclude:
            continue
        text = squash(qualifier.sub("", definition or "")) or ""
        if check and check != "NONE":
            text += f" with {check.lower()} check option"
        views[name] = View(name, f"{text} [sql security {security.lower()}]")

    triggers = {}
    for name, table, timing, event, orientation, statement in engine.query(TRIGGERS):
        if table in exclude:
            continue
        key = f"{table}.{name}"
        body = squash(qualifier.sub("", statement or "")) or ""
        triggers[key] = Trigger(key, table, f"{timing} {event} for each {orientation} {body}".lower())

    params: dict[str, list[str]] = defaultdict(list)
    for specific, mode, pname, dtd in engine.query(PARAMETERS):
        params[specific].append(" ".join(p for p in ((mode or "").lower(), pname, (dtd or "").lower()) if p))
    functions = {}
    for specific, name, kind, returns, body, deterministic, access, security in engine.query(ROUTINES):
        key = f"{name}({', '.join(params.get(specific, []))})"
        ret = f" returns {returns.lower()}" if returns else ""
        text = f"{kind.lower()}{ret} {'deterministic' if deterministic == 'YES' else 'not deterministic'} " \
               f"{(access or '').lower()} sql security {(security or '').lower()}: {squash(body or '', lower=False)}"
        functions[key] = Function(key, text)

    sequences = {}
    for name, kind in kinds.items():
        if kind == "SEQUENCE":
            text = engine.query_one(f"SHOW CREATE SEQUENCE {engine.quote(name)}")[1]
            text = re.sub(r"^create sequence\s+\S+\s*", "", squash(text) or "")
            sequences[name] = Sequence(name, text)

    return Schema(engine="mysql", tables=tables, views=views, sequences=sequences, triggers=triggers, functions=functions)
