"""Commands around an apply or a rollback: the seed's "notify stakeholders" and "start monitoring"
steps, wired to whatever the team uses (Flyway calls them callbacks).

    [hooks]
    before_apply = "scripts/notify.sh starting"   # fails: the apply stops before any change
    after_apply = "scripts/notify.sh done"         # fails: said, the migrations stay applied
    on_failure = "scripts/page-oncall.sh"          # when a migration fails (after it is recorded)
    before_rollback = "..."                        # and after_rollback, the same way
    timeout = 60                                   # seconds each may take

Each runs without a shell, in the project folder, with the connection in the environment as the
backup command gets it, plus SHORING_EVENT, SHORING_VERSIONS (space-separated) and, on failure,
SHORING_ERROR.
"""

from __future__ import annotations

import shlex
import subprocess
from typing import Any

from shoring.errors import ConfigError, MigrationFailed
from shoring.runner.backup import tool_environment

EVENTS = ("before_apply", "after_apply", "before_rollback", "after_rollback", "on_failure")
#: events whose failure stops what is about to happen (nothing has changed yet)
BLOCKING = {"before_apply", "before_rollback"}


def run_hook(session: Any, event: str, versions: list[str], error: str | None = None, command: str | None = None) -> None:
    """Run the [hooks] command of `event` and tell the [notify] webhook (the webhook after a blocking command
    passed: a start that did not happen is not announced)."""
    from shoring.runner import notify

    _run_command(session, event, versions, error)
    notify.send(session, event, versions, error, command)


def _run_command(session: Any, event: str, versions: list[str], error: str | None) -> None:
    config = session.settings.section("hooks")
    unknown = set(config) - {*EVENTS, "timeout"}
    if unknown:
        raise ConfigError(f"unknown setting [hooks] {sorted(unknown)[0]!r} (known: {', '.join((*EVENTS, 'timeout'))})",
                          path=session.settings.config_file)
    if not config.get(event):
        return
    command = shlex.split(str(config[event]))
    env = dict(tool_environment(session.engine), SHORING_EVENT=event, SHORING_VERSIONS=" ".join(versions))
    if error is not None:
        env["SHORING_ERROR"] = error
    try:
        result = subprocess.run(command, cwd=session.settings.root, env=env, capture_output=True, text=True,
                                timeout=float(config.get("timeout", 60)))
        failure = None if result.returncode == 0 else (
            (result.stderr.strip().splitlines() or [f"exit code {result.returncode}"])[-1])
    except (OSError, subprocess.TimeoutExpired) as exc:
        failure = str(exc)
    if failure is None:
        session.say(f"hook {event}: {' '.join(command)}")
        return
    if event in BLOCKING:
        raise MigrationFailed(f"hook {event} failed, so nothing was changed: {' '.join(command)}: {failure}")
    session.say(f"warning: hook {event} failed: {' '.join(command)}: {failure}")
