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
    the application's queries up to lock_timeout or max_blocking; the first pause is a whole second so
    that two such stalls never fall within one second of the application's traffic (0.5 s did: one
    second at 40% of its rate while a long transaction held the table, bench/zero_downtime.py)."""
    return tenacity.wait_exponential(multiplier=1, max=10) + tenacity.wait_random(0, 0.5)


def run_guarded(session: Session, mig: Migration, direction: str, previous: HistoryRow | None) -> RunResult:
    try:
        return run_migration(session, mig, direction, previous=previous)
    except MigrationFailed as exc:
        if not exc.lock_timeout or session.settings.lock_retries <= 0:
            raise
        first = exc
    import tenacity  # only when a retry is actually needed

    retries = session.settings.lock_retries

    def announce(state: tenacity.RetryCallState) -> None:
        session.say(f"  lock timeout; retrying in {state.next_action.sleep:.1f}s (retry {state.attempt_number} of {retries})")

    session.say(f"  {mig.version} {mig.name} gave way (lock_timeout or max_blocking); retrying up to {retries} time(s)")
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception(lambda e: isinstance(e, MigrationFailed) and e.lock_timeout),
        stop=tenacity.stop_after_attempt(retries),
        wait=_backoff(tenacity),
        before_sleep=announce,
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                latest = session.history.rows().get(mig.version)  # the failed attempt's row: resume from it
                return run_migration(session, mig, direction, previous=latest)
    except MigrationFailed as exc:
        raise MigrationFailed(f"{exc.message} (gave up after {retries + 1} attempts: lock_timeout {session.settings.lock_timeout})",
                              lock_timeout=True) from None
    raise first  # not reached: the loop returns or raises


def with_lock_retries(session: Session, what: str, work):
    """`work()`, retried like a migration when it gave up waiting for a lock (MigrationFailed with
    lock_timeout): the same backoff, said the same way."""
    import tenacity

    retries = session.settings.lock_retries

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
        return retrying(work)
    except MigrationFailed as exc:
        if not exc.lock_timeout:
            raise
        raise MigrationFailed(f"{exc.message} (gave up after {retries + 1} attempts: lock_timeout {session.settings.lock_timeout})",
                              lock_timeout=True) from None
