"""A database schema as plain, comparable data.

Every field holds text the engine itself produced (``format_type``, ``pg_get_constraintdef``,
``COLUMN_TYPE``, ...) after light normalisation, so two schemas that mean the same thing compare
equal with ``==`` and a difference is always something a user could see with the engine's own tools.
Objects are keyed by name; where an engine keeps no name (SQLite constraints) the introspection
invents a stable one from the definition.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool
    default: str | None = None
    generated: str | None = None  # "stored: <expr>" / "virtual: <expr>" for computed columns
    identity: str | None = None  # "always", "by default", "auto_increment", "rowid", "autoincrement"
    collation: str | None = None  # only when it differs from the table's / type's default
    extra: str | None = None  # engine-specific attributes (MySQL ON UPDATE, INVISIBLE, ...)


@dataclass(frozen=True)
class Constraint:
    name: str
    kind: str  # "primary key", "unique", "foreign key", "check", "exclusion", "trigger"
    columns: tuple[str, ...] = ()
    definition: str = ""
    validated: bool = True  # False for PostgreSQL constraints added NOT VALID and not validated yet


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]  # column names, or expressions as the engine prints them
    unique: bool
    definition: str
    valid: bool = True  # False for a PostgreSQL index a failed CREATE INDEX CONCURRENTLY left behind


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    options: tuple[tuple[str, str], ...] = ()  # engine, collation, partitioning, WITHOUT ROWID, ...

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def constraint(self, name: str) -> Constraint | None:
        return next((c for c in self.constraints if c.name == name), None)

    def index(self, name: str) -> Index | None:
        return next((i for i in self.indexes if i.name == name), None)

    @property
    def primary_key(self) -> tuple[str, ...]:
        pk = next((c for c in self.constraints if c.kind == "primary key"), None)
        return pk.columns if pk else ()

    def option(self, key: str) -> str | None:
        return dict(self.options).get(key)

    @property
    def partition_of(self) -> str | None:
        """The partitioned table this one is a partition of (PostgreSQL), named as the snapshot names it."""
        return self.option("partition of")


@dataclass(frozen=True)
class View:
    name: str
    definition: str
    materialized: bool = False


@dataclass(frozen=True)
class Sequence:
    name: str
    definition: str  # type, start, increment, bounds, cycle, owner; never the current value


@dataclass(frozen=True)
class Trigger:
    name: str  # "<table>.<trigger>"
    table: str
    definition: str


@dataclass(frozen=True)
class Function:
    name: str  # signature: "name(argtypes)"
    definition: str


@dataclass(frozen=True)
class Enum:
    name: str
    labels: tuple[str, ...]


#: Schema attribute -> object class, in the order diffs and reports list them.
OBJECT_KINDS: dict[str, type] = {
    "tables": Table,
    "views": View,
    "sequences": Sequence,
    "triggers": Trigger,
    "functions": Function,
    "enums": Enum,
}


@dataclass(frozen=True)
class Schema:
    engine: str
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    triggers: dict[str, Trigger] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    enums: dict[str, Enum] = field(default_factory=dict)
    schemas: tuple[str, ...] = ()  # PostgreSQL namespaces besides the current one
    extensions: tuple[tuple[str, str], ...] = ()  # PostgreSQL (name, version)

    def __eq__(self, other: object) -> bool:
        # The engine name is a label, not part of the shape: compare what a user could see.
        if not isinstance(other, Schema):
            return NotImplemented
        return all(getattr(self, f.name) == getattr(other, f.name) for f in fields(self) if f.name != "engine")

    __hash__ = None  # type: ignore[assignment]

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def invalid_indexes(self) -> list[tuple[str, Index]]:
        return [(t.name, i) for t in self.tables.values() for i in t.indexes if not i.valid]

    def unvalidated_constraints(self) -> list[tuple[str, Constraint]]:
        return [(t.name, c) for t in self.tables.values() for c in t.constraints if not c.validated]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (records, reports); ``Schema.from_dict`` reads it back."""
        out: dict[str, Any] = {"engine": self.engine}
        for attr in OBJECT_KINDS:
            out[attr] = {name: asdict(obj) for name, obj in getattr(self, attr).items()}
        out["schemas"] = list(self.schemas)
        out["extensions"] = [list(e) for e in self.extensions]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Schema":
        def table(d: dict[str, Any]) -> Table:
            return Table(
                name=d["name"],
                columns=tuple(Column(**c) for c in d["columns"]),
                constraints=tuple(Constraint(**{**c, "columns": tuple(c["columns"])}) for c in d["constraints"]),
                indexes=tuple(Index(**{**i, "columns": tuple(i["columns"])}) for i in d["indexes"]),
                options=tuple(tuple(o) for o in d["options"]),
            )

        builders = {
            "tables": table,
            "enums": lambda d: Enum(name=d["name"], labels=tuple(d["labels"])),
        }
        kwargs: dict[str, Any] = {}
        for attr, klass in OBJECT_KINDS.items():
            build = builders.get(attr, lambda d, k=klass: k(**d))
            kwargs[attr] = {name: build(obj) for name, obj in (data.get(attr) or {}).items()}
        return cls(
            engine=data["engine"],
            schemas=tuple(data.get("schemas") or ()),
            extensions=tuple(tuple(e) for e in data.get("extensions") or ()),
            **kwargs,
        )
