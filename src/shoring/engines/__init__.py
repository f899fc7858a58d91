"""Databases behind one protocol. Drivers are imported only when a URL of theirs is opened."""

from __future__ import annotations

from typing import Any

from shoring.dburl import DatabaseURL, parse_url
from shoring.engines.base import Engine, LockHolder, StatementError, Traits

__all__ = ["Engine", "LockHolder", "StatementError", "Traits", "connect", "engine_class"]


def engine_class(name: str) -> type[Engine]:
    if name == "postgresql":
        from shoring.engines.postgresql import PostgresEngine

        return PostgresEngine
    if name == "mysql":
        from shoring.engines.mysql import MySQLEngine

        return MySQLEngine
    if name == "sqlite":
        from shoring.engines.sqlite import SQLiteEngine

        return SQLiteEngine
    raise ValueError(f"unknown engine {name!r}")


def connect(url: str | DatabaseURL, **options: Any) -> Engine:
    parsed = parse_url(url) if isinstance(url, str) else url
    return engine_class(parsed.engine)(parsed, **options)
