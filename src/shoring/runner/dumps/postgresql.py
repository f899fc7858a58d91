"""PostgreSQL: pg_dump's custom format; verified by reading the whole archive back with pg_restore."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

from shoring.runner.dumps import BackupInvalid
from shoring.runner.dumps.tools import find_tool, run_tool

SUFFIX = ".dump"
_SCHEMA = re.compile(r"^\d+; \d+ \d+ SCHEMA - (\S+) ", re.M)
_DATA = re.compile(r"^\d+; \d+ \d+ TABLE DATA (\S+) ", re.M)


def write(engine: Any, target: Path, env: dict[str, str]) -> None:
    run_tool([find_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={target}"], env)


def verify(target: Path, env: dict[str, str]) -> str:
    """`pg_restore --list` reads the table of contents; a full read to /dev/null proves every data block is there
    (a truncated archive still lists its contents)."""
    pg_restore = find_tool("pg_restore")
    try:
        listing = run_tool([pg_restore, "--list", str(target)], env)
        run_tool([pg_restore, "--file=/dev/null", str(target)], env)
    except RuntimeError as exc:
        raise BackupInvalid(str(exc)) from None
    tables = sum(1 for line in listing.splitlines() if re.match(r"^\d+; \d+ \d+ TABLE DATA ", line))
    return f"pg_restore read it back: {tables} table(s) of data"


def schemas(target: Path, env: dict[str, str]) -> set[str]:
    """The schemas the dump makes (`SCHEMA - name`) or fills (`TABLE DATA schema name`), and public."""
    listing = run_tool([find_tool("pg_restore"), "--list", str(target)], env)
    found = {"public"} | set(_SCHEMA.findall(listing)) | set(_DATA.findall(listing))
    return {s for s in found if not s.startswith("pg_") and s != "information_schema"}


def restore(source: Path, engine: Any, env: dict[str, str]) -> None:
    """Empty the schemas the dump holds, then load it in one transaction: the database is as it was, including
    no trace of tables made after the backup."""
    for schema in sorted(schemas(source, env)):
        engine.execute(f"DROP SCHEMA IF EXISTS {engine.quote(schema)} CASCADE")
        if schema == "public":
            engine.execute(f"CREATE SCHEMA {engine.quote(schema)}")
    run_tool([find_tool("pg_restore"), "--no-owner", "--exit-on-error", "--single-transaction",
              f"--dbname={env['PGDATABASE']}", str(source)], env, stdout=subprocess.DEVNULL)
