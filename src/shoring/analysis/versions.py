"""Server versions: what the user configured, read into something the fact tables can compare."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shoring.engines.description import ENGINES as DESCRIPTIONS
from shoring.engines.description import Flavour, describe

#: What analysis assumes when nobody says (each description's default_version). PostgreSQL 15 is the
#: reference the fact tables were checked against; MySQL 8.0.35 is the 8.0 line with every INSTANT
#: improvement; SQLite is whatever the Python running shoring links, because that is the library
#: shoring's own runner uses.
DEFAULTS = {name: d.default_version for name, d in DESCRIPTIONS.items() if d.default_version is not None}
#: Supported ranges; outside them analysis still runs and says so.

ENGINES = tuple(DESCRIPTIONS)


@dataclass(frozen=True)
class ServerVersion:
    engine: str  # postgresql | mysql | sqlite
    flavour: str  # postgresql | mysql | mariadb | sqlite
    numbers: tuple[int, ...]
    text: str

    def at_least(self, *numbers: int) -> bool:
        return self.numbers >= numbers

    def __str__(self) -> str:
        return self.text

    @property
    def server(self) -> Flavour:
        """What this flavour of the engine does differently (MariaDB beside MySQL)."""
        return describe(self.engine).flavour(self.flavour)

    @property
    def label(self) -> str:
        return f"{self.server.label} {'.'.join(map(str, self.numbers))}"


def parse_server_version(engine: str, text: str | int | float | None = None) -> ServerVersion:
    """'15', '15.4', 'PostgreSQL 16.2', '8.0.36', '10.11.6-MariaDB', 'mariadb-10.11', '3.45.1'.

    MySQL-family versions from 10 up are MariaDB (MySQL went from 5.7 to 8.0), and so is anything
    that says mariadb.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (use postgresql, mysql or sqlite)")
    d = describe(engine)
    if text is None or text == "":
        if d.default_version is None:  # the library Python links is the engine
            import sqlite3

            text = sqlite3.sqlite_version
        else:
            text = d.default_version
    raw = str(text).strip()
    m = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", raw)
    if not m:
        raise ValueError(f"cannot read a version number in {raw!r}")
    numbers = tuple(int(g) for g in m.groups() if g is not None)
    flavour = engine
    for other in d.flavours[1:]:
        marked = other.version_marker is not None and other.version_marker in raw.lower()
        if marked or (other.from_major is not None and numbers[0] >= other.from_major):
            flavour = other.name
            break
    if d.minor_release_from is not None and numbers[0] >= d.minor_release_from:
        numbers = numbers[:2]  # since 10 the second number is the minor release
    return ServerVersion(engine=engine, flavour=flavour, numbers=numbers, text=raw)
