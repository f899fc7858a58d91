"""MySQL and SQLite statements made ready to run on a calibration copy, through sqlglot (never by text).

A copy lives where unqualified names resolve to it (its own scratch database or file), so a statement
runs there as written, provided it names no other table and qualifies none: `only_table` checks that,
since a qualified name could reach the user's own table.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator


def _parse(sql: str, dialect: str) -> Any:
    import sqlglot

    return sqlglot.parse_one(sql, read=dialect)


def only_table(sql: str, dialect: str, table: str) -> bool:
    """The statement names `table`, unqualified, and no other table (sqlglot read it whole)."""
    from sqlglot import exp

    try:
        tree = _parse(sql, dialect)
    except Exception:  # noqa: BLE001 - what sqlglot cannot read is never run on a copy
        return False
    if isinstance(tree, exp.Command):
        return False
    tables = list(tree.find_all(exp.Table))
    return bool(tables) and all(t.name == table and not t.db and not t.catalog for t in tables)


def with_limit(sql: str, dialect: str, table: str, limit: int | None) -> str:
    """A batched statement with its LIMITs set to `limit`; refused (ValueError) unless `only_table`."""
    from sqlglot import exp

    if not only_table(sql, dialect, table):
        raise ValueError("the statement names another table, or a qualified one")
    tree = _parse(sql, dialect)
    if limit is not None:
        for node in tree.find_all(exp.Limit):
            node.set("expression", exp.Literal.number(int(limit)))
    return tree.sql(dialect=dialect)


class SeparateCopies:
    """What the MySQL and SQLite labs share: copies that keep the table's name in a place of their own
    (a scratch database, a file), stand-ins that put the copy back themselves (`probes`), and the
    migration's own statement run as written, undone by making the copy again."""

    dialect = ""
    probes: dict[str, Any] = {}

    def probe(self, kind: str, table: Any, columns: tuple[str, ...]) -> Any:
        return self.probes.get(kind)

    def statement_probe(self, statement: str, table: str) -> Any:
        from shoring.plan.calibrate import Probe

        return Probe(statement, own=True) if only_table(statement, self.dialect, table) else None

    @contextmanager
    def undoing(self, copy: Any, data: bool) -> Iterator[None]:
        try:
            yield
        finally:
            if data:
                copy.remake()

    def swap(self, sql: str, table: str, copy: Any, limit: int | None = None) -> str:
        """The statement as it runs on the copy (the same name, in the copy's own place), its LIMIT `limit`."""
        return with_limit(sql, self.dialect, table, limit)
