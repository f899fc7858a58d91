"""Databases behind one protocol. Drivers are imported only when a URL of theirs is opened.

What differs between engines is stated once, in ``shoring.engines.description``."""

from __future__ import annotations

import importlib
from typing import Any

from shoring.engines.base import Engine, LockHolder, StatementError
from shoring.engines.description import ENGINES, Description, describe
from shoring.engines.url import DatabaseURL, parse_url

__all__ = ["ENGINES", "Description", "Engine", "LockHolder", "StatementError", "connect", "describe", "engine_class"]


def engine_class(name: str) -> type[Engine]:
    module, _, attribute = describe(name).engine_class.partition(":")
    return getattr(importlib.import_module(module), attribute)


def connect(url: str | DatabaseURL, **options: Any) -> Engine:
    parsed = parse_url(url) if isinstance(url, str) else url
    return engine_class(parsed.engine)(parsed, **options)
