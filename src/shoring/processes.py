"""Is a process on this host still alive? Stale run locks and orphaned scratch copies both ask."""

from __future__ import annotations

import os


def pid_is_dead(pid: int) -> bool:
    """True only when no process with this pid exists here (a process we may not signal is alive)."""
    if pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False
