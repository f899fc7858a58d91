"""The seed's first pre-migration item, "Backup database": taken by apply/rollback before they change anything.

Configured in shoring.toml:

    [backup]
    path = "backups/{database}-{timestamp}.db"     # SQLite: a consistent copy through SQLite's backup API
    command = "pg_dump --format=custom --file=backups/{database}-{timestamp}.dump"   # any engine

A command runs without a shell (arguments split like a shell would); it finds the connection in the
environment the way the database's own tools read it (PGHOST/PGUSER/PGPASSWORD/PGDATABASE, MYSQL_PWD,
and SHORING_DATABASE_URL), so no password ever sits on a command line or in the history.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from shoring.errors import ConfigError, MigrationFailed

KEYS = {"path", "command", "timeout"}


@dataclass
class Backup:
    what: str  # the file written, or the command run (never a password)
    seconds: float


def placeholders(engine: Any, version: str) -> dict[str, str]:
    url = engine.url
    return {
        "timestamp": datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S"),
        "database": Path(url.database).stem if engine.name == "sqlite" else url.database,
        "host": url.host or "localhost",
        "port": str(url.port or ""),
        "user": url.user or "",
        "version": version,
    }


def tool_environment(engine: Any) -> dict[str, str]:
    """Connection details for pg_dump / mysqldump / sqlite3, the way each reads them."""
    url = engine.url
    env = dict(os.environ, SHORING_DATABASE_URL=url.raw or url.masked())
    if engine.name == "postgresql":
        env.update(PGHOST=url.host or "localhost", PGPORT=str(url.port or 5432), PGUSER=url.user or "postgres",
                   PGDATABASE=url.database)
        if url.password:
            env["PGPASSWORD"] = url.password
    elif engine.name == "mysql":
        env.update(MYSQL_HOST=url.host or "localhost", MYSQL_TCP_PORT=str(url.port or 3306))
        if url.password:
            env["MYSQL_PWD"] = url.password
    return env


def take_backup(settings: Any, engine: Any, version: str, root: Path) -> Backup | None:
    """Run the configured backup; None when none is configured. Raises, changing nothing, when it fails."""
    config = settings.section("backup")
    if not config:
        return None
    unknown = set(config) - KEYS
    if unknown:
        raise ConfigError(f"unknown setting [backup] {sorted(unknown)[0]!r} (known: {', '.join(sorted(KEYS))})",
                          path=settings.config_file)
    values = placeholders(engine, version)
    import time

    started = time.perf_counter()
    if "path" in config:
        if engine.name != "sqlite":
            raise ConfigError("[backup] path is for SQLite databases; use command (pg_dump, mysqldump) for "
                              f"{engine.name}", path=settings.config_file)
        target = root / str(config["path"]).format(**values)
        target.parent.mkdir(parents=True, exist_ok=True)
        import sqlite3

        with sqlite3.connect(target) as copy:
            engine.conn.backup(copy)
        copy.close()
        return Backup(str(target), time.perf_counter() - started)
    command = [part.format(**values) for part in shlex.split(str(config["command"]))]
    try:
        result = subprocess.run(command, cwd=root, env=tool_environment(engine), capture_output=True, text=True,
                                timeout=float(config.get("timeout", 3600)))
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MigrationFailed(f"backup failed, so nothing was changed: {' '.join(command)}: {exc}") from None
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1]
        raise MigrationFailed(f"backup failed, so nothing was changed: {' '.join(command)}: {last} "
                              "(fix [backup] in shoring.toml, or pass --no-backup)")
    return Backup(" ".join(command), time.perf_counter() - started)
