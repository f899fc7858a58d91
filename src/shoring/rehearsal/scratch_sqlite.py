"""SQLite scratch copies: the online backup API into a private temporary folder.

The backup API copies page by page under a read lock, consistent even while another process writes
(WAL or not), and never writes to the source. The folder is removed with the copy; it is named like
the server copies (host and pid), so a copy whose rehearsal was killed is removed by the next one.
"""

from __future__ import annotations

import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Callable

from shoring.engines.url import DatabaseURL, parse_url
from shoring.errors import ShoringError
from shoring.rehearsal.scratch import PREFIX, CopyOptions, Made


def _folder(name: str) -> Path:
    return Path(tempfile.gettempdir()) / name


def _new_folder(name: str) -> Path:
    """A private folder (0700, made afresh: never one that already exists) named exactly `name`."""
    folder = _folder(name)
    folder.mkdir(mode=0o700)
    return folder


def stale_copies(target: DatabaseURL) -> list[str]:
    """Scratch folders in the temporary folder (scratch.owner_is_dead decides which are provably stale)."""
    try:
        return sorted(p.name for p in Path(tempfile.gettempdir()).glob(f"{PREFIX}*") if p.is_dir())
    except OSError:
        return []


def drop_named(target: DatabaseURL, name: str) -> None:
    shutil.rmtree(_folder(name), ignore_errors=True)


def empty(target: DatabaseURL, name: str) -> Made:
    """An empty database file in a temporary folder (the target's file is never touched)."""
    folder = _new_folder(name)

    def drop(engines: list[Any]) -> None:
        for engine in engines:
            engine.close()
        shutil.rmtree(folder, ignore_errors=True)

    path = folder / "test.sqlite"
    sqlite3.connect(path).close()
    return Made(parse_url(f"sqlite:///{path}"), "empty", [], drop)


def make(target: DatabaseURL, name: str, options: CopyOptions, say: Callable[[str], None]) -> Made:
    source = Path(target.database)
    if target.database == ":memory:":
        raise ShoringError("cannot rehearse on an in-memory SQLite database: there is nothing to copy")
    folder = _new_folder(name)

    def drop(engines: list[Any]) -> None:
        for engine in engines:
            engine.close()
        shutil.rmtree(folder, ignore_errors=True)

    try:
        path = folder / "scratch.sqlite"
        if not source.exists():
            sqlite3.connect(path).close()
            return Made(parse_url(f"sqlite:///{path}"), "empty", ["the target database does not exist yet: "
                                                                 "rehearsing on an empty database"], drop)
        src = sqlite3.connect(f"{source.resolve().as_uri()}?mode=ro", uri=True)
        dst = sqlite3.connect(path)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()
        return Made(parse_url(f"sqlite:///{path}"), "backup", [], drop)
    except BaseException as exc:
        drop([])
        if isinstance(exc, sqlite3.Error):
            raise ShoringError(f"cannot copy {target.masked()} with the SQLite backup API: {exc}") from None
        raise
