"""SQLite's answer to ALTERs it does not have: the 12-step table rebuild (sqlite.org, "Making Other
Kinds Of Table Schema Changes"), as Alembic's batch mode does it.

The table's own CREATE TABLE text is edited (a NOT NULL added to one column, a table constraint
appended) at the positions SQLite's tokens give, never re-rendered, so nothing else in it changes
(`INTEGER PRIMARY KEY` stays the rowid). Then, in one transaction: the new table, every row copied,
the old one dropped, the new one renamed, its indexes and triggers made again, the foreign keys
checked. A row the new constraint rejects fails the copy and the transaction leaves all as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from shoring.backfill.run import own_transaction
from shoring.errors import ShoringError


def _tokens(sql: str) -> list[Any]:
    from sqlglot.dialects.sqlite import SQLite

    return SQLite().tokenize(sql)


def _column_list(sql: str) -> tuple[int, int, list[tuple[int, int]]]:
    """(offset of the column list's '(' , of its ')', [(start, end) of each definition])."""
    from sqlglot.tokens import TokenType

    depth, open_at, parts, start = 0, None, [], None
    for tok in _tokens(sql):
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
            if depth == 1 and open_at is None:
                open_at, start = tok.start, tok.end + 1
            continue
        if tok.token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0 and open_at is not None:
                parts.append((start, tok.start))
                return open_at, tok.start, parts
            continue
        if tok.token_type == TokenType.COMMA and depth == 1:
            parts.append((start, tok.start))
            start = tok.end + 1
    raise ShoringError("cannot read the table's CREATE TABLE statement")


def add_not_null(sql: str, column: str) -> str:
    _, _, parts = _column_list(sql)
    for start, end in parts:
        first = _tokens(sql[start:end])
        if first and first[0].text.lower() == column.lower():
            definition = sql[start:end].rstrip()
            return sql[:start] + definition + " NOT NULL" + sql[start + len(definition):]
    raise ShoringError(f"no column {column} in the table")


def add_table_constraint(sql: str, constraint: str) -> str:
    _, close, _ = _column_list(sql)
    body = sql[:close].rstrip()
    return body + f", {constraint}" + sql[close:]


@dataclass(frozen=True)
class SqliteRebuild:
    """The rebuild as a statement's action (see shoring.operations.base.Step)."""

    table: str
    edit: Callable[[str], str]  # CREATE TABLE text -> the new one
    what: str  # for messages: "NOT NULL on users.email"
    op_marks = {"rebuilt": True}

    def adjust_effect(self, eff: Any) -> Any:
        """What SQLite cannot ALTER, the rebuild does: supported, at the price of rewriting the table."""
        from dataclasses import replace

        return replace(eff, supported=True, rewrites=(self.table,), note="the 12-step table rebuild")

    def run(self, engine: Any, *, own_transactions: bool = True, say: Callable[[str], None] = lambda s: None,
            **options: Any) -> None:
        q = engine.quote
        temp = f"_shoring_new_{self.table}"
        row = engine.query_one("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", [self.table])
        if row is None:
            raise ShoringError(f"no table {self.table}")
        created = self.edit(row[0])
        head = _column_list(created)[0]
        new_create = f"CREATE TABLE {q(temp)} " + created[head:]
        others = engine.query("SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') "
                              "AND sql IS NOT NULL", [self.table])
        columns = ", ".join(q(r[1]) for r in engine.query(f"PRAGMA table_info({q(self.table)})"))
        fk_on = bool(engine.query_one("PRAGMA foreign_keys")[0])
        if fk_on and not own_transactions:
            raise ShoringError("foreign_keys is on, and SQLite can switch it off only outside a transaction: mark the "
                               "migration `Transaction: false` so that the rebuild runs in its own")
        if fk_on:
            engine.execute("PRAGMA foreign_keys = OFF")  # step 1; it cannot change inside a transaction
        try:
            with own_transaction(engine, own_transactions):
                engine.execute(new_create)
                engine.execute(f"INSERT INTO {q(temp)} ({columns}) SELECT {columns} FROM {q(self.table)}")
                engine.execute(f"DROP TABLE {q(self.table)}")
                engine.execute(f"ALTER TABLE {q(temp)} RENAME TO {q(self.table)}")
                for _, sql in others:
                    engine.execute(sql)
                bad = engine.query(f"PRAGMA foreign_key_check({q(self.table)})")
                if bad:
                    raise ShoringError(f"{len(bad):,} row(s) of {self.table} break its foreign keys after {self.what}: "
                                       f"nothing was changed; fix the data first")
        finally:
            if fk_on:
                engine.execute("PRAGMA foreign_keys = ON")
        say(f"  rebuilt {self.table} for {self.what}")


def rebuild_step(d: Any, table: str, sql: str, edit: Callable[[str], str], what: str) -> Any:
    """The compiled statement: `sql` (the ALTER SQLite lacks, for lint and plan), the rebuild in its place."""
    from shoring.operations.base import Step

    return Step(sql, SqliteRebuild(table, edit, what))
