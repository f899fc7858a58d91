"""Server versions: what the user configured, read into something the fact tables can compare."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: What analysis assumes when nobody says. PostgreSQL 15 is the reference the fact tables were checked
#: against; MySQL 8.0.35 is the 8.0 line with every INSTANT improvement; SQLite is whatever the Python
#: running shoring links, because that is the library shoring's own runner uses.
DEFAULTS = {"postgresql": "15", "mysql": "8.0.35"}
#: Supported ranges; outside them analysis still runs and says so.

ENGINES = ("postgresql", "mysql", "sqlite")


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
    def label(self) -> str:
        names = {"postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB", "sqlite": "SQLite"}
        return f"{names[self.flavour]} {'.'.join(map(str, self.numbers))}"


def parse_server_version(engine: str, text: str | int | float | None = None) -> ServerVersion:
    """'15', '15.4', 'PostgreSQL 16.2', '8.0.36', '10.11.6-MariaDB', 'mariadb-10.11', '3.45.1'.

    MySQL-family versions from 10 up are MariaDB (MySQL went from 5.7 to 8.0), and so is anything
    that says mariadb.
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (use postgresql, mysql or sqlite)")
    if text is None or text == "":
        if engine == "sqlite":
            import sqlite3

            text = sqlite3.sqlite_version
        else:
            text = DEFAULTS[engine]
    raw = str(text).strip()
    m = re.search(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", raw)
    if not m:
        raise ValueError(f"cannot read a version number in {raw!r}")
    numbers = tuple(int(g) for g in m.groups() if g is not None)
    flavour = engine
    if engine == "mysql" and ("maria" in raw.lower() or numbers[0] >= 10):
        flavour = "mariadb"
    if engine == "postgresql" and numbers[0] >= 10:
        numbers = numbers[:2]  # since 10 the second number is the minor release
    return ServerVersion(engine=engine, flavour=flavour, numbers=numbers, text=raw)
