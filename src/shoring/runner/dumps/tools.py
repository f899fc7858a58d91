"""Running the database's own command-line tools: no shell, the connection in the environment."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import IO

from shoring.errors import ConfigError


def find_tool(*names: str) -> str:
    """The first of `names` on PATH (MariaDB renamed mysqldump to mariadb-dump)."""
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise ConfigError(f"{names[0]} is not installed (needed for [backup] and restore; looked for {', '.join(names)} on PATH)")


def run_tool(command: list[str], env: dict[str, str], *, stdin: IO[bytes] | None = None,
             stdout: IO[bytes] | None = None, timeout: float = 3600) -> str:
    """Run; return stdout as text (unless redirected). Raises RuntimeError with the tool's last error line."""
    try:
        result = subprocess.run(command, env=env, stdin=stdin, stdout=stdout if stdout is not None else subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"{Path(command[0]).name}: {exc}") from None
    if result.returncode != 0:
        lines = result.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"{Path(command[0]).name}: {lines[-1] if lines else f'exit code {result.returncode}'}")
    return result.stdout.decode("utf-8", "replace") if stdout is None else ""
