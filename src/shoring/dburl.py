"""Database URLs: parsing, engine names and a masked form safe to print."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from shoring.errors import ConfigError

#: URL scheme -> engine name.
SCHEMES = {
    "sqlite": "sqlite",
    "sqlite3": "sqlite",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "pgsql": "postgresql",
    "mysql": "mysql",
    "mariadb": "mysql",
}


@dataclass(frozen=True)
class DatabaseURL:
    raw: str = field(repr=False)
    engine: str
    scheme: str
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str = ""
    query: tuple[tuple[str, str], ...] = ()

    @property
    def options(self) -> dict[str, str]:
        return dict(self.query)

    def masked(self) -> str:
        """The URL with its password replaced, the only form that may be printed or stored."""
        if self.engine == "sqlite":
            return f"sqlite:///{self.database}"
        auth = ""
        if self.user:
            auth = self.user + (":***" if self.password else "") + "@"
        host = self.host or "localhost"
        port = f":{self.port}" if self.port else ""
        return f"{self.scheme}://{auth}{host}{port}/{self.database}"

    def with_database(self, name: str) -> "DatabaseURL":
        """The same server, another database (scratch copies, throwaway test databases)."""
        from dataclasses import replace

        return replace(self, database=name, raw="")


def parse_url(raw: str) -> DatabaseURL:
    if not raw or "://" not in raw:
        raise ConfigError(
            f"not a database URL: {mask_anything(raw)!r} "
            "(expected sqlite:///path.db, postgresql://user@host/db or mysql://user@host/db)"
        )
    scheme = raw.split("://", 1)[0].lower()
    base = scheme.split("+", 1)[0]
    engine = SCHEMES.get(base)
    if engine is None:
        raise ConfigError(f"unsupported database URL scheme {scheme!r} (use sqlite, postgresql, mysql or mariadb)")
    if engine == "sqlite":
        path = raw.split("://", 1)[1]
        # sqlite:///relative.db and sqlite:////abs/path.db, as SQLAlchemy writes them
        if path.startswith("/"):
            path = path[1:]
        path, _, q = path.partition("?")
        if not path:
            raise ConfigError("sqlite URL names no file (sqlite:///path.db)")
        return DatabaseURL(raw=raw, engine=engine, scheme=base, database=unquote(path), query=tuple(parse_qsl(q)))
    parts = urlsplit(raw)
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"bad port in database URL {mask_anything(raw)}: {exc}") from None
    return DatabaseURL(
        raw=raw,
        engine=engine,
        scheme=base,
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        host=parts.hostname,
        port=port,
        database=unquote(parts.path.lstrip("/")),
        query=tuple(parse_qsl(parts.query)),
    )


def mask_anything(text: str) -> str:
    """Mask a password in any URL-looking text (for error messages about unparsable URLs)."""
    import re

    return re.sub(r"(://[^:/@]*:)[^@/]*@", r"\1***@", text or "")
