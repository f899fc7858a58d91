"""Exceptions that carry the one line a user sees and the exit code that goes with it."""

from __future__ import annotations

from pathlib import Path

#: Exit codes shared by every command.
EXIT_OK = 0
EXIT_FAILED = 1  # the work ran and failed (a migration error, lint errors, a check that failed)
EXIT_USAGE = 2  # bad input: usage, a malformed file, an unreachable database


class ShoringError(Exception):
    """An error the user can act on; rendered as one line, never a traceback."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, path: Path | str | None = None, line: int | None = None):
        self.message = message
        self.path = path
        self.line = line
        super().__init__(self.render())

    def render(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        message = " ".join(self.message.split("\n"))
        return f"{where}{' '.join(message.split())}"


class MigrationFileError(ShoringError):
    """A migration file that cannot be read as a migration."""


class ConfigError(ShoringError):
    """Configuration that cannot be used."""


class DatabaseError(ShoringError):
    """The database cannot be reached or refused us (URL shown with its password masked)."""


class MigrationFailed(ShoringError):
    """A migration ran and failed; the history says exactly where."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, *, lock_timeout: bool = False, **kwargs):
        super().__init__(message, **kwargs)
        self.lock_timeout = lock_timeout  # it gave up waiting for a lock: worth retrying later


class CheckFailed(ShoringError):
    """A check the user asked for did not pass (drift, verification, rehearsal)."""

    exit_code = EXIT_FAILED
