"""The rows a data change would touch, as a query: what an engine's planner is asked about instead."""

from __future__ import annotations


def matching_select(sql: str, dialect: str) -> str:
    """UPDATE/DELETE ... WHERE w [LIMIT n] -> SELECT 1 FROM t WHERE w [LIMIT n] (the rows they would touch);
    INSERT ... SELECT -> its SELECT; others unchanged. `dialect` is sqlglot's name for the engine's SQL."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read=dialect)
    if isinstance(tree, (exp.Update, exp.Delete)) and isinstance(tree.this, exp.Table):
        select = exp.select("1").from_(tree.this.copy())
        if tree.args.get("where") is not None:
            select = select.where(tree.args["where"].this.copy())
        if tree.args.get("limit") is not None:
            select = select.limit(tree.args["limit"].expression.copy())
        return select.sql(dialect=dialect)
    if isinstance(tree, exp.Insert) and isinstance(tree.expression, exp.Query):
        return tree.expression.sql(dialect=dialect)
    return sql


def limit_of(sql: str, dialect: str) -> int | None:
    """The LIMIT of an UPDATE/DELETE (MySQL allows one): it changes no more rows than that."""
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read=dialect)
    limit = tree.args.get("limit") if isinstance(tree, (exp.Update, exp.Delete)) else None
    value = limit.expression if limit is not None else None
    return int(value.this) if isinstance(value, exp.Literal) and value.is_int else None
