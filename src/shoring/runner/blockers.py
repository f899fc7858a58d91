"""Who a statement waited for when it gave up on its lock: the session to end before the retry.

The lock queue behind a waiting DDL statement is how migrations take production down; the usual
culprit is a transaction left open (idle in transaction) that read the table minutes ago. Naming
it turns "lock timeout" into something the user can act on.
"""

from __future__ import annotations

from typing import Any

from shoring.engines import LockHolder, StatementError

#: Holders named in one message; the rest are counted.
SHOWN = 3


def statement_tables(sql: str, dialect: str) -> list[str]:
    from shoring.analysis.analyze import analyze_sql

    try:
        return [t for a in analyze_sql(sql, dialect) for t in a.tables]
    except Exception:  # noqa: BLE001 - a statement the analysis cannot read: no names, no blame
        return []


def who_blocked(engine: Any, sql: str) -> str:
    """'; users is held by session 4242 (psql), idle in transaction for 312s, last ran ...' or ''."""
    tables = statement_tables(sql, engine.dialect)
    if not tables:
        return ""
    try:
        holders = engine.table_lock_holders(tables)
    except StatementError:
        return ""
    if not holders:
        return ""
    told = "; ".join(describe(h) for h in holders[:SHOWN])
    more = f" and {len(holders) - SHOWN} more session(s)" if len(holders) > SHOWN else ""
    return f"; held by {told}{more}"


def describe(holder: LockHolder) -> str:
    parts = [f"session {holder.session}" + (f" ({holder.application})" if holder.application else "")]
    if holder.state:
        parts.append(holder.state + (f" for {holder.seconds:.0f}s" if holder.seconds is not None else ""))
    if holder.relation:
        parts.append(f"on {holder.relation}")
    if holder.query:
        parts.append(f"last ran {' '.join(holder.query.split())[:80]!r}")
    return ", ".join(parts)
