"""How operations write SQL for each engine: identifier quoting and literals, as data."""

from __future__ import annotations

from dataclasses import dataclass

from shoring.errors import ShoringError


@dataclass(frozen=True)
class Dialect:
    name: str  # "postgresql", "mysql" or "sqlite": the engines' dialect names
    quote_char: str
    backslash_escapes: bool  # MySQL reads \ in a string literal as an escape (unless NO_BACKSLASH_ESCAPES)
    true: str
    false: str
    #: the longest name the engine keeps, and what it counts: PostgreSQL cuts longer names silently
    identifier_limit: tuple[int, str] | None = None


    def quote(self, identifier: str) -> str:
        """One identifier (a column, an index, a constraint), quoted exactly as written: a '.' in it stays."""
        if self.identifier_limit:
            limit, unit = self.identifier_limit
            size = len(identifier.encode()) if unit == "bytes" else len(identifier)
            if size > limit:
                cut = " (it would silently cut the rest)" if self.name == "postgresql" else ""
                raise ShoringError(f"name {identifier[:24]!r}... is {size} {unit} long; {self.label} keeps at most "
                                   f"{limit} {unit}{cut}: choose a shorter name")
        q = self.quote_char
        return q + identifier.replace(q, q + q) + q

    @property
    def label(self) -> str:
        return {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite"}[self.name]

    def table(self, name: str) -> str:
        """A table name, which may be schema-qualified: schema.table is quoted part by part."""
        return ".".join(self.quote(part) for part in name.split("."))

    def columns(self, names: "tuple[str, ...] | list[str]") -> str:
        return ", ".join(self.quote(n) for n in names)

    def literal(self, value: object) -> str:
        """A constant in DDL, where the engines accept no parameters (DEFAULT clauses)."""
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return self.true if value else self.false
        if isinstance(value, (int, float)):
            return repr(value)
        if isinstance(value, str):
            text = value.replace("\\", "\\\\") if self.backslash_escapes else value
            return "'" + text.replace("'", "''") + "'"
        raise ShoringError(f"a default must be None, a bool, a number or a string, not {type(value).__name__}")


DIALECTS = {
    "postgresql": Dialect("postgresql", '"', False, "TRUE", "FALSE", (63, "bytes")),
    "mysql": Dialect("mysql", "`", True, "TRUE", "FALSE", (64, "characters")),
    "sqlite": Dialect("sqlite", '"', False, "1", "0"),
}


def dialect(name: str) -> Dialect:
    return DIALECTS[name]


class Unsupported(ShoringError):
    """The operation has no safe form on this engine (the message says what to do instead)."""
