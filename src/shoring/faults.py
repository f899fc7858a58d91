"""Fault injection for the kill tests: `SHORING_KILL_AT=<point>` makes the process SIGKILL itself there.

A real SIGKILL at a chosen moment (a statement done but not yet recorded, an online copy just swapped
in) is what a deterministic test of recovery needs; a sleep and a timed kill would only hope to hit it.
`<point>` may carry what the call site says about itself: `statement-done` stops after any statement,
`statement-done:2/up/1` only after statement 1 of 2's up section.
"""

from __future__ import annotations

import os
import signal


def kill_point(point: str, where: str = "") -> None:
    wanted = os.environ.get("SHORING_KILL_AT")
    if wanted and wanted in (point, f"{point}:{where}"):
        os.kill(os.getpid(), signal.SIGKILL)
