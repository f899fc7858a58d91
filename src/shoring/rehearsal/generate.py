"""Synthetic rows from column types and constraints, edge cases first.

The seed's "test edge cases (NULL values, duplicates, etc.)" made concrete: the first rows of every
table are NULL in every nullable column, empty strings and zeros, the largest values the type holds,
the smallest (and awkward text: quotes, backslashes, accents, padding), and a row that duplicates
another in every column no unique constraint protects. The rest are seeded pseudo-random values drawn
from small pools, so duplicates occur naturally. Unique columns get distinct values, foreign keys
take values their parent really has (parents are filled first), generated and identity columns are
left to the database. A row the database refuses (a CHECK the generator cannot read) is counted and
skipped, never fatal: the point is to let the migration meet the data, not to fill tables perfectly.
"""

from __future__ import annotations

import random
import re
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

from shoring.engines import StatementError
from shoring.engines.description import describe
from shoring.verify.fingerprint import qualified
from shoring.verify.model import Column, Schema, Table

EDGE_ROWS = ("nulls", "empty", "largest", "smallest", "duplicate")
_BATCH = 500
_MAX_PARAMETERS = 999  # SQLite's historical limit per statement, the smallest of the three
_AWKWARD = "O'Brien \\ \"Zoë\" ñ 字 "
_LONG_UNBOUNDED = 1000


@dataclass
class Kind:
    """How to make values for one column type."""

    name: str  # int, decimal, float, bool, text, bytes, date, datetime, time, uuid, json, enum, literal
    lo: Any = None
    hi: Any = None
    length: int | None = None
    labels: tuple[str, ...] = ()
    aware: bool = False  # timestamps with time zone

    def edge(self, which: str) -> Any:
        return _EDGES[self.name](self, which)

    def sample(self, rng: random.Random, i: int) -> Any:
        return _SAMPLES[self.name](self, rng, i)

    def distinct(self, i: int, token: str) -> Any:
        """The i-th of a series of values no two alike (unique columns)."""
        if self.name == "int":
            return self.lo + i if self.lo is not None and self.lo > 0 else i
        if self.name in ("decimal", "float"):
            return Decimal(i) if self.name == "decimal" else float(i)
        if self.name == "text":
            text = f"{token}{i:x}"
            return text[-self.length:] if self.length and len(text) > self.length else text
        if self.name == "bytes":
            return f"{token}{i}".encode()[: self.length or None]
        if self.name == "uuid":
            return uuid.UUID(int=(int(token, 16) << 64) + i)
        if self.name == "date":
            return date(2000, 1, 1) + timedelta(days=i)
        if self.name == "datetime":
            return datetime(2000, 1, 1, tzinfo=timezone.utc if self.aware else None) + timedelta(seconds=i)
        return None


def _int_edge(k: Kind, which: str) -> Any:
    return {"empty": 0, "largest": k.hi, "smallest": k.lo}.get(which, 1)


def _text_edge(k: Kind, which: str) -> Any:
    if which == "empty":
        return ""
    if which == "largest":
        return "x" * (k.length or _LONG_UNBOUNDED)
    if which == "smallest":
        return _AWKWARD[: k.length] if k.length else _AWKWARD
    return "a"


def _decimal_edge(k: Kind, which: str) -> Any:
    return {"empty": Decimal(0), "largest": k.hi, "smallest": -k.hi if k.lo is None or k.lo < 0 else Decimal(0)}.get(which, Decimal(1))


_EDGES: dict[str, Callable[[Kind, str], Any]] = {
    "int": _int_edge,
    "decimal": _decimal_edge,
    "float": lambda k, w: {"empty": 0.0, "largest": k.hi, "smallest": -k.hi}.get(w, 1.5),
    "bool": lambda k, w: w == "largest",
    "text": _text_edge,
    "bytes": lambda k, w: {"empty": b"", "largest": b"\xff" * (k.length or 64), "smallest": b"\x00"}.get(w, b"a"),
    "date": lambda k, w: {"largest": k.hi, "smallest": k.lo}.get(w, date(2000, 1, 1)),
    "datetime": lambda k, w: {"largest": k.hi, "smallest": k.lo}.get(w, k.lo + (k.hi - k.lo) / 2),
    "time": lambda k, w: {"largest": k.hi, "smallest": k.lo}.get(w, "12:00:00"),
    "uuid": lambda k, w: {"largest": uuid.UUID(int=2**128 - 1), "smallest": uuid.UUID(int=0)}.get(w, uuid.UUID(int=1)),
    "json": lambda k, w: {"empty": "{}", "largest": '{"k": "' + "x" * 500 + '", "n": [1, 2, 3]}', "smallest": "[]"}.get(w, '{"k": 1}'),
    "enum": lambda k, w: k.labels[-1] if w == "largest" else k.labels[0],
    "literal": lambda k, w: k.labels[0],
}

_SAMPLES: dict[str, Callable[[Kind, random.Random, int], Any]] = {
    "int": lambda k, r, i: r.randint(max(k.lo, -1000), min(k.hi, 100000)),
    "decimal": lambda k, r, i: min(Decimal(r.randint(0, 100000)) / 100, k.hi),
    "float": lambda k, r, i: round(r.uniform(-1000, 1000), 3),
    "bool": lambda k, r, i: r.random() < 0.5,
    "text": lambda k, r, i: r.choice(("alpha", "beta", "gamma", "delta", "x@example.com", "Ünïcode"))[: k.length or None],
    "bytes": lambda k, r, i: bytes(r.randrange(256) for _ in range(min(k.length or 8, 8))),
    "date": lambda k, r, i: date(2000, 1, 1) + timedelta(days=r.randint(0, 9000)),
    "datetime": lambda k, r, i: datetime(2000, 1, 1, tzinfo=timezone.utc if k.aware else None)
    + timedelta(seconds=r.randint(0, 10**9)),
    "time": lambda k, r, i: f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:00",
    "uuid": lambda k, r, i: uuid.UUID(int=r.getrandbits(128)),
    "json": lambda k, r, i: r.choice(('{"k": 1}', '{"k": null}', "[1, 2]", '"text"')),
    "enum": lambda k, r, i: r.choice(k.labels),
    "literal": lambda k, r, i: r.choice(k.labels),
}


# --- column types -> kinds, per engine, as data ------------------------------------------------------

def _ints(lo: int, hi: int) -> Callable[[re.Match], Kind]:
    return lambda m: Kind("int", lo, hi)


def _decimal(m: re.Match | None) -> Kind:
    """NUMERIC(p, s): the largest value is p - s nines before the point and s after it."""
    groups = m.groupdict() if m else {}
    p = int(groups["p"]) if groups.get("p") else 30
    s = int(groups["s"]) if groups.get("s") else 0
    hi = Decimal(10) ** (p - s) - (Decimal(1) / (Decimal(10) ** s) if s else Decimal(1))
    return Kind("decimal", None, hi)


def _text(m: re.Match) -> Kind:
    n = m.groupdict().get("n")
    return Kind("text", length=int(n) if n else None)


def _labels(text: str) -> tuple[str, ...]:
    return tuple(v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", text))


_UTC = timezone.utc
_PG_TYPES: list[tuple[str, Callable[[re.Match], Kind]]] = [
    (r"smallint", _ints(-(2**15), 2**15 - 1)),
    (r"integer", _ints(-(2**31), 2**31 - 1)),
    (r"bigint", _ints(-(2**63), 2**63 - 1)),
    (r"numeric(\((?P<p>\d+)(,(?P<s>\d+))?\))?", _decimal),
    (r"real", lambda m: Kind("float", hi=1e38)),
    (r"double precision", lambda m: Kind("float", hi=1e308)),
    (r"boolean", lambda m: Kind("bool")),
    (r"(text|citext|character varying|name)(\((?P<n>\d+)\))?", _text),
    (r"character(\((?P<n>\d+)\))?", lambda m: Kind("text", length=int(m.group("n") or 1))),
    (r"bytea", lambda m: Kind("bytes")),
    (r"date", lambda m: Kind("date", date(1, 1, 1), date(9999, 12, 31))),
    (r"timestamp(\(\d\))? with time zone", lambda m: Kind("datetime", datetime(1, 1, 2, tzinfo=_UTC),
                                                          datetime(9999, 12, 30, 23, 59, 59, tzinfo=_UTC), aware=True)),
    (r"timestamp(\(\d\))?( without time zone)?", lambda m: Kind("datetime", datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59))),
    (r"time(\(\d\))?( with(out)? time zone)?", lambda m: Kind("time", "00:00:00", "23:59:59.999999")),
    (r"uuid", lambda m: Kind("uuid")),
    (r"jsonb?", lambda m: Kind("json")),
    (r"interval(\(\d\))?", lambda m: Kind("literal", labels=("1 day", "00:00:00", "-1 year"))),
    (r"inet|cidr", lambda m: Kind("literal", labels=("127.0.0.1", "10.0.0.0/8", "::1"))),
    (r"macaddr", lambda m: Kind("literal", labels=("08:00:2b:01:02:03",))),
    (r"money", lambda m: Kind("literal", labels=("0", "12.34", "-1"))),
    (r".+\[\]", lambda m: Kind("literal", labels=("{}",))),
]
_MYSQL_TYPES: list[tuple[str, Callable[[re.Match], Kind]]] = [
    (r"tinyint\(1\)( unsigned)?", lambda m: Kind("bool")),
    (r"tinyint unsigned", _ints(0, 255)), (r"tinyint", _ints(-128, 127)),
    (r"smallint unsigned", _ints(0, 65535)), (r"smallint", _ints(-32768, 32767)),
    (r"mediumint unsigned", _ints(0, 2**24 - 1)), (r"mediumint", _ints(-(2**23), 2**23 - 1)),
    (r"int unsigned", _ints(0, 2**32 - 1)), (r"int", _ints(-(2**31), 2**31 - 1)),
    (r"bigint unsigned", _ints(0, 2**64 - 1)), (r"bigint", _ints(-(2**63), 2**63 - 1)),
    (r"decimal\((?P<p>\d+),(?P<s>\d+)\)( unsigned)?", _decimal),
    (r"float( unsigned)?", lambda m: Kind("float", hi=1e38)), (r"double( unsigned)?", lambda m: Kind("float", hi=1e308)),
    (r"(var)?char\((?P<n>\d+)\)", _text),
    (r"tinytext", lambda m: Kind("text", length=255)),
    (r"(medium|long)?text", lambda m: Kind("text", length=_LONG_UNBOUNDED)),
    (r"(var)?binary\((?P<n>\d+)\)", lambda m: Kind("bytes", length=int(m.group("n")))),
    (r"(tiny|medium|long)?blob", lambda m: Kind("bytes", length=255)),
    (r"bit\((?P<n>\d+)\)", lambda m: Kind("literal", labels=(b"\x00", b"\x01"))),
    (r"year(\(4\))?", _ints(1901, 2155)),
    (r"date", lambda m: Kind("date", date(1000, 1, 1), date(9999, 12, 31))),
    (r"datetime(\(\d\))?", lambda m: Kind("datetime", datetime(1000, 1, 1), datetime(9999, 12, 31, 23, 59, 59))),
    (r"timestamp(\(\d\))?", lambda m: Kind("datetime", datetime(1970, 1, 2), datetime(2038, 1, 18))),
    (r"time(\(\d\))?", lambda m: Kind("time", "-838:59:59", "838:59:59")),
    (r"json", lambda m: Kind("json")),
    (r"enum\((?P<v>.*)\)", lambda m: Kind("enum", labels=_labels(m.group("v")))),
    (r"set\((?P<v>.*)\)", lambda m: Kind("enum", labels=("",) + _labels(m.group("v")))),
]

#: engine -> the declared types its values are generated for (SQLite goes by type affinity instead)
_TYPE_PATTERNS = {"postgresql": _PG_TYPES, "mysql": _MYSQL_TYPES}


def _sqlite_kind(declared: str) -> Kind | None:
    """SQLite's affinity rules, refined by the words people write (BOOLEAN, DATE, JSON, VARCHAR(n))."""
    t = declared.lower()
    n = re.search(r"\((\d+)\)", t)
    for words, kind in (
        (("bool",), lambda: Kind("bool")),
        (("int",), lambda: Kind("int", -(2**63), 2**63 - 1)),
        (("json",), lambda: Kind("json")),
        (("char", "clob", "text", "string"), lambda: Kind("text", length=int(n.group(1)) if n else None)),
        (("blob",), lambda: Kind("bytes")),
        (("real", "floa", "doub"), lambda: Kind("float", hi=1e308)),
        (("datetime", "timestamp"), lambda: Kind("literal", labels=("2000-01-01 00:00:00", "9999-12-31 23:59:59", "0001-01-01 00:00:00"))),
        (("date",), lambda: Kind("literal", labels=("2000-01-01", "9999-12-31", "0001-01-01"))),
        (("num", "dec"), lambda: _decimal(re.search(r"\((?P<p>\d+)(,\s*(?P<s>\d+))?\)", t))),
    ):
        if any(w in t for w in words):
            return kind()
    return Kind("text") if not t else None


def column_kind(engine_name: str, column: Column, schema: Schema) -> Kind | None:
    """How to generate values for the column, or None when the type is unknown."""
    d = describe(engine_name)
    if d.type_affinity:
        return _sqlite_kind(column.type)
    t = column.type.lower()
    if d.named_enum_types and column.type in schema.enums:
        return Kind("enum", labels=schema.enums[column.type].labels)
    for pattern, make in _TYPE_PATTERNS.get(engine_name, _MYSQL_TYPES):
        m = re.fullmatch(pattern, t)
        if m:
            return make(m)
    return None


# --- tables ---------------------------------------------------------------------------------------

@dataclass
class TableResult:
    inserted: int = 0
    rejected: int = 0
    skipped: str | None = None  # why no row could be generated
    first_error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"inserted": self.inserted, "rejected": self.rejected}
        if self.skipped:
            out["skipped"] = self.skipped
        if self.first_error:
            out["first_rejection"] = self.first_error
        return out


@dataclass
class _Plan:
    columns: list[Column]
    kinds: list[Kind]
    unique: set[str] = field(default_factory=set)  # columns that must not repeat
    parents: list[tuple[tuple[str, ...], str, tuple[str, ...]]] = field(default_factory=list)


_REFERENCES = re.compile(r"references\s+(?P<table>[^\s(]+)\s*\((?P<cols>[^)]*)\)", re.I)


def _unquote(name: str) -> str:
    name = name.strip()
    return name[1:-1] if name[:1] in "\"`[" else name


def _foreign_keys(table: Table) -> list[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    out = []
    for c in table.constraints:
        if c.kind != "foreign key":
            continue
        m = _REFERENCES.search(c.definition)
        if m:
            out.append((c.columns, ".".join(_unquote(p) for p in m.group("table").split(".")),
                        tuple(_unquote(x) for x in m.group("cols").split(","))))
    return out


def _order(schema: Schema, tables: list[str]) -> list[str]:
    """Parents before children (cycles broken where they close)."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done or name in visiting or name not in schema.tables:
            return
        visiting.add(name)
        for _, parent, _ in _foreign_keys(schema.tables[name]):
            if parent != name:
                visit(parent)
        visiting.discard(name)
        done.append(name)

    for t in sorted(tables):
        visit(t)
    return [t for t in done if t in tables]


_IN_LIST = re.compile(
    r"""[("`]*(?P<col>\w+)[)"`]*(?:::[\w ]+)?\s*(?:in\s*\((?P<list>'.*?')\)|=\s*any\s*\(\(?array\[(?P<array>.*?)\])""",
    re.I,
)


def _listed_values(table: Table) -> dict[str, tuple[str, ...]]:
    """Columns a CHECK restricts to a list of literals (``status IN ('a', 'b')`` and PostgreSQL's ``= ANY (ARRAY[...])``)."""
    out = {}
    for c in table.constraints:
        if c.kind != "check" or " or " in c.definition.lower():
            continue
        m = _IN_LIST.search(c.definition)
        if m:
            labels = _labels(m.group("list") or m.group("array") or "")
            if labels:
                out[m.group("col")] = labels
    return out


def _plan(engine: Any, schema: Schema, table: Table) -> _Plan | str:
    columns, kinds = [], []
    # MariaDB's JSON is LONGTEXT guarded by CHECK (json_valid(col)): generate JSON for it
    json_checked = {m.group(1) for c in table.constraints if c.kind == "check"
                    for m in re.finditer(r"json_valid\(`?(\w+)`?\)", c.definition, re.I)}
    listed = _listed_values(table)
    for col in table.columns:
        if col.generated or col.identity or (col.default or "").startswith("nextval("):
            continue  # the database fills these
        kind = Kind("json") if col.name in json_checked else column_kind(engine.name, col, schema)
        if col.name in listed and kind is not None and kind.name in ("text", "literal"):
            kind = Kind("enum", labels=listed[col.name])  # CHECK (col IN ('a', 'b')): only those
        if kind is None:
            if not col.nullable and col.default is None:
                return f"no generator for column {col.name} of type {col.type}"
            continue
        if kind.name == "enum" and not kind.labels:
            continue
        columns.append(col)
        kinds.append(kind)
    if not columns:
        return "every column is filled by the database"
    plan = _Plan(columns, kinds)
    names = {c.name for c in columns}
    for c in table.constraints:
        if c.kind in ("primary key", "unique") and c.columns:
            # one distinct column is enough to keep a composite key distinct
            pick = next((x for x in c.columns if x in names), None)
            if pick is None:
                continue
            plan.unique.add(pick)
    plan.parents = [fk for fk in _foreign_keys(table) if all(x in names for x in fk[0])]
    return plan


def generate(engine: Any, schema: Schema, rows: dict[str, int], *, seed: int = 0) -> dict[str, TableResult]:
    """Insert up to ``rows[table]`` synthetic rows into each named table of the connected database."""
    rng = random.Random(seed)
    results: dict[str, TableResult] = {}
    for name in _order(schema, [t for t, n in rows.items() if n > 0]):
        table = schema.tables[name]
        plan = _plan(engine, schema, table)
        if isinstance(plan, str):
            results[name] = TableResult(skipped=plan)
            continue
        results[name] = _fill(engine, table, plan, rows[name], rng)
    return results


def _fill(engine: Any, table: Table, plan: _Plan, count: int, rng: random.Random) -> TableResult:
    result = TableResult()
    parent_values = {cols: _parent_keys(engine, parent, pcols) for cols, parent, pcols in plan.parents}
    starts = {c.name: _next_free(engine, table, c) for c, k in zip(plan.columns, plan.kinds)
              if c.name in plan.unique and k.name == "int"}
    token = f"{rng.getrandbits(32):08x}"
    pools: dict[str, list[Any]] = {}
    rows: list[list[Any]] = []
    for i in range(count):
        edge = EDGE_ROWS[i] if i < len(EDGE_ROWS) else None
        row = []
        for col, kind in zip(plan.columns, plan.kinds):
            row.append(_value(col, kind, edge, i, rng, plan, starts, token, pools))
        for cols, keys in parent_values.items():
            positions = [next(j for j, c in enumerate(plan.columns) if c.name == x) for x in cols]
            nullable = all(plan.columns[p].nullable for p in positions)
            choice = None if (not keys or (nullable and (edge == "nulls" or rng.random() < 0.1))) else rng.choice(keys)
            for p, value in zip(positions, choice or (None,) * len(positions)):
                row[p] = value
        rows.append([_ADAPT.get((engine.name, type(v)), _same)(v) for v in row])
    if count > len(EDGE_ROWS):
        dup, src = EDGE_ROWS.index("duplicate"), len(EDGE_ROWS)
        rows[dup] = [rows[src][j] if c.name not in plan.unique else rows[dup][j] for j, c in enumerate(plan.columns)]
    cols = ", ".join(engine.quote(c.name) for c in plan.columns)
    batch = max(1, min(_BATCH, _MAX_PARAMETERS // len(plan.columns)))
    for start in range(0, len(rows), batch):
        _insert(engine, qualified(engine, table.name), cols, rows[start : start + batch], result)
    return result


def _same(value: Any) -> Any:
    return value


#: (engine, Python type) -> what its driver accepts instead
_ADAPT: dict[tuple[str, type], Callable[[Any], Any]] = {
    ("sqlite", Decimal): str,  # NUMERIC affinity stores the exact digits
    ("mysql", uuid.UUID): str,
}


def _value(col: Column, kind: Kind, edge: str | None, i: int, rng: random.Random, plan: _Plan,
           starts: dict[str, int], token: str, pools: dict[str, list[Any]]) -> Any:
    if edge == "nulls" and col.nullable:
        return None
    if col.name in plan.unique:
        if edge in ("empty", "largest", "smallest"):
            return kind.edge(edge)
        base = starts.get(col.name)
        return base + i if base is not None else kind.distinct(i, token)
    if edge is not None and edge != "duplicate":
        return kind.edge(edge)
    if col.nullable and rng.random() < 0.1:
        return None
    pool = pools.setdefault(col.name, [])
    if pool and rng.random() < 0.3:
        return rng.choice(pool)  # duplicates where nothing forbids them
    value = kind.sample(rng, i)
    if len(pool) < 20:
        pool.append(value)
    return value


def _parent_keys(engine: Any, parent: str, columns: tuple[str, ...]) -> list[tuple]:
    cols = ", ".join(engine.quote(c) for c in columns)
    try:
        return [tuple(r) for r in engine.query(
            f"SELECT DISTINCT {cols} FROM {qualified(engine, parent)} WHERE {' AND '.join(f'{engine.quote(c)} IS NOT NULL' for c in columns)} LIMIT 1000"
        )]
    except StatementError:
        return []


def _next_free(engine: Any, table: Table, col: Column) -> int:
    row = engine.query_one(f"SELECT MAX({engine.quote(col.name)}) FROM {qualified(engine, table.name)}")
    return int(row[0]) + 1 if row and row[0] is not None else 1


def _insert(engine: Any, table_sql: str, columns: str, rows: list[list[Any]], result: TableResult) -> None:
    """All rows in one statement; if the database refuses it, each row on its own to keep the others."""
    one = f"({', '.join(['%s'] * len(rows[0]))})"
    try:
        engine.execute(engine.sql(f"INSERT INTO {table_sql} ({columns}) VALUES {', '.join([one] * len(rows))}"),
                       [v for row in rows for v in row])
        result.inserted += len(rows)
        return
    except StatementError:
        pass
    sql = engine.sql(f"INSERT INTO {table_sql} ({columns}) VALUES {one}")
    for row in rows:
        try:
            engine.execute(sql, row)
            result.inserted += 1
        except StatementError as exc:
            result.rejected += 1
            result.first_error = result.first_error or exc.message
