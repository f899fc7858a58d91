"""A MySQL or SQLite statement rewritten to run on a calibration copy, through sqlglot (never by text):
the table's references pointed at the copy, every LIMIT set to the copy's batch size."""

from __future__ import annotations


def retarget(sql: str, dialect: str, table: str, database: str | None = None, limit: int | None = None) -> str:
    """`sql` with `table` read from `database` (None: where it is), and its LIMITs set to `limit` (None: kept)."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read=dialect)
    if database is not None:
        for node in tree.find_all(exp.Table):
            if node.name == table:
                node.set("db", exp.to_identifier(database, quoted=True))
    if limit is not None:
        for node in tree.find_all(exp.Limit):
            node.set("expression", exp.Literal.number(int(limit)))
    return tree.sql(dialect=dialect)
