"""Guarded execution: a migration that gave up waiting for a lock is retried with backoff.

A short lock_timeout keeps a DDL statement from sitting in the lock queue, where it would block
every query behind it; the price is that it sometimes gives up. Retrying after a pause (with
jitter, so several deploys do not retry in step) usually gets the lock between two transactions.
"""

from __future__ import annotations

from shoring.errors import MigrationFailed
from shoring.migrations import Migration
from shoring.runner.execute import RunResult, run_migration
from shoring.runner.history import HistoryRow
from shoring.runner.session import Session


def _backoff(tenacity):
    """1 s, 2 s, 4 s ... (at most 10 s) and up to 0.5 s of jitter. Each attempt that gave way had held
    the application's queries for up to lock_timeout or max_blocking: a whole second before the first
    retry keeps two such stalls out of one second of the application's traffic."""
    return tenacity.wait_exponential(multiplier=1, max=10) + tenacity.wait_random(0, 0.5)


def run_guarded(session: Session, mig: Migration, direction: str, previous: HistoryRow | None) -> RunResult:
    try:
        return run_migration(session, mig, direction, previous=previous)
    except MigrationFailed as exc:
        if not exc.lock_timeout or session.settings.lock_retries <= 0:
            raise
        failed = exc
    session.say(f"  {mig.version} {mig.name} gave way (lock_timeout or max_blocking); "
                f"retrying up to {session.settings.lock_retries} time(s)")

    def resume() -> RunResult:
        latest = session.history.rows().get(mig.version)  # the failed attempt's row: resume from it
        return run_migration(session, mig, direction, previous=latest)

    return with_lock_retries(session, f"{mig.version} {mig.name}", resume, failed=failed)


def with_lock_retries(session: Session, what: str, work, failed: MigrationFailed | None = None):
    """`work()`, retried like a migration when it gave up waiting for a lock (MigrationFailed with
    lock_timeout): the same backoff, said the same way. `failed`: the first attempt, made by the
    caller, gave way so; the first retry waits its pause as any other (it once ran at once: two stalls
    of the application's traffic back to back, one second at 20% of its rate on MariaDB)."""
    import tenacity  # only when a retry may be needed

    retries = session.settings.lock_retries
    made = [failed] if failed is not None else []

    def attempt():
        if made:
            raise made.pop()
        return work()

    def announce(state: tenacity.RetryCallState) -> None:
        session.say(f"  {what}: lock timeout; retrying in {state.next_action.sleep:.1f}s (retry {state.attempt_number} of {retries})")

    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, MigrationFailed) and e.lock_timeout),
        stop=tenacity.stop_after_attempt(retries + 1),
        wait=_backoff(tenacity),
        before_sleep=announce,
        reraise=True,
    )
    try:
        return retrying(attempt)
    except MigrationFailed as exc:
        if not exc.lock_timeout:
            raise
        raise MigrationFailed(f"{exc.message} (gave up after {retries + 1} attempts: lock_timeout {session.settings.lock_timeout})",
                              lock_timeout=True) from None
