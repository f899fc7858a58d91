"""PostgreSQL scratch copies: ``CREATE DATABASE ... TEMPLATE`` when it can, a schema dump plus sampled rows when not.

TEMPLATE copies every byte in one statement, but PostgreSQL refuses it while anyone else is connected
to the target, which is the normal state of a live database. The fallback restores ``pg_dump``'s
pre-data section (types, tables, functions), copies up to ``sample_rows`` rows per table with COPY,
deletes sampled rows whose parent row was not sampled, sets every sequence where the target's is,
and restores the post-data section (indexes, constraints, triggers) last, so the copy ends with the
target's constraints validated against the rows it really has. shoring's history tables are copied whole.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

from shoring.engines.url import DatabaseURL
from shoring.engines import StatementError, connect
from shoring.errors import ShoringError
from shoring.rehearsal.scratch import PREFIX, CopyOptions, Made, database_drop
from shoring.verify import excluded_tables

_IN_USE = "55006"  # object_in_use: "source database ... is being accessed by other users"


def _admin(target: DatabaseURL) -> Any:
    """A connection to the same server but not to the target (TEMPLATE needs the target to be idle)."""
    last: Exception | None = None
    for name in ("postgres", "template1"):
        if name == target.database:
            continue
        try:
            return connect(target.with_database(name))
        except ShoringError as exc:
            last = exc
    raise ShoringError(f"cannot make a scratch copy: no maintenance database to connect to on {target.masked()} ({last})")


def stale_copies(target: DatabaseURL) -> list[str]:
    with _admin(target) as admin:
        rows = admin.query("SELECT datname FROM pg_database WHERE datname LIKE %s", [PREFIX.replace("_", "\\_") + "%"])
    return [r[0] for r in rows]


def drop_named(target: DatabaseURL, name: str) -> None:
    with _admin(target) as admin:
        admin.drop_database(name)


def create_empty(admin: Any, name: str) -> None:
    """CREATE DATABASE from template1 (it carries the extensions a site installs there), or from template0 when
    another session is connected to template1, which makes PostgreSQL refuse it as a template."""
    try:
        admin.create_database(name)
    except StatementError as exc:
        if exc.code != _IN_USE:
            raise
        admin.create_database(name, template="template0")


def empty(target: DatabaseURL, name: str) -> Made:
    """An empty database on the target's server (test fixtures migrate it from nothing)."""
    admin = _admin(target)
    create_empty(admin, name)
    return Made(target.with_database(name), "empty", [], database_drop(admin, name))


def make(target: DatabaseURL, name: str, options: CopyOptions, say: Callable[[str], None]) -> Made:
    admin = _admin(target)
    url = target.with_database(name)
    drop = database_drop(admin, name)  # DROP DATABASE ... WITH (FORCE) ends any session a thread left behind

    notes: list[str] = []
    try:
        # PostgreSQL waits 5 s for other sessions to leave before refusing TEMPLATE: ask first
        others = admin.query_one(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [target.database]
        )[0]
        if options.method == "template" or (options.method == "auto" and not others):
            try:
                admin.create_database(name, template=target.database)
                return Made(url, "template", notes, drop)
            except StatementError as exc:
                if options.method == "template" or exc.code != _IN_USE:
                    raise ShoringError(f"cannot copy {target.masked()} with CREATE DATABASE ... TEMPLATE: {exc.message}") from None
        if options.method == "auto":
            notes.append(f"a TEMPLATE copy needs the target to be idle ({max(others, 1)} other session(s) connected); "
                         f"copied the schema with pg_dump and up to {options.sample_rows} row(s) per table")
        say(f"copying the schema of {target.masked()} and sampling up to {options.sample_rows} row(s) per table")
        create_empty(admin, name)
        _copy_by_sampling(target, url, options)
        return Made(url, "sample", notes, drop)
    except BaseException:
        drop([])
        raise


# --- schema dump plus sampled rows -------------------------------------------------------------------

_TABLES = """
SELECT c.oid, quote_ident(n.nspname) || '.' || quote_ident(c.relname), n.nspname, c.relname,
       ARRAY(SELECT quote_ident(a.attname) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
              ORDER BY a.attnum)
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
   AND n.nspname NOT LIKE 'pg\\_%'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
"""

_FOREIGN_KEYS = """
SELECT con.conrelid::regclass::text, con.confrelid::regclass::text,
       ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.conkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num ORDER BY k.pos),
       ARRAY(SELECT quote_ident(a.attname) FROM unnest(con.confkey) WITH ORDINALITY k(num, pos)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num ORDER BY k.pos)
  FROM pg_constraint con WHERE con.contype = 'f'
"""

_SEQUENCES = """
SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value FROM pg_sequences
 WHERE last_value IS NOT NULL AND schemaname NOT IN ('pg_catalog', 'information_schema')
"""


def _copy_by_sampling(target: DatabaseURL, url: DatabaseURL, options: CopyOptions) -> None:
    _restore(url, _pg_dump(target, "pre-data"))
    whole = set(excluded_tables(options.history_table))
    with connect(target) as src, connect(url) as dst:
        current = src.query_one("SELECT current_schema()")[0]
        for _, qualified, nsp, rel, columns in src.query(_TABLES):
            if not columns:
                continue
            cols = ", ".join(columns)
            limit = "" if (nsp == current and rel in whole) else f" LIMIT {int(options.sample_rows)}"
            with src.conn.cursor().copy(f"COPY (SELECT {cols} FROM ONLY {qualified}{limit}) TO STDOUT") as out, \
                    dst.conn.cursor().copy(f"COPY {qualified} ({cols}) FROM STDIN") as inp:
                for chunk in out:
                    inp.write(chunk)
        _delete_orphans(dst, src.query(_FOREIGN_KEYS))
        for sequence, value in src.query(_SEQUENCES):
            dst.query("SELECT setval(%s, %s, true)", [sequence, value])
    _restore(url, _pg_dump(target, "post-data"))


def _delete_orphans(engine: Any, foreign_keys: list[tuple]) -> None:
    """Sampling keeps some children of parents it did not keep; drop those until every reference holds."""
    for _ in range(50):
        deleted = 0
        for child, parent, cols, ref_cols in foreign_keys:
            match = " AND ".join(f"p.{r} = c.{c}" for c, r in zip(cols, ref_cols))
            present = " AND ".join(f"c.{c} IS NOT NULL" for c in cols)
            deleted += max(engine.execute(
                f"DELETE FROM {child} c WHERE {present} AND NOT EXISTS (SELECT 1 FROM {parent} p WHERE {match})"
            ), 0)
        if not deleted:
            return


def _pg_dump_binary() -> str:
    """pg_dump on PATH, or the newest one of Debian/Ubuntu's versioned installs."""
    candidates = []
    found = shutil.which("pg_dump")
    if found:
        candidates.append(found)
    candidates += sorted((str(p) for p in Path("/usr/lib/postgresql").glob("*/bin/pg_dump")), reverse=True)
    if not candidates:
        raise ShoringError(
            "cannot make a scratch copy: other sessions are connected to the target, so CREATE DATABASE ... TEMPLATE "
            "is refused, and pg_dump (PostgreSQL client tools) is not installed for the schema-copy fallback"
        )
    return candidates[0]


def _pg_dump(target: DatabaseURL, section: str) -> str:
    args = [_pg_dump_binary(), "--schema-only", f"--section={section}", "--no-owner", "--no-privileges",
            "--host", target.host or "localhost", "--port", str(target.port or 5432),
            "--username", target.user or "postgres", "--dbname", target.database]
    env = dict(os.environ)
    if target.password is not None:
        env["PGPASSWORD"] = target.password  # never on the command line, where `ps` would show it
    for key, var in (("sslmode", "PGSSLMODE"), ("connect_timeout", "PGCONNECT_TIMEOUT")):
        if key in target.options:
            env[var] = target.options[key]
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        message = " ".join(done.stderr.split())
        if target.password:
            message = message.replace(target.password, "***")
        raise ShoringError(f"cannot make a scratch copy: pg_dump failed: {message}")
    return done.stdout


def _restore(url: DatabaseURL, script: str) -> None:
    """Run a plain-format dump section; psql meta-commands (\\restrict and friends) are dropped."""
    sql = "\n".join(line for line in script.splitlines() if not line.startswith("\\"))
    if not sql.strip():
        return
    with connect(url) as engine:
        try:
            engine.execute(sql)
        except StatementError as exc:
            raise ShoringError(f"cannot make a scratch copy: restoring the schema failed: {exc.message}") from None
