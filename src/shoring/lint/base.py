"""What a rule is, what it reports, and what it gets to look at."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from shoring.analysis.catalog import Catalog
from shoring.analysis.model import AnalyzedStatement, Operation
from shoring.analysis.versions import ServerVersion
from shoring.engines.description import ENGINES, describe

SEVERITIES = ("error", "warning", "info")
#: each engine as the docs name it ("MySQL/MariaDB")
ENGINE_NAMES = {name: d.family_label for name, d in ENGINES.items()}


@dataclass(frozen=True)
class Example:
    """A migration that shows the hazard (bad) and one that avoids it (good); tests lint both.

    Either may be several files, each starting with a `-- file: NAME` line (earlier files
    create what later ones change).
    """

    bad: str
    good: str


@dataclass(frozen=True)
class Rule:
    id: str  # kebab-case slug
    severity: str  # error | warning | info
    summary: str  # one line: what is wrong
    why: str  # a paragraph: what happens in production
    engines: tuple[str, ...]
    examples: dict[str, Example]  # engine -> example (every engine in `engines` has one)
    check: Callable[..., Iterable["Finding"]]
    kinds: tuple[str, ...] = ()  # operation kinds it inspects; () = it inspects whole migrations
    sections: tuple[str, ...] = ("up", "down")
    anchors: str = ""  # the same hazard in squawk, strong_migrations, Eugene, Atlas
    fix: str = ""  # the safe alternative in prose (the findings carry pasteable SQL)

    @property
    def per_operation(self) -> bool:
        return bool(self.kinds)


@dataclass
class Finding:
    rule: str
    severity: str
    file: str
    line: int
    column: int
    message: str
    suggestion: str = ""
    section: str | None = None
    statement: int | None = None  # index of the statement in its section

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
            "suggestion": self.suggestion,
            "section": self.section,
            "statement": self.statement,
        }


@dataclass
class MigrationContext:
    """One migration file as the rules see it, analysed."""

    path: Path
    display: str  # the path as findings print it
    engine: str
    version: ServerVersion
    kind: str  # "shoring" (header + up/down markers), "plain" (whole file is up), "python" (code), "operations"
    migration: Any  # shoring.migrations.Migration
    up: list[AnalyzedStatement]
    down: list[AnalyzedStatement]
    catalog: Catalog  # the schema after this migration's up section
    wrapped: bool  # the runner runs the up section in one transaction
    runner_settings: dict[str, bool] = field(default_factory=dict)  # timeouts shoring's runner sets itself
    new_columns: set[tuple[str, str]] = field(default_factory=set)  # (table, column) added by this migration
    undo_file: Path | None = None  # Flyway U<version>__ file beside a plain V file
    explicit_transactions: bool = False  # a plain file that runs its own BEGIN ... COMMIT
    down_display: str | None = None  # where the down section lives when it is another file (Flyway U files)

    @property
    def flavour(self) -> str:
        return self.version.flavour

    @property
    def description(self):
        """What the engine can do (shoring.engines.description): rules read it instead of comparing names."""
        return describe(self.engine)

    @property
    def server(self):
        """What the flavour of the server can do (MariaDB beside MySQL), from the engine's description."""
        return self.version.server

    @property
    def metadata(self):
        return self.migration.metadata

    @property
    def phase(self) -> str:
        return (self.migration.metadata.get("Phase") or "").strip().lower()

    def section(self, name: str) -> list[AnalyzedStatement]:
        return self.up if name == "up" else self.down

    def is_new(self, op: Operation) -> bool:
        """The table, or the column, was created earlier in this migration: no running code uses it yet.

        Only for hazards to running code and data (drops, renames). Lock and rewrite hazards look at
        `op.new_table` alone: a column added a moment ago still lives in a table full of rows.
        """
        return op.new_table or bool(op.get("new_column"))

    def finding(self, rule: Rule, st: AnalyzedStatement | None, message: str, suggestion: str = "", *,
                op: Operation | None = None, severity: str | None = None, line: int | None = None,
                column: int | None = None) -> "Finding":
        if st is not None and line is None:
            line, column = st.position(op.offset if op is not None else None)
        shown = self.down_display if (st is not None and st.section == "down" and self.down_display) else self.display
        return Finding(
            rule=rule.id, severity=severity or rule.severity, file=shown, line=line or 1, column=column or 1,
            message=message, suggestion=suggestion.strip(), section=st.section if st is not None else None,
            statement=st.index if st is not None else None,
        )

    def statements(self, sections: Iterable[str] = ("up",)) -> Iterator[AnalyzedStatement]:
        for name in sections:
            yield from self.section(name)

    def operations(self, *kinds: str, sections: Iterable[str] = ("up",)) -> Iterator[tuple[AnalyzedStatement, Operation]]:
        for st in self.statements(sections):
            for op in st.operations:
                if not kinds or op.kind in kinds:
                    yield st, op


# --- identifiers in suggestions ---------------------------------------------------------------

_reserved_cache: dict[str, tuple[re.Pattern[str], frozenset[str]]] = {}


def _words(engine: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """(a name that needs no quotes, the reserved words) as the engine's description names them."""
    if engine not in _reserved_cache:
        import importlib

        d = describe(engine)
        module, function = d.reserved_words.split(":")
        _reserved_cache[engine] = re.compile(d.plain_identifier), getattr(importlib.import_module(module), function)()
    return _reserved_cache[engine]


def quote(name: str | None, engine: str) -> str:
    """An identifier as it must be written in SQL the user pastes; schema.table parts one by one."""
    if not name:
        return "?"
    return _quote(name, engine)


@lru_cache(maxsize=1 << 16)  # rules quote the same names over and over (50k calls for 20k statements)
def _quote(name: str, engine: str) -> str:
    if "." in name and not name.startswith(('"', "`")):
        return ".".join(quote(part, engine) for part in name.split("."))
    plain, reserved = _words(engine)
    if plain.fullmatch(name) and name.lower() not in reserved:
        return name
    return describe(engine).quote(name)


def literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def short_sql(sql: str, limit: int = 90) -> str:
    text = " ".join(sql.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def lock_timeout_sql(engine: str, flavour: str) -> str:
    """The statement that makes a migration give up waiting for a lock after 5 s, and the flavour's other way."""
    d = describe(engine)
    clause = d.flavour(flavour).lock_wait_clause
    return (d.lock_timeout_sql or "") + (f"  -- or: ALTER TABLE ... {clause}" if clause else "")


NON_TRANSACTIONAL_HINT = (
    "-- in a migration of its own, marked to run outside a transaction:\n"
    "-- Transaction: false"
)


def operations_hint(*calls: str) -> str:
    """The same change as shoring's operations do it (a comment: the suggestion stays pasteable SQL)."""
    return "-- or let shoring do it, in a Python migration: operations = [" + ", ".join(calls) + "]"


def py(value: str | None) -> str:
    """A name as a Python string literal in an operations hint."""
    import json

    return json.dumps(value or "?")


def backfill_sql(engine: str, table: str, assignment: str, null_column: str, batch: int = 1000) -> str:
    """One batch of a backfill, to repeat until it updates no rows (each batch its own transaction)."""
    t, c = quote(table, engine), quote(null_column, engine)
    key = describe(engine).row_id_column
    if key is None:  # UPDATE takes LIMIT itself
        return f"UPDATE {t} SET {assignment} WHERE {c} IS NULL LIMIT {batch};  -- repeat until it updates 0 rows"
    return (f"UPDATE {t} SET {assignment} WHERE {key} IN "
            f"(SELECT {key} FROM {t} WHERE {c} IS NULL LIMIT {batch});  -- repeat until it updates 0 rows")


def spec_sql(spec, engine: str, *, not_null: bool | None = None, default: bool = True) -> str:
    """A column definition as SQL: name, type, and (optionally) NOT NULL and its default."""
    parts = [quote(spec.name, engine), spec.type]
    if (spec.not_null if not_null is None else not_null):
        parts.append("NOT NULL")
    if default and spec.default is not None:
        parts.append(f"DEFAULT {spec.default_text()}")
    return " ".join(parts)
