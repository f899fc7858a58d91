"""MySQL/MariaDB scratch copies: a new database on the same server, the same schema, sampled rows.

The server has no template databases, so the copy replays ``SHOW CREATE`` for every table and
sequence, copies up to ``sample_rows`` rows per table with INSERT ... SELECT (the rows never leave
the server), deletes sampled rows whose parent row was not sampled, then creates views, triggers and
routines, each under the SQL mode it was created with and without its DEFINER (which may name a user
the rehearsal cannot act as). shoring's history tables are copied whole.
"""

from __future__ import annotations

import re
from typing import Any, Callable

from shoring.engines.url import DatabaseURL
from shoring.engines import StatementError, connect
from shoring.errors import ShoringError
from shoring.rehearsal.scratch import PREFIX, CopyOptions, Made, database_drop
from shoring.verify import excluded_tables

_DEFINER = re.compile(r"\s+DEFINER\s*=\s*(?:`[^`]*`|'[^']*'|[^\s@]+)@(?:`[^`]*`|'[^']*'|\S+)", re.I)


def _admin(target: DatabaseURL) -> Any:
    return connect(target.with_database(""))


def stale_copies(target: DatabaseURL) -> list[str]:
    with _admin(target) as admin:
        return [r[0] for r in admin.query("SHOW DATABASES LIKE %s", [PREFIX.replace("_", "\\_") + "%"])]


def drop_named(target: DatabaseURL, name: str) -> None:
    with _admin(target) as admin:
        admin.drop_database(name)


def empty(target: DatabaseURL, name: str) -> Made:
    """An empty database on the target's server (test fixtures migrate it from nothing)."""
    admin = _admin(target)
    admin.create_database(name)
    return Made(target.with_database(name), "empty", [], database_drop(admin, name, end_sessions=True))


def make(target: DatabaseURL, name: str, options: CopyOptions, say: Callable[[str], None]) -> Made:
    admin = _admin(target)
    url = target.with_database(name)
    # DROP DATABASE waits for metadata locks; a connection still inside a statement (Ctrl-C
    # mid-ALTER) would hold them, so every session of ours on the copy is ended first
    drop = database_drop(admin, name, end_sessions=True)

    try:
        charset, collation = admin.query_one(
            "SELECT DEFAULT_CHARACTER_SET_NAME, DEFAULT_COLLATION_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = %s",
            [target.database],
        )
        admin.execute(f"CREATE DATABASE {admin.quote(name)} CHARACTER SET {charset} COLLATE {collation}")
        say(f"copying the schema of {target.masked()} and sampling up to {options.sample_rows} row(s) per table")
        _copy(target, url, options)
        return Made(url, "sample", [f"copied the schema and up to {options.sample_rows} row(s) per table"], drop)
    except BaseException:
        drop([])
        raise


def _copy(target: DatabaseURL, url: DatabaseURL, options: CopyOptions) -> None:
    whole = set(excluded_tables(options.history_table))
    with connect(target) as src, connect(url) as dst:
        dst.scratch_session()  # reads the user's rows without locking them
        q = src.quote
        source_db = q(target.database)
        kinds = dict(src.query("SHOW FULL TABLES"))
        dst.execute("SET SESSION foreign_key_checks = 0")
        try:
            for table, kind in kinds.items():
                if kind in ("BASE TABLE", "SEQUENCE", "SYSTEM VERSIONED"):
                    show = "SEQUENCE" if kind == "SEQUENCE" else "TABLE"
                    dst.execute(src.query_one(f"SHOW CREATE {show} {q(table)}")[1])
            for table, kind in kinds.items():
                if kind == "SEQUENCE":
                    value = src.query_one(f"SELECT next_not_cached_value FROM {q(table)}")[0]
                    dst.query(f"SELECT SETVAL({q(table)}, %s, 0)", [value])
                elif kind in ("BASE TABLE", "SYSTEM VERSIONED"):
                    cols = ", ".join(q(c) for (c,) in src.query(
                        "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = %s "
                        "AND EXTRA NOT LIKE %s ORDER BY ORDINAL_POSITION", [table, "%GENERATED%"]))
                    limit = "" if table in whole else f" LIMIT {int(options.sample_rows)}"
                    dst.execute(f"INSERT INTO {q(table)} ({cols}) SELECT {cols} FROM {source_db}.{q(table)}{limit}")
            _delete_orphans(src, dst)
        finally:
            dst.execute("SET SESSION foreign_key_checks = 1")
        _create_views(src, dst, [t for t, k in kinds.items() if k == "VIEW"], target.database)
        for (trigger,) in src.query("SELECT TRIGGER_NAME FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()"):
            row = src.query_one(f"SHOW CREATE TRIGGER {q(trigger)}")
            _create(dst, row[2], row[1])
        for routine, kind in src.query(
            "SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()"
        ):
            row = src.query_one(f"SHOW CREATE {kind} {q(routine)}")
            _create(dst, row[2], row[1])


def _create(dst: Any, statement: str | None, sql_mode: str) -> None:
    if statement is None:
        raise ShoringError("cannot make a scratch copy: the server hides a routine's or trigger's definition from this user")
    dst.execute("SET SESSION sql_mode = %s", [sql_mode])
    dst.execute(_DEFINER.sub("", statement, count=1))


def _create_views(src: Any, dst: Any, views: list[str], database: str) -> None:
    """Views may read other views: create what can be created until nothing is left (or nothing moves)."""
    qualifier = re.compile(re.escape(src.quote(database)) + r"\.")
    pending = {v: qualifier.sub("", _DEFINER.sub("", src.query_one(f"SHOW CREATE VIEW {src.quote(v)}")[1], count=1))
               for v in views}
    while pending:
        failed: dict[str, str] = {}
        errors = []
        for view, sql in pending.items():
            try:
                dst.execute(sql)
            except StatementError as exc:
                failed[view] = sql
                errors.append(f"{view}: {exc.message}")
        if len(failed) == len(pending):
            raise ShoringError(f"cannot make a scratch copy: views could not be created: {'; '.join(errors)}")
        pending = failed


_FOREIGN_KEYS = """
SELECT k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME
  FROM information_schema.KEY_COLUMN_USAGE k
 WHERE k.TABLE_SCHEMA = DATABASE() AND k.REFERENCED_TABLE_NAME IS NOT NULL
   AND k.REFERENCED_TABLE_SCHEMA = DATABASE()
 ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION
"""


def _delete_orphans(src: Any, dst: Any) -> None:
    q = dst.quote
    keys: dict[tuple[str, str], tuple[str, list[tuple[str, str]]]] = {}
    for table, name, column, parent, ref in src.query(_FOREIGN_KEYS):
        keys.setdefault((table, name), (parent, []))[1].append((column, ref))
    for _ in range(50):
        deleted = 0
        for (table, _), (parent, pairs) in keys.items():
            match = " AND ".join(f"p.{q(r)} = c.{q(c)}" for c, r in pairs)
            present = " AND ".join(f"c.{q(c)} IS NOT NULL" for c, _ in pairs)
            deleted += dst.execute(
                f"DELETE c FROM {q(table)} c WHERE {present} AND NOT EXISTS (SELECT 1 FROM {q(parent)} p WHERE {match})"
            )
        if not deleted:
            return
