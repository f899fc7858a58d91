"""Helpers every test folder shares: the CLI run in-process, and polling a real condition."""

from __future__ import annotations

import contextlib
import io
import os
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self):
        import json

        return json.loads(self.out)


def run_cli(root: Path, args, env: dict[str, str] | None = None, unset: tuple[str, ...] = ()) -> Result:
    """Run `shoring ARGS` in-process in `root`, with `env` set and `unset` removed for the call."""
    from shoring.cli.entry import main

    out, err = io.StringIO(), io.StringIO()
    old_cwd = os.getcwd()
    saved = {k: os.environ.get(k) for k in (*unset, *(env or {}))}
    code = 0
    try:
        for key in unset:
            os.environ.pop(key, None)
        os.environ.update(env or {})
        os.chdir(root)
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                main(list(args))
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        os.chdir(old_cwd)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return Result(code, out.getvalue(), err.getvalue())


def wait_until(condition, what: str, timeout: float = 60.0, interval: float = 0.02):
    """Poll a real condition until it holds (never a blind sleep); its value is returned."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def run_events(root: Path) -> list[dict]:
    """Every event of the project's run logs (.shoring/runs), oldest run first, read while they grow:
    how a test sees what a running apply reports (paused, resumed, batches, waiters)."""
    from shoring.runner.runlog import list_runs, read_run

    return [event for log in list_runs(root) for event in read_run(log)]


def refused(project, sql: str) -> bool:
    """The database rejects the statement (a constraint holds), rather than running it."""
    from shoring.engines import StatementError

    try:
        project.query(sql)
    except StatementError:
        return True
    return False


def held_at(root: Path, boundary: str, *args: str):
    """`shoring ARGS` started in `root` and held at the fault boundary `boundary` (shoring.faults: it
    blocks there until killed), returned once it says it stopped there."""
    import subprocess
    import sys

    from shoring.faults import STOPPED

    env = {**os.environ, "SHORING_TEST_STOP_AT": boundary, "SHORING_TEST_STOP_MODE": "block"}
    proc = subprocess.Popen([sys.executable, "-m", "shoring", *args], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(STOPPED):
            return proc
    proc.kill()
    raise AssertionError(f"shoring {' '.join(args)} never reached {boundary}: {''.join(seen)}")
