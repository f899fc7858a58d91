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

    def quote(self, identifier: str) -> str:
        """Every identifier quoted, schema.table part by part: names are taken exactly as written."""
        q = self.quote_char
        return ".".join(q + part.replace(q, q + q) + q for part in identifier.split("."))

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
    "postgresql": Dialect("postgresql", '"', False, "TRUE", "FALSE"),
    "mysql": Dialect("mysql", "`", True, "TRUE", "FALSE"),
    "sqlite": Dialect("sqlite", '"', False, "1", "0"),
}


def dialect(name: str) -> Dialect:
    return DIALECTS[name]


class Unsupported(ShoringError):
    """The operation has no safe form on this engine (the message says what to do instead)."""
