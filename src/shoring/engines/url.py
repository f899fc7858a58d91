"""Database URLs: parsing, engine names and a masked form safe to print.

Part of the engines package: a URL's scheme names the engine, and the engines open URLs, so the two
depend on each other and belong together (the engines import no other shoring package)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from shoring.engines.description import describe
from shoring.errors import ConfigError

#: URL scheme -> engine name: how users may spell each engine in a URL (user input, so names are spelled out).
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
    query: tuple[tuple[str, str], ...] = field(default=(), repr=False)  # may hold ?password=

    @property
    def options(self) -> dict[str, str]:
        return dict(self.query)

    def masked(self) -> str:
        """The URL with its password replaced, the only form that may be printed or stored."""
        if describe(self.engine).opens_a_file:
            return mask_anything(f"sqlite:///{self.database}")  # sqlite://user:pw@... is a path, shown masked
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
    # Every message below shows only `shown`: the password is masked before any message is built.
    shown = mask_anything(raw)
    if not isinstance(raw, str) or not raw or "://" not in raw:
        raise ConfigError(
            f"not a database URL: {shown!r} "
            "(expected sqlite:///path.db, postgresql://user@host/db or mysql://user@host/db)"
        )
    scheme = raw.split("://", 1)[0].lower()
    base = scheme.split("+", 1)[0]
    engine = SCHEMES.get(base)
    if engine is None:
        raise ConfigError(f"unsupported database URL scheme {mask_anything(scheme)!r} "
                          "(use sqlite, postgresql, mysql or mariadb)")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in raw):
        # urllib silently drops tabs and newlines, so a password holding one would be sent without it
        raise ConfigError(f"database URL {shown!r} contains a control character (a tab, a newline, ...): "
                          "percent-encode it (a tab is %09)")
    if describe(engine).opens_a_file:
        path = raw.split("://", 1)[1]
        if not path.startswith("/") and "@" in path:
            raise ConfigError(f"sqlite URL {shown!r} names a user or a host, but SQLite opens a file "
                              "(sqlite:///relative.db or sqlite:////abs/path.db)")
        # sqlite:///relative.db and sqlite:////abs/path.db, as SQLAlchemy writes them
        if path.startswith("/"):
            path = path[1:]
        path, _, q = path.partition("?")
        if not path:
            raise ConfigError("sqlite URL names no file (sqlite:///path.db)")
        return DatabaseURL(raw=raw, engine=engine, scheme=base, database=unquote(path), query=tuple(parse_qsl(q)))
    encode = "a password with @, /, :, # or ? must be percent-encoded (@ is %40, / is %2F)"
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        # urllib's own text may quote a piece of the password, so it is not shown
        raise ConfigError(f"bad host or port in database URL {shown} (the port must be a number up to 65535; "
                          f"an IPv6 host is written [::1]; {encode})") from None
    if "@" in parts.path or "@" in parts.query or "@" in parts.fragment:
        # e.g. mysql://u:pa/ss@host/db: urllib would read host 'u', port 'pa' and database 'ss@host/db'
        raise ConfigError(f"database URL {shown} has an '@' after its host ({encode})")
    if parts.fragment:
        raise ConfigError(f"database URL {shown} has a '#' fragment ({encode})")
    try:  # strictly: a % escape that is no UTF-8 would otherwise become U+FFFD and another password be sent
        user = unquote(parts.username, errors="strict") if parts.username else None
        password = unquote(parts.password, errors="strict") if parts.password is not None else None
        database = unquote(parts.path.lstrip("/"), errors="strict")
    except UnicodeDecodeError:
        raise ConfigError(f"database URL {shown} has a % escape that is not UTF-8 (a % itself is written %25)") from None
    return DatabaseURL(
        raw=raw,
        engine=engine,
        scheme=base,
        user=user,
        password=password,
        host=parts.hostname,
        port=port,
        database=database,
        query=tuple(parse_qsl(parts.query)),
    )


_SCHEME_PREFIX = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*(?::/+|:?//+|/+)")
_SECRET_OPTION = re.compile(r"(?i)\b(password|passwd|pwd|sslpassword)=[^&\s'\"]*")


def mask_anything(text: object) -> str:
    """Mask the password in any URL-looking text, parsable or not (scheme typos, raw @ or / in it).

    Over-masking is fine, a leak is not: everything between the user's ':' and the last '@' goes.
    """
    if not isinstance(text, str):
        return repr(text)
    text = _SECRET_OPTION.sub(lambda m: f"{m.group(1)}=***", text)
    head, at, tail = text.rpartition("@")
    if not at:
        return text
    prefix = _SCHEME_PREFIX.match(head)
    scheme = prefix.group(0) if prefix else ""
    userinfo = head[len(scheme):]
    if ":" not in userinfo:
        return text
    user = userinfo.split(":", 1)[0]
    return f"{scheme}{user}:***@{tail}"
