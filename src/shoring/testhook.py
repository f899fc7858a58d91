"""A fault-injection hook for the chaos tests and bench: stop the process at a named boundary.

The runner calls ``boundary(label)`` at every statement boundary and after every committed batch.
Labels: ``up:<version>:before:<n>``, ``up:<version>:after:<n>`` (statement n done and recorded),
``up:<version>:commit`` (a transactional migration, before its commit), ``up:<version>:batch:<n>:<k>``
(batch k of statement n committed with its checkpoint); ``down:...`` likewise for rollback. Unset, it costs one dict lookup.

- ``SHORING_TEST_STOP_AT=PATTERN`` (fnmatch): at the first label matching it the process SIGKILLs itself,
  or with ``SHORING_TEST_STOP_MODE=block`` prints ``shoring-testhook: stopped at LABEL`` on stderr and
  waits for SIGUSR1, then goes on (so a test can kill the connection from the server side meanwhile).
- ``SHORING_TEST_TRACE=FILE`` appends every label passed, one a line (a clean run lists the boundaries).
"""

from __future__ import annotations

import os
import signal
import sys
from fnmatch import fnmatchcase

_stopped = False


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
    print(f"shoring-testhook: stopped at {label}", file=sys.stderr, flush=True)
    signal.sigwait({signal.SIGUSR1})
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGUSR1})
