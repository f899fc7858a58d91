"""How operations write SQL for each engine: identifier quoting and literals, from the engine descriptions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from shoring.engines.description import ENGINES, Description
from shoring.errors import ShoringError


@dataclass(frozen=True)
class Dialect:
    """The engine's description (shoring.engines.description), with the helpers operations write SQL with."""

    engine: Description

    def __getattr__(self, fact: str) -> Any:
        """Every fact of the engine's description reads as the dialect's own (d.quote_char, d.true, ...)."""
        if fact == "engine":  # not set yet (copy, pickle): no recursion
            raise AttributeError(fact)
        return getattr(self.engine, fact)

    def quote(self, identifier: str) -> str:
        """One identifier (a column, an index, a constraint), quoted exactly as written: a '.' in it stays.
        A name longer than the engine keeps is refused here, before the engine cuts or refuses it."""
        if self.identifier_limit:
            limit, unit = self.identifier_limit
            size = len(identifier.encode()) if unit == "bytes" else len(identifier)
            if size > limit:
                cut = " (it would silently cut the rest)" if self.truncates_long_identifiers else ""
                raise ShoringError(f"name {identifier[:24]!r}... is {size} {unit} long; {self.family_label} keeps at most "
                                   f"{limit} {unit}{cut}: choose a shorter name")
        return self.engine.quote(identifier)

    @property
    def label(self) -> str:
        return self.engine.family_label

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


DIALECTS = {name: Dialect(description) for name, description in ENGINES.items()}


def dialect(name: str) -> Dialect:
    return DIALECTS[name]


class Unsupported(ShoringError):
    """The operation has no safe form on this engine (the message says what to do instead)."""
