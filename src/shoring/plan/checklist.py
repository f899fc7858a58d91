"""The seed's checklists with the items shoring can answer already answered.

Pre-migration (seed step 4): backup, rollback tested, maintenance window are answerable; notifying
people, dashboards and the final review are for a person. Testing (seed step 3): rollback tested,
integrity verified and time measured are answered by a rehearsal of this exact file.
"""

from __future__ import annotations

from typing import Any

from shoring.plan.evidence import rehearsal_passed, rehearsal_seconds, rehearsal_when
from shoring.plan.model import Blocking, CheckItem, human_duration
from shoring.plan.risk import BLOCK_THRESHOLDS

PRE_MIGRATION = (
    "Backup database (full backup or snapshot)",
    "Verify rollback plan is tested",
    "Schedule maintenance window (if downtime needed)",
    "Notify stakeholders of migration",
    "Prepare monitoring dashboards",
    "Review execution plan one final time",
)
TESTING = (
    "Test on local development database",
    "Test on staging with production-like data volume",
    "Test rollback script works correctly",
    "Verify data integrity after migration",
    "Check application still works during migration",
    "Measure actual execution time",
    "Test edge cases (NULL values, duplicates, etc.)",
)


def backup_item(backup: dict[str, Any]) -> CheckItem:
    if not backup:
        return CheckItem(PRE_MIGRATION[0], False,
                         "not configured: add a [backup] table to shoring.toml (path for SQLite, command such as "
                         "pg_dump or mysqldump) and apply takes it first, or take a snapshot with your own tools")
    shown = ", ".join(f"{k} = {v!r}" for k, v in sorted(backup.items()) if "password" not in k.lower())
    return CheckItem(PRE_MIGRATION[0], True, f"configured in [backup] ({shown}): apply takes it before the first change")


def rollback_item(has_down: bool, record: dict[str, Any] | None, checksum: str) -> CheckItem:
    if not has_down:
        return CheckItem(PRE_MIGRATION[1], False, "no down section: the rollback plan is restoring the backup")
    passed = record.get("rollback_rehearsed", rehearsal_passed(record)) if record is not None else None
    if record is not None and passed:
        when = rehearsal_when(record)
        return CheckItem(PRE_MIGRATION[1], True,
                         f"rehearsed up, down, up for this exact file (checksum {checksum[:12]}){' on ' + when if when else ''}")
    if record is not None and passed is False:
        return CheckItem(PRE_MIGRATION[1], False, "the last rehearsal of this exact file did not restore schema and "
                                                  "data with down: see `shoring test`")
    return CheckItem(PRE_MIGRATION[1], False, f"not rehearsed for this exact file (checksum {checksum[:12]}): run `shoring test`")


def window_needed(blocking: list[Blocking]) -> tuple[bool | None, str]:
    """(needed, why): a window is needed when a live table is blocked long enough to be noticed."""
    unknown = [b for b in blocking if b.seconds is None]
    over = []
    for b in blocking:
        if b.seconds is None:
            continue
        limit = min(s for s, _ in BLOCK_THRESHOLDS["reads" if b.reads else "writes"])
        if b.seconds >= limit:
            over.append(b)
    if over:
        worst = max(over, key=lambda b: b.seconds or 0)
        what = "reads and writes" if worst.reads else "writes"
        return True, f"needed: {what} of {worst.relation} blocked for {human_duration(worst.seconds)}"
    if unknown:
        return None, f"unknown: {unknown[0].relation} is blocked for an unknown time (its size is unknown)"
    if blocking:
        longest = max(blocking, key=lambda b: b.seconds or 0)
        return False, (f"not needed: the longest block is {human_duration(longest.seconds)} on {longest.relation}")
    return False, "not needed: no table is blocked"


def window_item(blocking: list[Blocking]) -> CheckItem:
    needed, why = window_needed(blocking)
    # ticked when the tool can say no window is needed; unticked when one must be scheduled
    return CheckItem(PRE_MIGRATION[2], None if needed is None else not needed, why)


def pre_migration(backup: dict[str, Any], has_down: bool, record: dict[str, Any] | None, checksum: str,
                  blocking: list[Blocking], hooks: dict[str, Any] | None = None) -> list[CheckItem]:
    notify = (hooks or {}).get("before_apply")
    return [
        backup_item(backup),
        rollback_item(has_down, record, checksum),
        window_item(blocking),
        CheckItem(PRE_MIGRATION[3], True, f"apply runs the [hooks] before_apply command first: {notify}") if notify
        else CheckItem(PRE_MIGRATION[3], None, "for a person (or a [hooks] before_apply command apply runs first)"),
        CheckItem(PRE_MIGRATION[4], None, "for a person: watch locks (pg_locks / SHOW PROCESSLIST), replication lag, error rates"),
        CheckItem(PRE_MIGRATION[5], None, "this plan"),
    ]


def testing(record: dict[str, Any] | None, has_down: bool, measured: str | None) -> list[CheckItem]:
    passed = rehearsal_passed(record)
    rehearsed = record is not None and bool(passed)
    seconds = rehearsal_seconds(record) if record else None
    return [
        CheckItem(TESTING[0], None, "`shoring test --database <local url>`"),
        CheckItem(TESTING[1], None, "`shoring test` against a staging copy (or --scale for synthetic volume)"),
        CheckItem(TESTING[2], rehearsed if has_down else False,
                  "rehearsed up, down, up" if rehearsed else ("no down section" if not has_down else "not rehearsed yet")),
        CheckItem(TESTING[3], rehearsed or None,
                  "the rehearsal compared schema and data fingerprints" if rehearsed else "`shoring test` compares them"),
        CheckItem(TESTING[4], None, "for a person: run the application's tests against the migrated copy"),
        CheckItem(TESTING[5], True if (seconds is not None or measured) else None,
                  f"rehearsal: {seconds:.2f} s" if seconds is not None else (measured or "`shoring test` measures it")),
        CheckItem(TESTING[6], None, "for a person"),
    ]
