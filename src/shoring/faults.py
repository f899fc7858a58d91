"""Fault injection for the kill tests: `SHORING_KILL_AT=<point>` makes the process SIGKILL itself there.

A real SIGKILL at a chosen moment (a statement done but not yet recorded, an online copy just swapped
in) is what a deterministic test of recovery needs; a sleep and a timed kill would only hope to hit it.
`<point>` may carry what the call site says about itself: `statement-done` stops after any statement,
`statement-done:2/up/1` only after statement 1 of 2's up section.

For the chaos bench and tests, ``boundary(label)`` marks every statement boundary and committed batch.
Labels: ``up:<version>:before:<n>``, ``up:<version>:after:<n>`` (statement n done and recorded),
``up:<version>:commit`` (a transactional migration, before its commit), ``up:<version>:batch:<n>:<k>``
(batch k of statement n committed with its checkpoint), ``down:...`` likewise; each kill point above is
a boundary too; ``test:planned`` is `shoring test` after it read the target's history, before the copy.
Unset, a boundary costs a few dict lookups.

- ``SHORING_TEST_STOP_AT=PATTERN`` (fnmatch): at the first label matching it the process SIGKILLs itself,
  or with ``SHORING_TEST_STOP_MODE=block`` prints ``shoring-faults: stopped at LABEL`` (STOPPED) on stderr and
  waits for SIGUSR1, then goes on (so a test can end the connection or restart the server meanwhile).
- ``SHORING_TEST_TRACE=FILE`` appends every label passed, one a line (a clean run lists the boundaries).
"""

from __future__ import annotations

import os
import signal
import sys
from fnmatch import fnmatchcase


def kill_point(point: str, where: str = "") -> None:
    boundary(f"{point}:{where}" if where else point)
    wanted = os.environ.get("SHORING_KILL_AT")
    if wanted and wanted in (point, f"{point}:{where}"):
        os.kill(os.getpid(), signal.SIGKILL)


_stopped = False
#: what a process held at a boundary prints on stderr, before the label
STOPPED = "shoring-faults: stopped at "


def boundary(label: str) -> None:
    global _stopped
    env = os.environ
    if "SHORING_TEST_TRACE" in env:
        with open(env["SHORING_TEST_TRACE"], "a", encoding="utf-8") as trace:
            trace.write(label + "\n")
    pattern = env.get("SHORING_TEST_STOP_AT")
    if not pattern or _stopped or not fnmatchcase(label, pattern):
        return
    _stopped = True  # once per process: a resumed run is a new process
    if env.get("SHORING_TEST_STOP_MODE") != "block":
        os.kill(os.getpid(), signal.SIGKILL)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
    print(f"{STOPPED}{label}", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGUSR1})
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
