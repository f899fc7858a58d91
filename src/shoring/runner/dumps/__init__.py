"""One module per engine that knows how to dump, verify and restore that engine's database.

Each module defines ``SUFFIX`` (the file's usual ending), ``write(engine, target, env)``,
``verify(target, env) -> str`` (what was checked, or raises BackupInvalid) and
``restore(source, engine, env)``. ``env`` is the connection as the engine's own tools read it.
"""

from __future__ import annotations

import importlib
from types import ModuleType

MODULES = {"postgresql": "shoring.runner.dumps.postgresql", "mysql": "shoring.runner.dumps.mysql",
           "sqlite": "shoring.runner.dumps.sqlite"}


class BackupInvalid(Exception):
    """The backup was written but cannot be read back: it must not be trusted."""


def for_engine(name: str) -> ModuleType:
    return importlib.import_module(MODULES[name])
