"""MySQL/MariaDB: a consistent mysqldump (one transaction, routines, triggers); verified by reading it back."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from shoring.runner.dumps import BackupInvalid
from shoring.runner.dumps.tools import find_tool, run_tool

SUFFIX = ".sql"
TRAILER = re.compile(rb"^-- Dump completed", re.M)


def _connection(env: dict[str, str]) -> list[str]:
    args = [f"--host={env.get('MYSQL_HOST', 'localhost')}", f"--port={env.get('MYSQL_TCP_PORT', '3306')}"]
    if env.get("MYSQL_USER"):
        args.append(f"--user={env['MYSQL_USER']}")
    return args


def write(engine: Any, target: Path, env: dict[str, str]) -> None:
    dump = find_tool("mariadb-dump", "mysqldump")
    with target.open("wb") as out:
        run_tool([dump, *_connection(env), "--single-transaction", "--routines", "--triggers", "--events",
                  "--hex-blob", "--skip-dump-date", env["MYSQL_DATABASE"]], env, stdout=out)


def verify(target: Path, env: dict[str, str]) -> str:
    """Read the dump back: it must end with the dump tool's completion line (a cut-off dump does not) and hold a
    CREATE TABLE and data section for what it names."""
    data = target.read_bytes()
    if not TRAILER.search(data[-4096:]):
        raise BackupInvalid("the dump does not end with '-- Dump completed' (cut off or not a mysqldump file)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BackupInvalid(f"the dump is not readable text at byte {exc.start}") from None
    tables = len(re.findall(rb"^CREATE TABLE ", data, re.M))
    return f"read back: {tables} table(s), complete"


def restore(source: Path, engine: Any, env: dict[str, str]) -> None:
    """Drop and re-create the database (same character set), then load the dump with the client."""
    name = env["MYSQL_DATABASE"]
    charset, collation = engine.query_one(
        "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
        [name])
    engine.execute(f"DROP DATABASE IF EXISTS {engine.quote(name)}")
    engine.execute(f"CREATE DATABASE {engine.quote(name)} CHARACTER SET {charset} COLLATE {collation}")
    engine.execute(f"USE {engine.quote(name)}")
    client = find_tool("mariadb", "mysql")
    with source.open("rb") as dump:
        run_tool([client, *_connection(env), "--binary-mode", name], env, stdin=dump)
